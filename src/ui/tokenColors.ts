/**
 * Token-grid colours. Hue comes from a golden-ratio permutation of the id, so neighbouring
 * ids get far-apart hues; lightness rises with id / cardinality, so the codebook's range is
 * still visible. Ids outside 0..cardinality-1 (the special token) are neutral grey.
 */
const PHI_INV = 0.6180339887498949;
export const SPECIAL_RGB: readonly [number, number, number] = [150, 150, 150];

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

export function tokenRgb(id: number, cardinality: number): [number, number, number] {
  if (!(id >= 0 && id < cardinality)) return [...SPECIAL_RGB];
  const hue = (id * PHI_INV) % 1;
  const light = 0.36 + 0.3 * (id / Math.max(1, cardinality - 1));
  return hslToRgb(hue, 0.7, light);
}

/** RGBA for ids 0..cardinality-1, then one entry for "anything else" (special token). */
export function tokenPalette(cardinality: number): Uint8ClampedArray<ArrayBuffer> {
  const pal = new Uint8ClampedArray((cardinality + 1) * 4);
  for (let id = 0; id <= cardinality; id++) {
    const [r, g, b] = tokenRgb(id, cardinality);
    pal.set([r, g, b, 255], id * 4);
  }
  return pal;
}

/** Row-major codes [K, T] -> RGBA pixels of a T x K image (one pixel per token). */
export function tokenImagePixels(codes: Int32Array, k: number, t: number, cardinality: number): Uint8ClampedArray<ArrayBuffer> {
  const pal = tokenPalette(cardinality);
  const px = new Uint8ClampedArray(k * t * 4);
  for (let i = 0; i < k * t; i++) {
    const id = codes[i];
    const p = (id >= 0 && id < cardinality ? id : cardinality) * 4;
    px[i * 4] = pal[p];
    px[i * 4 + 1] = pal[p + 1];
    px[i * 4 + 2] = pal[p + 2];
    px[i * 4 + 3] = 255;
  }
  return px;
}
