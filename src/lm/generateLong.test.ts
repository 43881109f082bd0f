import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { generate, type StepInfo } from './generate';
import { generateLong } from './generateLong';
import { disposeLm, type Lm, type LmCondition } from './model';
import { caseFull, disposeCond, flat, loadTiny } from './testdata/lmTiny';

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

const K = 4;
function cond(): LmCondition {
  return { textStates: tf.tensor3d(flat(caseFull.text_states[0]), [1, 5, 32]), textMask: tf.tensor2d(flat(caseFull.text_mask[0]), [1, 5]) };
}

describe('generateLong', () => {
  it('is exactly generate when the take fits in one window', async () => {
    const c = cond();
    const plain = await generate(lm, { ...c, frames: 10, seed: 4 });
    expect(await generateLong(lm, { ...c, frames: 10, seed: 4 })).toEqual(plain);
    expect(await generateLong(lm, { ...c, frames: 10, seed: 4, window: { maxFrames: 10, strideFrames: 4 } })).toEqual(plain);
    disposeCond(c);
  });

  it('samples a long take window by window: the first window is generate, later ones continue the end of it', async () => {
    const c = cond();
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

  it('keeps a continuation prompt and reports steps a streaming decoder can follow', async () => {
    const c = cond();
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
