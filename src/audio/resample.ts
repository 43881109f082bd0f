import { StudioError } from '../errors/StudioError';
import { kaiserSincTable, kernelHalfWidth, type FilterSpec } from './kaiser';

/**
 * Band-limited resampling (windowed sinc, Kaiser window), deterministic and pure.
 *
 * When the rate ratio reduces to L/M with few enough phases (24000->32000 = 4/3,
 * 44100->32000 = 320/441, 48000->32000 = 2/3), every output sample uses one exact row of a
 * precomputed polyphase table. Otherwise the kernel is tabulated at INTERP_PHASES sub-sample
 * offsets and the two nearest rows are blended linearly.
 *
 * Sample 0 of the output sits on sample 0 of the input (the filter is linear-phase and
 * centred), the signal is taken as zero outside its ends, and the output has
 * round(N * toRate / fromRate) samples, as sox's `rate` effect does.
 */

/** Passband to 95% of the lower Nyquist, stopband from the lower Nyquist on, 100 dB down. */
export const RESAMPLE_FILTER: FilterSpec = { passband: 0.95, stopband: 1.0, attenuationDb: 100 };

/** Largest L for the exact polyphase path; above it the interpolated table is used. */
export const MAX_EXACT_PHASES = 2048;
/** Sub-sample resolution of the interpolated table. */
export const INTERP_PHASES = 1024;

export interface ResampleOptions {
  /** Override of MAX_EXACT_PHASES (tests use it to force the interpolated path). */
  maxExactPhases?: number;
}

interface Plan {
  /** Output step in input samples, as the exact fraction m / l (l phases). */
  l: number;
  m: number;
  /** Taps per row: 2 * half. Row r holds the kernel at sub-sample offset r / rows. */
  taps: number;
  half: number;
  exact: boolean;
  table: Float32Array;
}

const plans = new Map<string, Plan>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function checkRate(rate: number, which: string): void {
  if (!Number.isInteger(rate) || rate <= 0 || rate > 10_000_000) {
    throw new StudioError('INTERNAL', `The resampler was given an invalid ${which} rate (${rate} Hz).`);
  }
}

function planFor(fromRate: number, toRate: number, maxExact: number): Plan {
  const key = `${fromRate}:${toRate}:${maxExact}`;
  const cached = plans.get(key);
  if (cached) return cached;
  const g = gcd(fromRate, toRate);
  const l = toRate / g;
  const m = fromRate / g;
  const exact = l <= maxExact;
  const scale = Math.min(1, toRate / fromRate);
  const half = kernelHalfWidth(RESAMPLE_FILTER, scale);
  // The interpolated table has one extra row (offset 1.0) so that row r+1 always exists.
  const rows = exact ? l : INTERP_PHASES + 1;
  const denom = exact ? l : INTERP_PHASES;
  const table = kaiserSincTable(RESAMPLE_FILTER, scale, half, rows, denom);
  const plan: Plan = { l, m, taps: 2 * half, half, exact, table };
  if (plans.size > 16) plans.clear();
  plans.set(key, plan);
  return plan;
}

/** Output length for `n` input samples: round(n * toRate / fromRate). */
export function resampledLength(n: number, fromRate: number, toRate: number): number {
  return Math.round((n * toRate) / fromRate);
}

/** Resamples mono PCM from `fromRate` to `toRate` (integer Hz). Returns a new array. */
export function resample(
  x: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Float32Array {
  checkRate(fromRate, 'source');
  checkRate(toRate, 'target');
  if (fromRate === toRate) return x.slice();
  const plan = planFor(fromRate, toRate, options.maxExactPhases ?? MAX_EXACT_PHASES);
  const outLen = resampledLength(x.length, fromRate, toRate);
  // Zero padding on both sides keeps the inner loops free of bounds checks.
  const padded = new Float32Array(x.length + 2 * plan.half + 2);
  padded.set(x, plan.half);
  const out = new Float32Array(outLen);
  if (plan.exact) runExact(plan, padded, out);
  else runInterpolated(plan, padded, out);
  return out;
}

/**
 * Output j sits at input position j*m/l = n + phase/l. Its taps cover input samples
 * n-half+1 .. n+half, which are padded[n+1 .. n+2*half].
 */
function runExact(plan: Plan, xp: Float32Array, out: Float32Array): void {
  const { l, m, taps, table } = plan;
  let n = 0;
  let phase = 0;
  for (let j = 0; j < out.length; j++) {
    out[j] = dot(xp, n + 1, table, phase * taps, taps);
    phase += m;
    if (phase >= l) {
      const q = Math.floor(phase / l);
      n += q;
      phase -= q * l;
    }
  }
}

function runInterpolated(plan: Plan, xp: Float32Array, out: Float32Array): void {
  const { l, m, taps, table } = plan;
  let n = 0;
  let phase = 0;
  for (let j = 0; j < out.length; j++) {
    const t = (phase / l) * INTERP_PHASES;
    const r = Math.min(Math.floor(t), INTERP_PHASES - 1);
    const a = t - r;
    const lo = dot(xp, n + 1, table, r * taps, taps);
    const hi = dot(xp, n + 1, table, (r + 1) * taps, taps);
    out[j] = lo + a * (hi - lo);
    phase += m;
    if (phase >= l) {
      const q = Math.floor(phase / l);
      n += q;
      phase -= q * l;
    }
  }
}

/** Dot product of `len` samples of x (from xi) with h (from hi); len is a multiple of 2. */
function dot(x: Float32Array, xi: number, h: Float32Array, hi: number, len: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    a0 += x[xi + k] * h[hi + k];
    a1 += x[xi + k + 1] * h[hi + k + 1];
    a2 += x[xi + k + 2] * h[hi + k + 2];
    a3 += x[xi + k + 3] * h[hi + k + 3];
  }
  for (; k < len; k++) a0 += x[xi + k] * h[hi + k];
  return a0 + a1 + (a2 + a3);
}
