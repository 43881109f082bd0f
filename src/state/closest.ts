/**
 * "Sounds closest to": which ready clip a take's tokens are nearest to, by the token distance of
 * src/eval/tokenStats.ts (per-codebook code histograms, Jensen–Shannon). Histograms are cached
 * per codes array, so re-rendering a list of takes costs only the comparisons.
 */
import { codeHistograms, histogramDistance, type CodeGrid, type Histogram } from '../eval/tokenStats';
import type { Clip } from './types';

const histograms = new WeakMap<Int32Array, Histogram[]>();

function cached(g: CodeGrid): Histogram[] {
  let h = histograms.get(g.codes);
  if (!h) histograms.set(g.codes, (h = codeHistograms(g)));
  return h;
}

export interface ClosestClip {
  clipId: string;
  name: string;
  /** Token distance, 0 (same statistics) .. 1 bits. */
  distance: number;
  /** The next nearest clip, when there is one. */
  next?: { clipId: string; name: string; distance: number };
}

/** The ready clip nearest to `take` (same codebook count); null when no clip can be compared. */
export function closestClip(take: CodeGrid, clips: readonly Clip[]): ClosestClip | null {
  const h = cached(take);
  const ranked = clips
    .filter((c) => c.status === 'ready' && c.result && c.result.k === take.k && c.result.t > 0)
    .map((c) => ({ clipId: c.id, name: c.name, distance: histogramDistance(h, cached(c.result!)) }))
    .sort((a, b) => a.distance - b.distance);
  if (ranked.length === 0) return null;
  return { ...ranked[0], ...(ranked[1] ? { next: ranked[1] } : {}) };
}
