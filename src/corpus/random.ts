import { gaussian } from '../util/rng';

/** Small helpers over a uniform source (mulberry32 from src/util/rng.ts). */
export type Rand = () => number;

export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Integer in [lo, hi], both included. */
export function randInt(rand: Rand, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Normal draw with standard deviation `sd`, clamped to ±3 sd so outliers stay musical. */
export function jitter(rand: Rand, sd: number): number {
  return Math.max(-3, Math.min(3, gaussian(rand))) * sd;
}

/** A 32-bit seed derived from `seed` and a stream label, so sub-streams don't overlap. */
export function subSeed(seed: number, stream: number): number {
  let h = Math.imul((seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
