import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors/StudioError';
import { parseLmConfig } from './config';
import { buildDelayed } from './delayPattern';
import { generate, warmUp, type StepInfo } from './generate';
import { generateLong } from './generateLong';
import { disposeLm, forward, type Lm, type LmCondition } from './model';
import { argmax, cfgCombine } from './sampling';
import { caseFull, disposeCond, flat, loadTiny } from './testdata/lmTiny';
import { initLm } from './weights';

let lm: Lm;
let before = 0;
beforeAll(async () => {
  await tf.setBackend('cpu');
  lm = loadTiny();
});
afterAll(() => disposeLm(lm));
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

/** case_full text rows [rows] as a condition (B = rows.length). */
function cond(rows: number[]): LmCondition {
  const states = rows.flatMap((r) => flat(caseFull.text_states[r]));
  const mask = rows.flatMap((r) => flat(caseFull.text_mask[r]));
  return { textStates: tf.tensor3d(states, [rows.length, 5, 32]), textMask: tf.tensor2d(mask, [rows.length, 5]) };
}

async function run(c: LmCondition, extra: Partial<Parameters<typeof generate>[1]> = {}) {
  return generate(lm, { ...c, frames: 12, seed: 5, ...extra });
}

describe('generate', () => {
  it('is deterministic per seed and returns codes [K, T] in range', async () => {
    const c = cond([0]);
    const a = await run(c);
    expect(a.length).toBe(4 * 12);
    expect(a.every((x) => x >= 0 && x < 64)).toBe(true);
    expect(await run(c)).toEqual(a);
    expect(await run(c, { seed: 6 })).not.toEqual(a);
    disposeCond(c);
  });

  it('keeps prompt cells and reports every step', async () => {
    const c = cond([0]);
    const P = 4;
    const prompt = Int32Array.from(caseFull.codes[0].flatMap((row: number[]) => row.slice(0, P))); // [K, P]
    const steps: StepInfo[] = [];
    const out = await run(c, { prompt: { codes: prompt, frames: P }, onStep: (s) => steps.push(s) });
    for (let q = 0; q < 4; q++) expect(Array.from(out.subarray(q * 12, q * 12 + P))).toEqual(Array.from(prompt.subarray(q * P, (q + 1) * P)));
    // sampling starts at column P + 1 and runs to S - 1 = T + K - 1
    expect(steps.map((s) => s.column)).toEqual(Array.from({ length: 16 - (P + 1) }, (_, i) => P + 1 + i));
    expect(steps.at(-1)!.steps).toBe(steps.length);
    disposeCond(c);
  });

  it('greedy cached generation equals argmax of the recomputed full forward (CFG 3, B = 2)', async () => {
    const c = cond([0, 1]);
    const T = 12, K = 4, S = T + K;
    const codes = await run(c, { temperature: 0, cfg: 3 }); // [2, K, T]
    // rebuild the delayed sequences, run one full forward on [cond; null], re-derive every token
    const seq = new Int32Array(4 * K * S);
    for (let b = 0; b < 2; b++) {
      const { values } = buildDelayed(codes.subarray(b * K * T, (b + 1) * K * T), K, T, 64);
      seq.set(values, b * K * S);
      seq.set(values, (2 + b) * K * S);
    }
    const { mask } = buildDelayed(new Int32Array(K * T), K, T, 64);
    const both: LmCondition = tf.tidy(() => ({
      textStates: tf.concat([c.textStates, tf.zerosLike(c.textStates)]) as tf.Tensor3D,
      textMask: tf.concat([c.textMask, tf.zerosLike(c.textMask)]) as tf.Tensor2D,
    }));
    const input = tf.tensor3d(seq, [4, K, S], 'int32');
    const logits = forward(lm, input, both); // [4, K, S, 64]
    const data = (await logits.data()) as Float32Array;
    const row = (r: number, q: number, s: number) => data.subarray(((r * K + q) * S + s) * 64, ((r * K + q) * S + s + 1) * 64);
    let checked = 0;
    for (let b = 0; b < 2; b++) for (let q = 0; q < K; q++) for (let s = 1; s < S; s++) {
      if (!mask[q * S + s]) continue;
      expect(seq[(b * K + q) * S + s]).toBe(argmax(cfgCombine(row(b, q, s - 1), row(2 + b, q, s - 1), 3)));
      checked++;
    }
    expect(checked).toBe(2 * K * T);
    tf.dispose([logits, input, both.textStates, both.textMask]);
    disposeCond(c);
  });

  it('runs without CFG (cfg = 1) and leaks nothing over 5 generations', async () => {
    const c = cond([1]);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await run(c, { cfg: i % 2 ? 1 : 3, seed: i, topK: 10 });
    expect(tf.memory().numTensors).toBe(start);
    disposeCond(c);
  });

  it('stops within one step on abort and frees everything', async () => {
    const c = cond([0]);
    const ctl = new AbortController();
    let steps = 0;
    const p = run(c, { signal: ctl.signal, onStep: () => ++steps === 2 && ctl.abort() });
    await expect(p).rejects.toBeInstanceOf(StudioError);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(steps).toBe(2);
    disposeCond(c);
  });

  it('finished early, keeps the frames every codebook has reached: the start of the whole take with the same seed', async () => {
    const c = cond([0]);
    const whole = await generate(lm, { ...c, frames: 12, seed: 5 }); // [K, 12]
    const finish = new AbortController();
    let steps = 0;
    const early = await generate(lm, { ...c, frames: 12, seed: 5, finish: finish.signal, onStep: () => ++steps === 9 && finish.abort() });
    const Tk = early.length / K;
    expect(Tk).toBe(9 - K + 1); // 9 columns sampled after BOS: frames 0..5 complete in all 4 codebooks
    for (let q = 0; q < K; q++) expect(early.subarray(q * Tk, (q + 1) * Tk)).toEqual(whole.subarray(q * 12, q * 12 + Tk));
    // Window by window likewise: a finish in the second window keeps the first window and what the second completed.
    const window = { maxFrames: 8, strideFrames: 3 };
    const long = await generateLong(lm, { ...c, frames: 20, seed: 4, window });
    const f2 = new AbortController();
    const cutLong = await generateLong(lm, { ...c, frames: 20, seed: 4, window, finish: f2.signal, onStep: (i) => i.column >= 12 && f2.abort() });
    const T2 = cutLong.length / K;
    expect(T2).toBeGreaterThan(8);
    expect(T2).toBeLessThan(20);
    for (let q = 0; q < K; q++) expect(cutLong.subarray(q * T2, (q + 1) * T2)).toEqual(long.subarray(q * 20, q * 20 + T2));
    disposeCond(c);
  });

  it('lets timers and messages run between steps, so an abort from another task lands mid-take', async () => {
    const c = cond([0]);
    const ctl = new AbortController();
    let steps = 0;
    let stepsAtAbort = -1;
    const total = 200 + 4 - 1;
    setTimeout(() => { stepsAtAbort = steps; ctl.abort(); }, 40); // a macrotask, as a worker's cancel message is
    const p = generate(lm, { ...c, frames: 200, seed: 1, signal: ctl.signal, onStep: () => void ++steps });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(stepsAtAbort).toBeGreaterThanOrEqual(0);
    expect(steps).toBeLessThan(total);
    expect(steps - stepsAtAbort).toBeLessThanOrEqual(1);
    disposeCond(c);
  });

  it('generates with prefix (melody) conditioning', async () => {
    const cfg = parseLmConfig({ dim: 32, layers: 1, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, conditioning: 'prefix', chromaBins: 12 });
    const mel = initLm(cfg, 3);
    const c: LmCondition = {
      textStates: tf.ones([1, 3, 8]),
      textMask: tf.ones([1, 3]),
      chroma: tf.tidy(() => tf.oneHot(tf.tensor2d([[0, 4, 7, 0]], [1, 4], 'int32'), 12).toFloat() as tf.Tensor3D),
    };
    const out = await generate(mel, { ...c, frames: 10, seed: 1 });
    expect(out.length).toBe(40);
    expect(out.every((x) => x >= 0 && x < 16)).toBe(true);
    disposeCond(c);
    disposeLm(mel);
  });

  it('warms up (cross and prefix conditioning) by running the kernels, leaving no tensors', async () => {
    const mel = initLm(parseLmConfig({ dim: 32, layers: 1, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, conditioning: 'prefix', chromaBins: 12 }), 3);
    for (const m of [lm, mel]) {
      const p = await tf.profile(() => warmUp(m));
      expect(p.kernels.length).toBeGreaterThan(20);
      expect(p.newTensors).toBe(0);
    }
    disposeLm(mel);
  });
});

