import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { ERROR_TEXT } from '../errors/codes';
import type { WorkerLike } from './client';
import { ENGINE_METHODS, type EngineHandlers, type EngineInfo, type Progress } from './protocol';
import { connectPair, type Pair } from './testPair';

// Compile-time: a real Worker can be handed to createEngineClient.
export const workerIsWorkerLike = (w: Worker): WorkerLike => w;

const INFO: EngineInfo = {
  packId: 'tiny',
  packName: 'Tiny',
  backend: 'wasm',
  backendReason: 'forced wasm',
  codec: {
    encoder: 'enc',
    decoder: 'dec',
    sampleRate: 32000,
    frameRate: 50,
    hopLength: 640,
    codebooks: 4,
    cardinality: 2048,
    specialToken: 2048,
  },
};

const unused = (): Promise<never> => Promise.reject(new Error('not used in this test'));

function handlers(over: Partial<EngineHandlers>): EngineHandlers {
  return { ...(Object.fromEntries(ENGINE_METHODS.map((m) => [m, unused])) as unknown as EngineHandlers), ...over };
}

/** Resolves after the host has had a chance to see every message already posted. */
const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

let pair: Pair | undefined;
afterEach(() => pair?.close());

describe('createEngineClient', () => {
  it('round-trips a typed call and its result', async () => {
    pair = connectPair(handlers({ init: async (a) => ({ ...INFO, backendReason: `${a.backend} from ${a.manifestUrl}` }) }));
    const info = await pair.client.init({ manifestUrl: '/models/tiny/manifest.json', backend: 'wasm' });
    expect(info.packId).toBe('tiny');
    expect(info.backendReason).toBe('wasm from /models/tiny/manifest.json');
    expect(info.codec.codebooks).toBe(4);
  });

  it('keeps concurrent calls apart by id', async () => {
    pair = connectPair(
      handlers({
        decode: async ({ t }) => {
          await tick(t); // the first call finishes last
          return { pcm: new Float32Array(t), sampleRate: 32000 };
        },
      }),
    );
    const [a, b] = await Promise.all([
      pair.client.decode({ codes: new Int32Array(0), k: 4, t: 30 }),
      pair.client.decode({ codes: new Int32Array(0), k: 4, t: 5 }),
    ]);
    expect(a.pcm.length).toBe(30);
    expect(b.pcm.length).toBe(5);
  });

  it('delivers progress to the caller in order, before the result', async () => {
    const seen: string[] = [];
    pair = connectPair(
      handlers({
        decode: async (_a, ctx) => {
          for (let i = 1; i <= 4; i++) ctx.progress({ phase: 'decode', value: i / 4, label: `chunk ${i} of 4` });
          return { pcm: new Float32Array(2), sampleRate: 32000 };
        },
      }),
    );
    const onProgress = (p: Progress): void => void seen.push(`${p.phase}:${p.value}`);
    await pair.client.decode({ codes: new Int32Array(8), k: 4, t: 2 }, { onProgress }).then(() => seen.push('done'));
    expect(seen).toEqual(['decode:0.25', 'decode:0.5', 'decode:0.75', 'decode:1', 'done']);
  });

  it('cancels: rejects the caller at once, aborts the handler signal, ignores the late result', async () => {
    let handlerSignal: AbortSignal | undefined;
    let finishHandler!: () => void;
    const finished = new Promise<void>((r) => (finishHandler = r));
    pair = connectPair(
      handlers({
        tokenize: async (_a, ctx) => {
          handlerSignal = ctx.signal;
          await new Promise((r) => ctx.signal.addEventListener('abort', r));
          await tick(10);
          finishHandler();
          // A handler that ignores the abort and answers anyway: the client must drop this.
          return { codes: new Int32Array(0), k: 0, t: 0, pcm: new Float32Array(0), sampleRate: 1, reconstruction: new Float32Array(0), facts: null, reconstructionFacts: null };
        },
      }),
    );
    const ac = new AbortController();
    const progress: Progress[] = [];
    const call = pair.client.tokenize({ channels: [], sampleRate: 44100, name: 'a.wav' }, { signal: ac.signal, onProgress: (p) => progress.push(p) });
    await tick();
    ac.abort();
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('CANCELLED');

    await finished;
    await tick();
    expect(handlerSignal?.aborted).toBe(true);
    expect((handlerSignal?.reason as StudioError).code).toBe('CANCELLED');
    expect(pair.worker.posted.map((p) => (p.message as { kind: string }).kind)).toEqual(['call', 'cancel']);
    // The host still answered, and the client dropped it without complaint.
    expect(pair.hostPosted.some((p) => (p.message as { kind: string }).kind === 'result')).toBe(true);
  });

  it('rejects an already-aborted call without sending it', async () => {
    pair = connectPair(handlers({}));
    const err = await pair.client.init({ manifestUrl: 'x', backend: 'auto' }, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((err as StudioError).code).toBe('CANCELLED');
    expect(pair.worker.posted).toEqual([]);
  });

  it('rebuilds a StudioError with its code and name', async () => {
    pair = connectPair(handlers({ tokenize: async () => Promise.reject(new StudioError('AUDIO_SILENT', 'quiet.wav')) }));
    const err = await pair.client.tokenize({ channels: [], sampleRate: 44100, name: 'quiet.wav' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect(err).toMatchObject({ name: 'StudioError', code: 'AUDIO_SILENT', detail: 'quiet.wav' });
    expect((err as StudioError).message).toBe(`${ERROR_TEXT.AUDIO_SILENT} quiet.wav`);
  });

  it('turns a plain Error into INTERNAL, keeping its message', async () => {
    pair = connectPair(handlers({ decode: async () => { throw new TypeError('bad shape [4, 7]'); } }));
    const err = await pair.client.decode({ codes: new Int32Array(0), k: 4, t: 7 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('INTERNAL');
    expect((err as StudioError).name).toBe('TypeError');
    expect((err as StudioError).message).toContain('bad shape [4, 7]');
  });

  it('rejects every pending call with ENGINE_CRASHED when the worker crashes, and every later call too', async () => {
    const crashes: StudioError[] = [];
    pair = connectPair(handlers({ init: () => new Promise(() => {}), decode: () => new Promise(() => {}) }), {
      onCrash: (e) => crashes.push(e),
    });
    const a = pair.client.init({ manifestUrl: 'x', backend: 'auto' }).catch((e: unknown) => e);
    const b = pair.client.decode({ codes: new Int32Array(0), k: 1, t: 1 }).catch((e: unknown) => e);
    await tick();
    pair.worker.crash('Uncaught RangeError: oops');
    for (const err of await Promise.all([a, b])) {
      expect(err).toMatchObject({ name: 'StudioError', code: 'ENGINE_CRASHED' });
      expect((err as StudioError).message).toContain('oops');
    }
    expect(pair.worker.terminated).toBe(true);
    expect(crashes.map((e) => e.code)).toEqual(['ENGINE_CRASHED']);
    const later = await pair.client.init({ manifestUrl: 'x', backend: 'auto' }).catch((e: unknown) => e);
    expect((later as StudioError).code).toBe('ENGINE_CRASHED');
  });

  it('terminate() ends the worker and rejects pending calls', async () => {
    pair = connectPair(handlers({ init: () => new Promise(() => {}) }));
    const a = pair.client.init({ manifestUrl: 'x', backend: 'auto' }).catch((e: unknown) => e);
    pair.client.terminate();
    expect(((await a) as StudioError).code).toBe('ENGINE_CRASHED');
    expect(pair.worker.terminated).toBe(true);
  });

  it('transfers the buffers named in CallOptions.transfer', async () => {
    let received = 0;
    pair = connectPair(
      handlers({
        tokenize: async (a) => {
          received = a.channels[0].length;
          return Promise.reject(new StudioError('AUDIO_SILENT'));
        },
      }),
    );
    const left = new Float32Array(1024);
    await pair.client.tokenize({ channels: [left], sampleRate: 44100, name: 'a.wav' }, { transfer: [left.buffer as ArrayBuffer] }).catch(() => {});
    expect(pair.worker.posted[0].transfer).toEqual([left.buffer]);
    expect(left.buffer.byteLength).toBe(0); // detached: moved, not copied
    expect(received).toBe(1024);
  });

  it('rejects with INTERNAL when the arguments cannot be sent', async () => {
    pair = connectPair(handlers({}));
    const err = await pair.client
      .init({ manifestUrl: (() => 'x') as unknown as string, backend: 'auto' })
      .catch((e: unknown) => e);
    expect((err as StudioError).code).toBe('INTERNAL');
    expect((err as StudioError).message).toContain('could not send init');
  });
});
