// The ORT worker channel over a real MessageChannel (structured clone, transfers), with real
// onnxruntime-node sessions on the bundled codec behind it.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Codec } from '../codec/encodec';
import { PACK_DIR, readPackManifest } from '../codec/testPack';
import { StudioError } from '../errors/StudioError';
import { remoteOrt, serveOrt, type OrtWorkerLike } from './ortRemote';
import { createNodeOrtSession } from './ortSessionNode';
import type { SessionRunner } from './sessionRunner';

const manifest = readPackManifest();
const bytes = (role: string) => new Uint8Array(readFileSync(PACK_DIR + manifest.files[role].path));
const channels: MessageChannel[] = [];

/** A Worker stand-in: one end of a channel, plus the `error` event a dying worker fires. */
function pair(create: (b: Uint8Array) => Promise<SessionRunner> = (b) => createNodeOrtSession(b)) {
  const ch = new MessageChannel();
  channels.push(ch);
  serveOrt((b) => create(b), ch.port2);
  const errors = new EventTarget();
  const worker: OrtWorkerLike & { crash(): void } = {
    postMessage: (m, t) => ch.port1.postMessage(m, t),
    addEventListener: (type: 'message' | 'error', l: (ev: never) => void) =>
      (type === 'message' ? ch.port1 : errors).addEventListener(type, l as EventListener),
    crash: () => errors.dispatchEvent(Object.assign(new Event('error'), { message: 'worker died' })),
  };
  return { worker, create: remoteOrt(worker) };
}

afterEach(() => {
  for (const ch of channels.splice(0)) {
    ch.port1.close();
    ch.port2.close();
  }
});

describe('ONNX sessions in their own worker', () => {
  it('encodes and decodes the same codes and audio as sessions in this context', async () => {
    const { create } = pair();
    const remote = new Codec(manifest.codec, await create(bytes(manifest.codec.encoder), 'cpu'), await create(bytes(manifest.codec.decoder), 'cpu'));
    const local = new Codec(manifest.codec, await createNodeOrtSession(bytes(manifest.codec.encoder)), await createNodeOrtSession(bytes(manifest.codec.decoder)));
    const pcm = Float32Array.from({ length: 24_000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 24_000));
    const [a, b] = [await remote.encode(pcm), await local.encode(pcm)];
    expect(a.k).toBe(b.k);
    expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
    const [x, y] = [await remote.decode(a), await local.decode(b)];
    expect(x.length).toBe(y.length);
    expect(Math.max(...x.map((v, i) => Math.abs(v - y[i])))).toBeLessThan(1e-6);
    expect(pcm[100]).toBeCloseTo(0.3 * Math.sin((2 * Math.PI * 220 * 100) / 24_000), 6); // feeds were copied, not taken
  });

  it('reports the graph names and keeps error codes across the channel', async () => {
    const { create } = pair();
    const s = await create(bytes(manifest.codec.decoder), 'cpu');
    expect(s.inputNames).toEqual(['audio_codes', 'phase_in', 'frame_in']); // the bundled decoder also takes its running phases and first frame (src/codec/encodec.ts)
    const err = await s.run({ wrong: { type: 'float32', data: new Float32Array(1), dims: [1] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('MODEL_INTERFACE');
    await s.release();
    await expect(s.run({})).rejects.toThrow(/released/);
  });

  it('names a backend that would not start, as the worker saw it', async () => {
    const { create } = pair(async () => { throw new StudioError('BACKEND_UNAVAILABLE', 'webgpu: no adapter'); });
    const err = await create(new Uint8Array(4), 'webgpu').catch((e: unknown) => e);
    expect((err as StudioError).code).toBe('BACKEND_UNAVAILABLE');
    expect((err as StudioError).detail).toBe('webgpu: no adapter');
  });

  it('fails pending and later calls with ENGINE_CRASHED when the worker dies', async () => {
    let release!: () => void;
    const { worker, create } = pair(() => new Promise((r) => { release = () => r(undefined as never); }));
    const pending = create(new Uint8Array(4), 'wasm');
    await new Promise((r) => setTimeout(r, 20));
    worker.crash();
    await expect(pending).rejects.toMatchObject({ code: 'ENGINE_CRASHED', detail: 'worker died' });
    await expect(create(new Uint8Array(4), 'wasm')).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    release();
  });

  it('answers a run on a session it does not have (never leaves the caller waiting)', async () => {
    const ch = new MessageChannel();
    channels.push(ch);
    serveOrt((b) => createNodeOrtSession(b), ch.port2);
    const reply = new Promise<{ ok: boolean; error?: { code: string } }>((r) => ch.port1.addEventListener('message', (ev) => r(ev.data), { once: true }));
    ch.port1.start();
    ch.port1.postMessage({ id: 1, method: 'run', args: { session: 99, feeds: {} } });
    expect(await reply).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('rejects a call that cannot be sent instead of waiting for an answer that never comes', async () => {
    const worker: OrtWorkerLike = {
      postMessage: () => { throw new DOMException('could not be cloned', 'DataCloneError'); },
      addEventListener: () => {},
    };
    await expect(remoteOrt(worker)(new Uint8Array(4), 'wasm')).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
