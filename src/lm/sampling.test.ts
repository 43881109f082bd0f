import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/rng';
import { argmax, categorical, cfgCombine, DEFAULT_SAMPLING, sampleToken, selectRank, softmax, topKFilter, topPFilter } from './sampling';

const close = (a: ArrayLike<number>, b: number[], eps = 1e-12) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(eps);
};

describe('sampling', () => {
  it('combines CFG on raw logits: uncond + cfg * (cond - uncond)', () => {
    close(cfgCombine(Float32Array.of(1, 2, 0), Float32Array.of(0, 1, 4), 3), [3, 4, -8]);
    close(cfgCombine(Float32Array.of(1, 2), Float32Array.of(5, 6), 1), [1, 2]); // cfg 1 = conditional only
  });

  it('softmax with temperature matches hand values', () => {
    // logits [0, ln 3] -> [1/4, 3/4]; at T = 2 -> weights [1, sqrt 3]
    close(softmax([0, Math.log(3)]), [0.25, 0.75]);
    close(softmax([0, Math.log(3)], 2), [1 / (1 + Math.sqrt(3)), Math.sqrt(3) / (1 + Math.sqrt(3))]);
  });

  it('top-k keeps the k most probable (ties at the k-th kept) and renormalises', () => {
    close(topKFilter(Float64Array.of(0.1, 0.4, 0.2, 0.3), 2), [0, 4 / 7, 0, 3 / 7]);
    close(topKFilter(Float64Array.of(0.2, 0.2, 0.2, 0.4), 2), [0.2, 0.2, 0.2, 0.4]); // tie at the 2nd: all kept
    close(topKFilter(Float64Array.of(0.5, 0.5), 250), [0.5, 0.5]); // k >= card: no-op
    expect(DEFAULT_SAMPLING.topK).toBe(250);
  });

  it('selectRank finds the same order statistic as a full sort, ties and duplicates included', () => {
    const rand = mulberry32(11);
    for (const n of [1, 2, 3, 7, 64, 2048]) {
      const a = Float64Array.from({ length: n }, () => Math.floor(rand() * (n < 64 ? 3 : 500)) / 7); // many ties
      const sorted = Float64Array.from(a).sort();
      for (const rank of [0, n >> 1, n - 1, Math.max(0, n - 250)]) expect(selectRank(a, rank)).toBe(sorted[rank]);
    }
  });

  it('top-p keeps the smallest sorted prefix reaching p', () => {
    // sorted 0.5, 0.3, 0.15, 0.05; p = 0.7: prefix masses before each 0, 0.5, 0.8, 0.95 -> keep first two
    close(topPFilter(Float64Array.of(0.15, 0.5, 0.05, 0.3), 0.7), [0, 0.5 / 0.8, 0, 0.3 / 0.8]);
    close(topPFilter(Float64Array.of(0.6, 0.4), 0.5), [1, 0]);
  });

  it('categorical walks the cumulative mass', () => {
    const p = Float64Array.of(0.25, 0, 0.75);
    expect(categorical(p, 0)).toBe(0);
    expect(categorical(p, 0.2499)).toBe(0);
    expect(categorical(p, 0.25)).toBe(2);
    expect(categorical(p, 0.999999)).toBe(2);
  });

  it('temperature 0 is greedy and consumes no randomness', () => {
    let calls = 0;
    const rand = () => (calls++, 0.5);
    expect(sampleToken([0.1, 3, -1, 2.9], { temperature: 0, topK: 250, topP: 0 }, rand)).toBe(1);
    expect(calls).toBe(0);
    expect(argmax([1, 5, 5])).toBe(1);
  });

  it('top-k 1 is greedy even when sampling', () => {
    const rand = mulberry32(1);
    for (let i = 0; i < 20; i++) expect(sampleToken([0.1, 3, -1, 2.9], { temperature: 1, topK: 1, topP: 0 }, rand)).toBe(1);
  });

  it('same seed gives the same tokens; frequencies follow the distribution', () => {
    const logits = Array.from({ length: 8 }, (_, i) => Math.log(i + 1)); // p_i ∝ i + 1
    const draw = (seed: number) => {
      const rand = mulberry32(seed);
      return Array.from({ length: 4000 }, () => sampleToken(logits, DEFAULT_SAMPLING, rand));
    };
    const a = draw(42);
    expect(draw(42)).toEqual(a);
    expect(draw(43)).not.toEqual(a);
    const counts = new Array(8).fill(0);
    a.forEach((t) => counts[t]++);
    counts.forEach((c, i) => expect(Math.abs(c / 4000 - (i + 1) / 36)).toBeLessThan(0.02));
  });

  it('sampling never picks a token top-k removed', () => {
    const rand = mulberry32(5);
    const logits = [0, 1, 2, 3, 4, 5];
    for (let i = 0; i < 500; i++) expect(sampleToken(logits, { temperature: 1.5, topK: 3, topP: 0 }, rand)).toBeGreaterThanOrEqual(3);
  });
});
