import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { createError, executionProviders, runQueue, wasmThreads, wrapOrtSession, type OrtSessionLike, type OrtTensorLike } from './ortWrap';
import { float32, int32, int64, outputOf } from './sessionRunner';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A session that doubles `x`, records overlap, and can be told to fail or to answer oddly. */
function fakeSession(
  opts: { delayMs?: number; output?: (x: OrtTensorLike) => Record<string, OrtTensorLike> } = {},
  state = { active: 0, maxActive: 0, runs: 0, released: false },
) {
  const session: OrtSessionLike = {
    inputNames: ['x'],
    outputNames: ['y'],
    async run(feeds) {
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      await tick(opts.delayMs ?? 5);
      state.active--;
      state.runs++;
      const x = feeds.x;
      if (opts.output) return opts.output(x);
      const data = (x.data as Float32Array).map((v) => v * 2);
      if (data[0] < 0) throw new Error('negative input');
      return { y: { type: 'float32', data, dims: x.dims } };
    },
    async release() {
      state.released = true;
    },
  };
  return { session, state };
}

const identity = (t: OrtTensorLike): OrtTensorLike => t;

describe('wrapOrtSession', () => {
  it('never overlaps two runs on one session, and a failed run does not block the queue', async () => {
    const { session, state } = fakeSession();
    const runner = wrapOrtSession(session, identity);
    const results = await Promise.allSettled([
      runner.run({ x: float32(new Float32Array([1, 2]), [2]) }),
      runner.run({ x: float32(new Float32Array([-1, 2]), [2]) }),
      runner.run({ x: float32(new Float32Array([3, 4]), [1, 2]) }),
    ]);
    expect(state.maxActive).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const last = (results[2] as PromiseFulfilledResult<Awaited<ReturnType<typeof runner.run>>>).value;
    expect(outputOf(last, 'y', 'float32')).toEqual({ type: 'float32', data: new Float32Array([6, 8]), dims: [1, 2] });
  });

  it('never overlaps runs of two sessions that share a queue (one ORT-web JSEP module)', async () => {
    const x = (v: number) => ({ x: float32(new Float32Array([v]), [1]) });
    const overlapOf = async (share: boolean): Promise<number> => {
      const module = { active: 0, maxActive: 0, runs: 0, released: false };
      const queue = share ? runQueue() : undefined;
      const a = wrapOrtSession(fakeSession({ delayMs: 10 }, module).session, identity, queue);
      const b = wrapOrtSession(fakeSession({ delayMs: 10 }, module).session, identity, queue);
      await Promise.all([a.run(x(1)), b.run(x(2)), a.run(x(3)), b.run(x(4))]);
      expect(module.runs).toBe(4);
      return module.maxActive;
    };
    expect(await overlapOf(false)).toBe(2);
    expect(await overlapOf(true)).toBe(1);
  });

  it('rejects missing or unknown feeds with MODEL_INTERFACE before running', async () => {
    const { session, state } = fakeSession();
    const runner = wrapOrtSession(session, identity);
    const err = await runner.run({ input_values: float32(new Float32Array(1), [1]) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_INTERFACE', detail: 'inputs missing x; unknown input_values (the graph takes x)' });
    expect(state.runs).toBe(0);
  });

  it('passes float32, int64 and int32 outputs through and refuses other types', async () => {
    const { session } = fakeSession({
      output: () => ({
        a: { type: 'int64', data: new BigInt64Array([5n]), dims: [1] },
        b: { type: 'int32', data: new Int32Array([7]), dims: [1] },
      }),
    });
    const out = await wrapOrtSession(session, identity).run({ x: float32(new Float32Array(1), [1]) });
    expect(outputOf(out, 'a', 'int64').data).toEqual(new BigInt64Array([5n]));
    expect(outputOf(out, 'b', 'int32').data).toEqual(new Int32Array([7]));

    const { session: boolSession } = fakeSession({ output: () => ({ m: { type: 'bool', data: new Uint8Array([1]), dims: [1] } }) });
    const err = await wrapOrtSession(boolSession, identity).run({ x: float32(new Float32Array(1), [1]) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_INTERFACE', detail: expect.stringContaining('"m" is bool') });
  });

  it('releases after queued runs finish, once, and refuses runs afterwards', async () => {
    const { session, state } = fakeSession({ delayMs: 20 });
    const runner = wrapOrtSession(session, identity);
    const run = runner.run({ x: float32(new Float32Array([1]), [1]) });
    const released = runner.release();
    await runner.release();
    await released;
    expect(state.runs).toBe(1);
    expect(state.released).toBe(true);
    await expect(run).resolves.toBeDefined();
    await expect(runner.run({ x: float32(new Float32Array([1]), [1]) })).rejects.toBeInstanceOf(StudioError);
  });
});

describe('sessionRunner helpers', () => {
  it('checks that data fills the dims', () => {
    expect(int64(new BigInt64Array(6), [2, 3]).dims).toEqual([2, 3]);
    expect(int32(new Int32Array(1), []).type).toBe('int32');
    expect(() => float32(new Float32Array(5), [2, 3])).toThrow(/5 values for dims \[2, 3\]/);
  });

  it('outputOf names what is missing or mistyped', () => {
    const out = { codes: int64(new BigInt64Array(2), [2]) };
    expect(() => outputOf(out, 'audio_codes', 'int64')).toThrow(/no output "audio_codes" \(it has: codes\)/);
    expect(() => outputOf(out, 'codes', 'float32')).toThrow(/"codes" is int64, expected float32/);
  });
});

describe('ORT settings', () => {
  it('uses one wasm thread for cpu or without cross-origin isolation, else up to 4', () => {
    expect(wasmThreads('cpu', { crossOriginIsolated: true, hardwareConcurrency: 16 })).toBe(1);
    expect(wasmThreads('wasm', { crossOriginIsolated: false, hardwareConcurrency: 16 })).toBe(1);
    expect(wasmThreads('wasm', { hardwareConcurrency: 16 })).toBe(1);
    expect(wasmThreads('wasm', { crossOriginIsolated: true, hardwareConcurrency: 16 })).toBe(4);
    expect(wasmThreads('webgpu', { crossOriginIsolated: true, hardwareConcurrency: 2 })).toBe(2);
    expect(wasmThreads('wasm', { crossOriginIsolated: true })).toBe(1);
  });

  it('asks for webgpu alone (no silent whole-session fallback) and wasm otherwise', () => {
    expect(executionProviders('webgpu')).toEqual(['webgpu']);
    expect(executionProviders('wasm')).toEqual(['wasm']);
    expect(executionProviders('cpu')).toEqual(['wasm']);
  });

  it('turns a provider that would not start into BACKEND_UNAVAILABLE and leaves other errors alone', () => {
    const e = createError(new Error('no available backend found. ERR: [webgpu] Error: no adapter'), 'webgpu');
    expect(e).toMatchObject({ code: 'BACKEND_UNAVAILABLE', detail: expect.stringContaining('[webgpu]') });
    const other = new Error('protobuf parsing failed');
    expect(createError(other, 'wasm')).toBe(other);
  });
});
