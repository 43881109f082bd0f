/** Largest |got - want| (Infinity where either is NaN or the lengths differ) and the peak |want|: how far a result is from its reference. */
export function maxDeviation(got: ArrayLike<number>, want: ArrayLike<number>): { maxDiff: number; peak: number } {
  let maxDiff = got.length === want.length ? 0 : Infinity;
  let peak = 0;
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const d = Math.abs(got[i] - want[i]);
    maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
    peak = Math.max(peak, Math.abs(want[i]));
  }
  return { maxDiff, peak };
}
