/**
 * The "delay" codebook interleaving pattern of MusicGen (audiocraft `DelayedPatternProvider` with
 * `delays = [0, 1, ..., K-1]`, `flatten_first = 0`, `empty_initial = 0`).
 *
 * A clip of T frames and K codebooks becomes a sequence of S = T + K columns:
 * column 0 is all `special` (the BOS column), and code c[q, t] sits at column s = t + q + 1,
 * i.e. codebook q is delayed by q frames. Cells no code lands on hold `special` and are masked.
 *
 * ```
 * col:  0   1    2    3    4    5    6    7    8        (K = 4, T = 5)
 * q0:   P  c0,0 c0,1 c0,2 c0,3 c0,4  P    P    P
 * q1:   P   P   c1,0 c1,1 c1,2 c1,3 c1,4  P    P
 * q2:   P   P    P   c2,0 c2,1 c2,2 c2,3 c2,4  P
 * q3:   P   P    P    P   c3,0 c3,1 c3,2 c3,3 c3,4
 * ```
 *
 * All arrays are row-major: [K, T] means index q * T + t.
 *
 * T = 0: audiocraft raises an IndexError when building an empty sequence. We do not: the general
 * formula gives K columns that are all `special` with an all-false mask, and reverting them gives
 * [K, 0]. Generation itself refuses frames < 1 (see generate.ts).
 */

/** The pattern as audiocraft's `Pattern.layout`: for each step s, the (t, q) coords it holds. */
export type Layout = Array<Array<[t: number, q: number]>>;

/** Delayed sequence: `values [K, S]` and `mask [K, S]` (1 where a real code sits), S = T + K. */
export interface DelayedSequence {
  values: Int32Array;
  mask: Uint8Array;
  K: number;
  S: number;
}

function checkDims(K: number, T: number): void {
  if (!Number.isInteger(K) || K < 1 || !Number.isInteger(T) || T < 0) {
    throw new RangeError(`delay pattern: need integer K >= 1 and T >= 0, got K=${K}, T=${T}`);
  }
}

/**
 * audiocraft's layout: step 0 is empty, then for step s = 1 .. T + K - 1 the coords (s - 1 - q, q)
 * for every q with s - 1 - q >= 0. Coords with t >= T are kept (they are masked when building),
 * exactly like `DelayedPatternProvider.get_pattern`.
 */
export function delayedLayout(K: number, T: number): Layout {
  checkDims(K, T);
  const out: Layout = [[]];
  for (let t = 0; t < T + K - 1; t++) {
    const step: Array<[number, number]> = [];
    for (let q = 0; q < K; q++) if (t - q >= 0) step.push([t - q, q]);
    out.push(step);
  }
  return out;
}

/** Put codes [K, T] on the delay pattern: `values [K, T+K]` with `special` in empty cells. */
export function buildDelayed(codes: Int32Array, K: number, T: number, special: number): DelayedSequence {
  checkDims(K, T);
  if (codes.length !== K * T) throw new RangeError(`buildDelayed: codes has ${codes.length} values, expected K*T = ${K * T}`);
  const S = T + K;
  const values = new Int32Array(K * S).fill(special); // [K, S]
  const mask = new Uint8Array(K * S); // [K, S]
  for (let q = 0; q < K; q++) {
    for (let t = 0; t < T; t++) {
      const s = t + q + 1;
      values[q * S + s] = codes[q * T + t];
      mask[q * S + s] = 1;
    }
  }
  return { values, mask, K, S };
}

/** Invert `buildDelayed`: seq [K, S] -> codes [K, S - K], c[q, t] = seq[q, t + q + 1]. */
export function revertDelayed(seq: Int32Array, K: number, S: number): Int32Array {
  checkDims(K, S - K);
  if (seq.length !== K * S) throw new RangeError(`revertDelayed: seq has ${seq.length} values, expected K*S = ${K * S}`);
  const T = S - K;
  const codes = new Int32Array(K * T); // [K, T]
  for (let q = 0; q < K; q++) {
    for (let t = 0; t < T; t++) codes[q * T + t] = seq[q * S + t + q + 1];
  }
  return codes;
}

/**
 * The training-target validity mask [K, T] (audiocraft `compute_predictions` with
 * `keep_only_valid_steps=True`): the model sees columns 0..T only, so c[q, t] is a valid target
 * iff its column t + q + 1 <= T. Codebook q loses its last q frames.
 */
export function validTargetMask(K: number, T: number): Uint8Array {
  checkDims(K, T);
  const mask = new Uint8Array(K * T); // [K, T]
  for (let q = 0; q < K; q++) for (let t = 0; t < T; t++) mask[q * T + t] = t + q + 1 <= T ? 1 : 0;
  return mask;
}

/**
 * First sequence step of the T + K step layout that holds frame `t` (of codebook `q`, default 0),
 * or null when no step does: audiocraft `get_first_step_with_timesteps`. Generation with a prompt
 * of P frames starts sampling at `firstStepWithTimestep(P, K, T)`.
 */
export function firstStepWithTimestep(t: number, K: number, T: number, q = 0): number | null {
  checkDims(K, T);
  const s = t + q + 1;
  return s < T + K ? s : null;
}
