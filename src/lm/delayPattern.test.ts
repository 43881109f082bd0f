import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDelayed, delayedLayout, firstStepWithTimestep, revertDelayed, validTargetMask } from './delayPattern';

/** audiocraft DelayedPatternProvider outputs (copied from /work/shared/reference/parity). */
interface Case {
  K: number;
  T: number;
  z: number[][][];
  layout: number[][][];
  first_step_with_timestep: Array<number | null>;
  build: { values?: number[][][]; mask?: number[][]; error?: string };
  build_valid: { values?: number[][][]; mask?: number[][] };
  revert: { values?: number[][][] };
  revert_valid: { mask?: number[][] };
}
const data = JSON.parse(readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), 'testdata', 'delay_pattern.json'), 'utf8')) as {
  special_token: number;
  cases: Case[];
};
const P = data.special_token;

const flat = (rows: number[][]) => rows.flat();

describe('delay pattern vs audiocraft', () => {
  for (const c of data.cases) {
    it(`K=${c.K} T=${c.T}`, () => {
      expect(delayedLayout(c.K, c.T)).toEqual(c.layout);
      for (let t = 0; t < c.first_step_with_timestep.length; t++) {
        expect(firstStepWithTimestep(t, c.K, c.T)).toBe(c.first_step_with_timestep[t]);
      }
      for (let b = 0; b < c.z.length; b++) {
        const codes = Int32Array.from(flat(c.z[b]));
        const built = buildDelayed(codes, c.K, c.T, P);
        expect(built.S).toBe(c.T + c.K);
        if (c.T === 0) {
          // audiocraft raises here; we return K all-special columns with an all-false mask.
          expect(c.build.error).toMatch(/IndexError/);
          expect(Array.from(built.values)).toEqual(new Array(c.K * c.K).fill(P));
          expect(built.mask.every((m) => m === 0)).toBe(true);
          expect(revertDelayed(built.values, c.K, built.S).length).toBe(0);
          continue;
        }
        expect(Array.from(built.values)).toEqual(flat(c.build.values![b]));
        expect(Array.from(built.mask)).toEqual(flat(c.build.mask!));
        expect(Array.from(revertDelayed(built.values, c.K, built.S))).toEqual(flat(c.revert.values![b]));
        // keep_only_valid_steps=True is the first T + 1 columns of the full build.
        const S = built.S;
        const validCols = flat(c.build_valid.values![b]);
        for (let q = 0; q < c.K; q++) {
          expect(Array.from(built.values.subarray(q * S, q * S + c.T + 1))).toEqual(validCols.slice(q * (c.T + 1), (q + 1) * (c.T + 1)));
        }
      }
      if (c.T > 0) expect(Array.from(validTargetMask(c.K, c.T))).toEqual(flat(c.revert_valid.mask!));
    });
  }
});

describe('delay pattern, own cases', () => {
  it('matches the worked example of musicgen.md §2.2 (K=4, T=5)', () => {
    const K = 4, T = 5;
    const codes = new Int32Array(K * T).map((_, i) => 10 * Math.floor(i / T) + (i % T)); // c[q,t] = 10q + t
    const { values, mask, S } = buildDelayed(codes, K, T, P);
    const rows = [];
    for (let q = 0; q < K; q++) rows.push(Array.from(values.subarray(q * S, (q + 1) * S)));
    expect(rows).toEqual([
      [P, 0, 1, 2, 3, 4, P, P, P],
      [P, P, 10, 11, 12, 13, 14, P, P],
      [P, P, P, 20, 21, 22, 23, 24, P],
      [P, P, P, P, 30, 31, 32, 33, 34],
    ]);
    expect(Array.from(mask.subarray(0, S))).toEqual([0, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(validTargetMask(K, T))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0]);
  });

  it('round-trips for K in {1,2,4,8} and T in {0,1,5,17,100}', () => {
    for (const K of [1, 2, 4, 8]) {
      for (const T of [0, 1, 5, 17, 100]) {
        const codes = new Int32Array(K * T).map((_, i) => (i * 7919) % 2048);
        const built = buildDelayed(codes, K, T, 2048);
        expect(built.values.length).toBe(K * (T + K));
        expect(built.mask.reduce((a, m) => a + m, 0)).toBe(K * T);
        expect(revertDelayed(built.values, K, built.S)).toEqual(codes);
        expect(delayedLayout(K, T).length).toBe(T + K); // audiocraft: timesteps + max(delay) + 1
        // every column 0 cell is special
        for (let q = 0; q < K; q++) expect(built.values[q * built.S]).toBe(2048);
      }
    }
  });

  it('rejects bad sizes', () => {
    expect(() => buildDelayed(new Int32Array(3), 2, 2, P)).toThrow(RangeError);
    expect(() => revertDelayed(new Int32Array(4), 4, 1)).toThrow(RangeError);
    expect(() => delayedLayout(0, 4)).toThrow(RangeError);
  });
});
