/**
 * Min and max of the samples under each of `columns` pixel columns: [min0, max0, min1, ...].
 * Columns wider than one sample take every sample in their span; narrower ones interpolate
 * the nearest sample so a short clip still draws a continuous line.
 */
export function waveformPeaks(pcm: Float32Array, columns: number): Float32Array {
  const cols = Math.max(0, Math.floor(columns));
  const out = new Float32Array(cols * 2);
  const n = pcm.length;
  if (n === 0) return out;
  for (let c = 0; c < cols; c++) {
    const start = Math.floor((c * n) / cols);
    const end = Math.max(start + 1, Math.floor(((c + 1) * n) / cols));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = start; i < end && i < n; i++) {
      const v = pcm[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo === Infinity) lo = hi = pcm[Math.min(n - 1, start)];
    out[c * 2] = lo;
    out[c * 2 + 1] = hi;
  }
  return out;
}
