/**
 * Next-token choice on plain Float32Array logits (one row of `card` values per codebook), with
 * audiocraft's semantics (`LMModel._sample_next_token`, `utils.sample_top_k/sample_top_p`):
 * CFG on raw logits, then softmax(logits / temperature), then top-p if p > 0, else top-k if k > 0,
 * then a draw from the renormalised distribution; greedy argmax when temperature is 0.
 * Draws use a caller-owned seeded PRNG (util/rng mulberry32), so a seed fixes the tokens.
 */

export interface SamplingOptions {
  /** Softmax temperature; 0 = greedy (argmax). audiocraft default 1. */
  temperature: number;
  /** Keep the k most probable tokens (ties at the k-th probability kept, as torch's `probs >= kth`); 0 = off. audiocraft default 250. */
  topK: number;
  /** Nucleus: keep the smallest prefix of the sorted tokens whose mass reaches p; 0 = off. Overrides topK when > 0. */
  topP: number;
}

export const DEFAULT_SAMPLING: SamplingOptions = { temperature: 1, topK: 250, topP: 0 };

/** Classifier-free guidance on raw logits: uncond + cfg * (cond - uncond). */
export function cfgCombine(cond: Float32Array, uncond: Float32Array, cfg: number): Float32Array {
  if (cond.length !== uncond.length) throw new RangeError(`cfgCombine: ${cond.length} vs ${uncond.length} logits`);
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i] + cfg * (cond[i] - uncond[i]);
  return out;
}

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** softmax(logits / temperature) in float64. */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const p = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += p[i] = Math.exp(logits[i] / temperature - max);
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

function renormalise(p: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i];
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

/** The value that `Float64Array.from(a).sort()[rank]` would hold, in O(n) on average (Hoare's quickselect on a copy). */
export function selectRank(a: Float64Array, rank: number): number {
  const x = Float64Array.from(a);
  let lo = 0;
  let hi = x.length - 1;
  while (lo < hi) {
    const pivot = x[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (x[i] < pivot) i++;
      while (x[j] > pivot) j--;
      if (i <= j) {
        const t = x[i];
        x[i++] = x[j];
        x[j--] = t;
      }
    }
    if (rank <= j) hi = j;
    else if (rank >= i) lo = i;
    else return x[rank];
  }
  return x[rank];
}

/** Zero every probability below the k-th largest, renormalise (in place). */
export function topKFilter(p: Float64Array, k: number): Float64Array {
  if (k <= 0 || k >= p.length) return p;
  const kth = selectRank(p, p.length - k); // k-th largest
  for (let i = 0; i < p.length; i++) if (p[i] < kth) p[i] = 0;
  return renormalise(p);
}

/** Nucleus filter (in place): sorted descending, drop tokens whose preceding cumulative mass already exceeds p. */
export function topPFilter(p: Float64Array, topP: number): Float64Array {
  if (topP <= 0) return p;
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
  let before = 0;
  for (const i of order) {
    const keep = before <= topP; // torch: mask = cumsum - prob > p
    before += p[i];
    if (!keep) p[i] = 0;
  }
  return renormalise(p);
}

/** Draw an index from a normalised distribution with one uniform number u in [0, 1). */
export function categorical(p: Float64Array, u: number): number {
  let acc = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] <= 0) continue;
    acc += p[i];
    last = i;
    if (u < acc) return i;
  }
  return last; // rounding: u landed past the accumulated mass
}

/** One token from one row of logits. `rand` is consumed once per sampled (non-greedy) token. */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rand: () => number): number {
  if (!(opts.temperature > 0)) return argmax(logits);
  const p = softmax(logits, opts.temperature);
  if (opts.topP > 0) topPFilter(p, opts.topP);
  else if (opts.topK > 0) topKFilter(p, opts.topK);
  return categorical(p, rand());
}
