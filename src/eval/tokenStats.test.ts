import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/rng';
import { closerTo, codeHistograms, histogramDistance, jsDivergence, rankByTokens, tokenDistance, type CodeGrid } from './tokenStats';

const grid = (rows: number[][]): CodeGrid => ({ codes: Int32Array.from(rows.flat()), k: rows.length, t: rows[0].length });
const hist = (o: Record<number, number>) => new Map(Object.entries(o).map(([k, v]) => [Number(k), v]));

/** t frames of K codebooks drawn from `weights` (code c with probability weights[c] / sum). */
function sample(weights: number[], k: number, t: number, seed: number): CodeGrid {
  const rand = mulberry32(seed);
  const total = weights.reduce((a, b) => a + b, 0);
  const codes = Int32Array.from({ length: k * t }, () => {
    let x = rand() * total;
    return weights.findIndex((w) => (x -= w) < 0);
  });
  return { codes, k, t };
}

describe('token statistics', () => {
  it('histograms count each codebook row separately and sum to 1', () => {
    const h = codeHistograms(grid([[1, 1, 2, 3], [5, 5, 5, 5]]));
    expect(h).toHaveLength(2);
    expect([...h[0]]).toEqual([[1, 0.5], [2, 0.25], [3, 0.25]]);
    expect([...h[1]]).toEqual([[5, 1]]);
    expect(() => codeHistograms({ codes: new Int32Array(5), k: 2, t: 2 })).toThrow(/not \[2, 2\]/);
  });

  it('Jensen–Shannon divergence: hand-computed values, symmetric, 0..1 bits', () => {
    expect(jsDivergence(hist({ 1: 0.5, 2: 0.5 }), hist({ 2: 0.5, 1: 0.5 }))).toBe(0);
    expect(jsDivergence(hist({ 1: 1 }), hist({ 2: 1 }))).toBe(1); // disjoint
    // p = (1/2, 1/2, 0), q = (0, 1/2, 1/2): m = (1/4, 1/2, 1/4); KL(p||m) = 1/2 log2 2 + 0 = 1/2 -> JSD = 1/2.
    expect(jsDivergence(hist({ 1: 0.5, 2: 0.5 }), hist({ 2: 0.5, 3: 0.5 }))).toBeCloseTo(0.5, 12);
    // p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4); KL(p||m) = log2(4/3), KL(q||m) = 1/2 log2(2/3) + 1/2 log2 2.
    const want = (Math.log2(4 / 3) + 0.5 * Math.log2(2 / 3) + 0.5) / 2;
    const a = hist({ 7: 1 });
    const b = hist({ 7: 0.5, 9: 0.5 });
    expect(jsDivergence(a, b)).toBeCloseTo(want, 12);
    expect(jsDivergence(b, a)).toBeCloseTo(want, 12);
    expect(jsDivergence(new Map(), new Map())).toBe(0);
    expect(jsDivergence(new Map(), a)).toBe(1);
  });

  it('distance averages over codebooks and needs the same codebook count', () => {
    const x = grid([[1, 1], [2, 2]]);
    const y = grid([[1, 1], [3, 3]]);
    expect(tokenDistance(x, y)).toBeCloseTo(0.5, 12); // row 0 equal, row 1 disjoint
    expect(tokenDistance(x, x)).toBe(0);
    expect(() => histogramDistance(codeHistograms(x), codeHistograms(grid([[1, 1]])))).toThrow(/2 vs 1 codebooks/);
  });

  it('a sample is closer to the distribution it was drawn from, even when short', () => {
    // Two overlapping "clips": A favours low codes, B high codes; K = 4, like the bundled codec.
    const wa = Array.from({ length: 64 }, (_, c) => Math.exp(-c / 8));
    const wb = Array.from({ length: 64 }, (_, c) => Math.exp(-(63 - c) / 8));
    const clipA = sample(wa, 4, 600, 1);
    const clipB = sample(wb, 4, 600, 2);
    for (let seed = 10; seed < 20; seed++) {
      const fromA = sample(wa, 4, 100, seed);
      const fromB = sample(wb, 4, 100, seed + 100);
      expect(closerTo(fromA, clipA, clipB)).toBe(true);
      expect(closerTo(fromB, clipB, clipA)).toBe(true);
    }
  });

  it('ranks references nearest first with the margin to the runner-up', () => {
    const x = grid([[1, 1, 2, 2]]);
    const r = rankByTokens(x, [
      { id: 'far', grid: grid([[5, 6, 7, 8]]) },
      { id: 'same', grid: grid([[2, 1, 2, 1]]) },
      { id: 'half', grid: grid([[1, 1, 9, 9]]) },
      { id: 'other-k', grid: grid([[1, 1], [2, 2]]) },
    ]);
    expect(r?.ranked.map((e) => e.id)).toEqual(['same', 'half', 'far']);
    expect(r?.ranked[0].distance).toBe(0);
    expect(r?.margin).toBeCloseTo(r!.ranked[1].distance, 12);
    expect(rankByTokens(x, [])).toBeNull();
    expect(rankByTokens(x, [{ id: 'only', grid: x }])?.margin).toBe(0);
  });
});
