/** Starting a pack's ONNX sessions on the chosen backend: WASM when WebGPU cannot start, and the decoder's WebGPU self-test. */
import { StudioError } from '../errors/StudioError';
import type { Manifest } from '../packs/manifest';
import type { BackendName } from '../runtime/backend';
import type { CreateSession, SessionRunner } from '../runtime/sessionRunner';
import { checkGpuDecoder } from './gpuSelfTest';
import type { CallContext } from './protocol';

async function startSessions(create: CreateSession, bytes: Uint8Array[], backend: BackendName, ctx: CallContext): Promise<SessionRunner[]> {
  ctx.progress({ phase: 'load', value: 0.85, label: `Starting the models on ${backend}` });
  const sessions: SessionRunner[] = [];
  try {
    for (const b of bytes) sessions.push(await create(b, backend));
  } catch (e) {
    for (const s of sessions) await s.release();
    throw e;
  }
  return sessions;
}

/**
 * Sessions for `graphs` (encoder, decoder, then the text encoder if any) on `backend`; WASM, with
 * the reason, when WebGPU fails to start. On WebGPU the decoder is checked against WASM and
 * replaced by the WASM session when they disagree (a GPU_SELF_TEST notice is added).
 */
export async function startPackSessions(create: CreateSession, graphs: Uint8Array[], manifest: Manifest, backend: BackendName, reason: string,
  ctx: CallContext, notices: StudioError[]): Promise<{ sessions: SessionRunner[]; backend: BackendName; reason: string }> {
  let sessions: SessionRunner[];
  try {
    sessions = await startSessions(create, graphs, backend, ctx);
  } catch (e) {
    if (!(e instanceof StudioError && e.code === 'BACKEND_UNAVAILABLE' && backend === 'webgpu')) throw e;
    reason = `WebGPU could not start (${e.detail}); fell back to WASM`;
    backend = 'wasm';
    sessions = await startSessions(create, graphs, backend, ctx);
  }
  if (backend === 'webgpu') {
    ctx.progress({ phase: 'load', value: 0.87, label: 'Checking WebGPU against WASM' });
    try {
      const checked = await checkGpuDecoder(manifest, create, graphs[1], sessions[0], sessions[1]);
      sessions[1] = checked.decoder;
      if (checked.notice) notices.push(checked.notice);
    } catch (e) {
      for (const s of sessions) await s.release();
      throw e;
    }
  }
  return { sessions, backend, reason };
}
