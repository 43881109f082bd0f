/**
 * Krumhansl–Kessler key profiles (Krumhansl & Kessler 1982, probe-tone ratings), index 0 = the
 * tonic. The standard template for audio key finding: correlate a piece's pitch-class
 * distribution with each profile rotated to each of the 12 tonics.
 */
export const KK_MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88] as const;
export const KK_MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17] as const;

/** Pearson correlation of two 12-vectors; 0 when either is constant (silence has no key). */
export function pearson12(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < 12; i++) {
    ma += a[i] / 12;
    mb += b[i] / 12;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < 12; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  const d = Math.sqrt(aa * bb);
  return d > 1e-12 ? ab / d : 0;
}