const K = 4;

describe('generateLong', () => {
  it('is exactly generate when the take fits in one window', async () => {
    const c = cond([0]);
    const plain = await generate(lm, { ...c, frames: 10, seed: 4 });
    expect(await generateLong(lm, { ...c, frames: 10, seed: 4 })).toEqual(plain);
    expect(await generateLong(lm, { ...c, frames: 10, seed: 4, window: { maxFrames: 10, strideFrames: 4 } })).toEqual(plain);
    disposeCond(c);
  });

  it('samples a long take window by window: the first window is generate, later ones continue the end of it', async () => {
    const c = cond([0]);
    const T = 20;
    const window = { maxFrames: 8, strideFrames: 3 };
    const long = await generateLong(lm, { ...c, frames: T, seed: 4, window });
    expect(long.length).toBe(K * T);
    expect(long.every((x) => x >= 0 && x < 64)).toBe(true);
    expect(await generateLong(lm, { ...c, frames: T, seed: 4, window })).toEqual(long);
    // window 0 is the plain 8-frame take with the same seed
    const first = await generate(lm, { ...c, frames: 8, seed: 4 });
    for (let q = 0; q < K; q++) expect(long.subarray(q * T, q * T + 8)).toEqual(first.subarray(q * 8, (q + 1) * 8));
    // and differs from one 20-frame sequence (positions past 8 are never used)
    expect(long).not.toEqual(await generate(lm, { ...c, frames: T, seed: 4 }));
    disposeCond(c);
  });

  it('makes takes longer than the position table, which one sequence cannot', async () => {
    const c = cond([0]);
    const T = 300; // the tiny LM has 256 positions
    await expect(generate(lm, { ...c, frames: T, seed: 2 })).rejects.toThrow(RangeError);
    const long = await generateLong(lm, { ...c, frames: T, seed: 2, window: { maxFrames: 40, strideFrames: 30 } });
    expect(long.length).toBe(K * T);
    expect(long.every((x) => x >= 0 && x < 64)).toBe(true);
    disposeCond(c);
  });

  it('keeps a continuation prompt and reports steps a streaming decoder can follow', async () => {
    const c = cond([0]);
    const T = 18;
    const P = 5; // longer than the 4 frames a window keeps: the first window sees only its end
    const prompt = Int32Array.from(caseFull.codes[0].flatMap((row: number[]) => row.slice(0, P))); // [K, P]
    const steps: StepInfo[] = [];
    const seen = new Int32Array(K * T).fill(-1); // what a StreamingDecoder would hold: column c has frame c - q - 1
    for (let q = 0; q < K; q++) seen.set(prompt.subarray(q * P, (q + 1) * P), q * T);
    const finalAt: Array<{ complete: number; snapshot: Int32Array }> = [];
    const out = await generateLong(lm, {
      ...c, frames: T, seed: 9, prompt: { codes: prompt, frames: P }, window: { maxFrames: 8, strideFrames: 4 },
      onStep: (s) => {
        steps.push(s);
        for (let q = 0; q < K; q++) {
          const f = s.column - q - 1;
          if (f >= 0 && f < T) seen[q * T + f] = s.tokens[q];
        }
        finalAt.push({ complete: Math.min(T, s.column - K + 1), snapshot: seen.slice() });
      },
    });
    for (let q = 0; q < K; q++) expect(out.subarray(q * T, q * T + P)).toEqual(prompt.subarray(q * P, (q + 1) * P));
    expect(seen).toEqual(out); // every cell was reported, the last report of each is the final token
    for (const { complete, snapshot } of finalAt) {
      for (let q = 0; q < K; q++) expect(snapshot.subarray(q * T, q * T + Math.max(0, complete))).toEqual(out.subarray(q * T, q * T + Math.max(0, complete)));
    }
    expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.every((s) => s.steps === steps.length)).toBe(true);
    expect(Math.min(T, steps.at(-1)!.column - K + 1)).toBe(T);
    disposeCond(c);
  });
});
