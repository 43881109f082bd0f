/**
 * Learning-rate schedule: linear warmup, then a half cosine down to `lr * minRatio`
 * (audiocraft `CosineLRScheduler`, musicgen.md §1.6: warmup then cosine, `lr_min_ratio 0.0`).
 *
 * `update` is the 0-based index of the optimiser update. audiocraft evaluates its ratio at
 * `update / warmup`, so its very first update runs at lr 0; we use `(update + 1) / warmup`
 * instead so no update is wasted. After warmup the cosine runs over the remaining
 * `total - warmup` updates; past `total` the rate stays at the minimum.
 */
export interface ScheduleOptions {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  /** Warmup updates (0 = start at the peak). */
  warmup: number;
  /** Total updates of the run. */
  total: number;
  /** Final rate as a fraction of `lr` (audiocraft default 0). */
  minRatio?: number;
}

export function lrAt(update: number, o: ScheduleOptions): number {
  const minLr = o.lr * (o.minRatio ?? 0);
  if (update < o.warmup) return (o.lr * (update + 1)) / o.warmup;
  if (update >= o.total) return minLr;
  const progress = (update - o.warmup) / Math.max(1, o.total - o.warmup); // [0, 1)
  return minLr + 0.5 * (o.lr - minLr) * (1 + Math.cos(Math.PI * progress));
}
