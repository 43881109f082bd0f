/**
 * How close two pieces of audio are, judged on their codec tokens: per-codebook unigram
 * histograms (how often each code appears in each codebook row, order ignored) compared with the
 * Jensen–Shannon divergence, averaged over the K codebooks.
 *
 *   d(x, y) = (1 / K) * sum_q JSD(hist_q(x), hist_q(y))      in bits, 0 (same histograms) .. 1 (disjoint)
 *
 * This is the A/B measure of fine-tuning (issue 5): after training on clip A with caption A and
 * clip B with caption B, generating from caption A should give d(gen, A) < d(gen, B). It needs no
 * model and no audio, only codes, so it is the same in Node and the browser. Histograms of short
 * takes are noisy (a few hundred frames over ~1000 codes), which only matters when the two clips
 * are about equally far; `margin` in `rankByTokens` reports how clear the decision was.
 */

/** Codes row-major [k, t], as the codec and the LM produce them. */
export interface CodeGrid {
  codes: Int32Array;
  k: number;
  t: number;
}

/** Code -> probability for one codebook row (sparse: only codes that occur). */
export type Histogram = Map<number, number>;

/** One normalised histogram per codebook row of `g` (an empty row gives an empty map). */
export function codeHistograms(g: CodeGrid): Histogram[] {
  if (g.codes.length !== g.k * g.t) throw new RangeError(`codeHistograms: ${g.codes.length} codes are not [${g.k}, ${g.t}]`);
  const out: Histogram[] = [];
  for (let q = 0; q < g.k; q++) {
    const h: Histogram = new Map();
    for (let i = q * g.t; i < (q + 1) * g.t; i++) h.set(g.codes[i], (h.get(g.codes[i]) ?? 0) + 1);
    for (const [code, n] of h) h.set(code, n / g.t);
    out.push(h);
  }
  return out;
}

/**
 * Jensen–Shannon divergence in bits between two distributions: 0 when equal, 1 when their
 * supports do not overlap. An empty histogram is treated as disjoint from everything but another
 * empty one.
 */
export function jsDivergence(p: Histogram, q: Histogram): number {
  if (p.size === 0 || q.size === 0) return p.size === q.size ? 0 : 1;
  // JSD = H(m) - (H(p) + H(q)) / 2 with m = (p + q) / 2, summed term by term so that
  // codes present in only one of them contribute exactly p/2 (or q/2) bits.
  let sum = 0;
  const term = (a: number, b: number) => {
    const m = (a + b) / 2;
    return (a > 0 ? a * Math.log2(a / m) : 0) + (b > 0 ? b * Math.log2(b / m) : 0);
  };
  for (const [code, a] of p) sum += term(a, q.get(code) ?? 0);
  for (const [code, b] of q) if (!p.has(code)) sum += term(0, b);
  return Math.min(1, Math.max(0, sum / 2));
}

/** Mean over codebooks of the JSD between the rows' histograms (both grids must have the same k). */
export function histogramDistance(a: Histogram[], b: Histogram[]): number {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`histogramDistance: ${a.length} vs ${b.length} codebooks`);
  let sum = 0;
  for (let q = 0; q < a.length; q++) sum += jsDivergence(a[q], b[q]);
  return sum / a.length;
}

/** d(x, y): the token distance between two code grids (0 .. 1 bits). */
export function tokenDistance(x: CodeGrid, y: CodeGrid): number {
  return histogramDistance(codeHistograms(x), codeHistograms(y));
}

export interface Ranked<Id> {
  id: Id;
  distance: number;
}

export interface Ranking<Id> {
  /** Every reference with its distance, nearest first (ties keep the input order). */
  ranked: Ranked<Id>[];
  /** Distance to the second nearest minus the nearest (0 with a single reference). */
  margin: number;
}

/**
 * Ranks references by token distance to `x` (references with a different codebook count are
 * skipped). Returns null when there is nothing to compare with.
 */
export function rankByTokens<Id>(x: CodeGrid, refs: ReadonlyArray<{ id: Id; grid: CodeGrid }>): Ranking<Id> | null {
  const hx = codeHistograms(x);
  const ranked = refs
    .filter((r) => r.grid.k === x.k && r.grid.t > 0)
    .map((r) => ({ id: r.id, distance: histogramDistance(hx, codeHistograms(r.grid)) }))
    .sort((a, b) => a.distance - b.distance);
  if (ranked.length === 0) return null;
  return { ranked, margin: ranked.length > 1 ? ranked[1].distance - ranked[0].distance : 0 };
}

/** The A/B test: is `gen` closer to `a` than to `b`? */
export function closerTo(gen: CodeGrid, a: CodeGrid, b: CodeGrid): boolean {
  return tokenDistance(gen, a) < tokenDistance(gen, b);
}
