import { checkDecoded } from '../audio/checks';
import { downmix } from '../audio/downmix';
import { resample } from '../audio/resample';
import { Codec } from '../codec/encodec';
import { StudioError } from '../errors/StudioError';
import { fetchPackFile, type Fetcher } from '../packs/fetchFile';
import { fileUrl, parseManifest, type Manifest } from '../packs/manifest';
import { chooseBackend, type AdapterProbe, type BackendName } from '../runtime/backend';
import type { SessionRunner } from '../runtime/sessionRunner';
import type { CallContext, EngineHandlers, EngineInfo } from './protocol';

/** What the engine needs from its environment; the browser and Node tests supply different ones. */
export interface EngineDeps {
  fetch: Fetcher;
  probe(): Promise<AdapterProbe>;
  createSession(bytes: Uint8Array, backend: BackendName): Promise<SessionRunner>;
}

interface Loaded {
  manifest: Manifest;
  codec: Codec;
  info: EngineInfo;
  sessions: SessionRunner[];
}

/** Fetches and checks the manifest and the codec files (bytes, in manifest order). */
async function fetchPack(deps: EngineDeps, manifestUrl: string, ctx: CallContext): Promise<{ manifest: Manifest; bytes: Uint8Array[] }> {
  ctx.progress({ phase: 'load', value: 0, label: 'Reading the model pack manifest' });
  let res: Response;
  try {
    res = await deps.fetch(manifestUrl);
  } catch (e) {
    throw new StudioError('MODEL_FETCH_FAILED', `manifest: ${(e as Error).message}`);
  }
  if (!res.ok) throw new StudioError('MODEL_FETCH_FAILED', `manifest: HTTP ${res.status}`);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new StudioError('MANIFEST_INVALID', 'manifest.json is not valid JSON');
  }
  const manifest = parseManifest(json);
  const roles = [manifest.codec.encoder, manifest.codec.decoder];
  const total = roles.reduce((s, r) => s + manifest.files[r].bytes, 0);
  let before = 0;
  const bytes: Uint8Array[] = [];
  for (const role of roles) {
    const file = manifest.files[role];
    bytes.push(await fetchPackFile(deps.fetch, fileUrl(manifestUrl, file), file, {
      signal: ctx.signal,
      onBytes: (loaded) => ctx.progress({
        phase: 'load', value: (0.8 * (before + loaded)) / total,
        label: `Downloading ${file.path} (${((before + loaded) / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB)`,
      }),
    }));
    before += file.bytes;
  }
  return { manifest, bytes };
}

async function startCodec(deps: EngineDeps, manifest: Manifest, bytes: Uint8Array[], backend: BackendName, ctx: CallContext) {
  ctx.progress({ phase: 'load', value: 0.85, label: `Starting the codec on ${backend}` });
  const sessions: SessionRunner[] = [];
  try {
    for (const b of bytes) sessions.push(await deps.createSession(b, backend));
  } catch (e) {
    for (const s of sessions) await s.release();
    throw e;
  }
  return { codec: new Codec(manifest.codec, sessions[0], sessions[1]), sessions };
}

/**
 * The engine: owns the pack, the codec sessions and the backend. One instance per worker.
 * Calls are serialised (ORT sessions and tfjs are not re-entrant).
 */
export function createEngineHandlers(deps: EngineDeps = browserDeps()): EngineHandlers {
  let loaded: Loaded | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const need = (): Loaded => {
    if (!loaded) throw new StudioError('INTERNAL', 'the engine has no model pack loaded yet');
    return loaded;
  };

  return {
    init: (a, ctx) => serial(async () => {
      const probe = await deps.probe();
      let { backend, reason } = chooseBackend(a.backend, probe);
      for (const s of loaded?.sessions ?? []) await s.release();
      loaded = null;
      const { manifest, bytes } = await fetchPack(deps, a.manifestUrl, ctx);
      let started: Awaited<ReturnType<typeof startCodec>>;
      try {
        started = await startCodec(deps, manifest, bytes, backend, ctx);
      } catch (e) {
        if (!(e instanceof StudioError && e.code === 'BACKEND_UNAVAILABLE' && backend === 'webgpu')) throw e;
        reason = `WebGPU could not start (${e.detail}); fell back to WASM`;
        backend = 'wasm';
        started = await startCodec(deps, manifest, bytes, backend, ctx);
      }
      const info: EngineInfo = { packId: manifest.id, packName: manifest.name, backend, backendReason: reason, codec: manifest.codec };
      loaded = { manifest, ...started, info };
      ctx.progress({ phase: 'load', value: 1, label: `${info.packName} ready on ${backend}` });
      return info;
    }),

    tokenize: (a, ctx) => serial(async () => {
      const { codec } = need();
      const spec = codec.spec;
      checkDecoded(a.channels, a.sampleRate, { hop: spec.hopLength, rate: spec.sampleRate });
      ctx.progress({ phase: 'tokenize', value: 0.02, label: `Resampling ${a.name}` });
      const pcm = resample(downmix(a.channels), a.sampleRate, spec.sampleRate);
      const codes = await codec.encode(pcm, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress({ phase: 'tokenize', value: 0.05 + 0.6 * f, label: `Tokenizing ${a.name}` }),
      });
      const full = await codec.decode(codes, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress({ phase: 'tokenize', value: 0.65 + 0.35 * f, label: `Reconstructing ${a.name}` }),
      });
      const reconstruction = full.slice(0, pcm.length);
      ctx.transfer(codes.codes.buffer, pcm.buffer, reconstruction.buffer);
      return { ...codes, pcm, sampleRate: spec.sampleRate, reconstruction };
    }),

    decode: (a, ctx) => serial(async () => {
      const { codec } = need();
      const pcm = await codec.decode({ codes: a.codes, k: a.k, t: a.t }, {
        signal: ctx.signal,
        onProgress: (f) => ctx.progress({ phase: 'decode', value: f, label: 'Decoding tokens to audio' }),
      });
      ctx.transfer(pcm.buffer);
      return { pcm, sampleRate: codec.spec.sampleRate };
    }),
  };
}

/** The browser's environment, loaded lazily so Node tests never import onnxruntime-web. */
function browserDeps(): EngineDeps {
  return {
    fetch: (url) => fetch(url),
    probe: async () => (await import('../runtime/gpuProbe')).probeWebGpu(),
    createSession: async (bytes, backend) => (await import('../runtime/ortSession')).createOrtSession(bytes, backend),
  };
}
