/**
 * Chroma filter bank, re-implemented from the documented algorithm of
 * librosa.filters.chroma (Dan Ellis' chroma warping) with the parameters
 * audiocraft's ChromaExtractor uses: ctroct = 5.0, octwidth = 2, norm = 2
 * (per FFT bin, across chroma), base_c = true.
 *
 * Steps (all in float64, result rounded to float32 like librosa's default dtype):
 *  1. FFT bin frequencies k·sr/nFft for k = 1..nFft-1 (the full, two-sided bin grid),
 *     mapped to fractional chroma bins: nChroma · log2(f / (A440/16)), where
 *     A440 = 440 · 2^(tuning / nChroma).
 *  2. The DC bin gets a made-up position 1.5 octaves below bin 1.
 *  3. Bin width (in chroma bins) = max(distance to the next bin, 1); the last is 1.
 *  4. D[c, k] = distance from bin k to chroma c, wrapped into [-nChroma/2, nChroma/2).
 *  5. Gaussian bump exp(-0.5 · (2·D / width)^2); each column (FFT bin) L2-normalised.
 *  6. Octave weighting exp(-0.5 · ((pos/nChroma - ctroct) / octwidth)^2).
 *  7. Rows rolled by -3·(nChroma/12) so row 0 is C (base_c), then keep the first
 *     nFft/2 + 1 columns (drop the aliased negative-frequency half).
 */

export interface ChromaFilterOptions {
  /** Centre of the octave weighting Gaussian, in octaves above A0/… (librosa ctroct). */
  ctroct?: number;
  /** Width of the octave weighting Gaussian in octaves; null disables it (librosa octwidth). */
  octwidth?: number | null;
  /** Start the bank at C instead of A (librosa base_c). */
  baseC?: boolean;
}

/** numpy.round semantics: round half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** Python-style modulo (result has the sign of the divisor), like numpy.remainder. */
function pyMod(a: number, n: number): number {
  const r = a % n;
  return r !== 0 && (r < 0) !== (n < 0) ? r + n : r;
}

/**
 * librosa.filters.chroma(sr, n_fft, n_chroma, tuning, ctroct=5, octwidth=2, norm=2, base_c=True)
 * as a row-major Float32Array of shape [nChroma, nFft/2 + 1].
 */
export function chromaFilterBank(
  sr: number,
  nFft: number,
  nChroma = 12,
  tuning = 0,
  options: ChromaFilterOptions = {},
): Float32Array {
  if (!(sr > 0) || !Number.isFinite(sr)) throw new RangeError(`chromaFilterBank: bad sample rate ${sr}`);
  if (!Number.isInteger(nFft) || nFft < 2) throw new RangeError(`chromaFilterBank: bad nFft ${nFft}`);
  if (!Number.isInteger(nChroma) || nChroma < 1) throw new RangeError(`chromaFilterBank: bad nChroma ${nChroma}`);
  const ctroct = options.ctroct ?? 5.0;
  const octwidth = options.octwidth === undefined ? 2 : options.octwidth;
  const baseC = options.baseC ?? true;

  // 1-2. Fractional chroma-bin position of every FFT bin (0..nFft-1).
  const a440 = 440.0 * Math.pow(2.0, tuning / nChroma);
  const fmin = a440 / 16; // hz_to_octs reference
  const pos = new Float64Array(nFft);
  for (let k = 1; k < nFft; k++) {
    const f = (k * sr) / nFft; // np.linspace(0, sr, n_fft, endpoint=False)[k]
    pos[k] = nChroma * Math.log2(f / fmin);
  }
  pos[0] = pos[1] - 1.5 * nChroma;

  // 3. Bin widths.
  const width = new Float64Array(nFft);
  for (let k = 0; k < nFft - 1; k++) width[k] = Math.max(pos[k + 1] - pos[k], 1.0);
  width[nFft - 1] = 1;

  // 4-6. Only the first nFft/2 + 1 columns are returned; each column is independent
  // (normalisation is per column), so compute just those.
  const nBins = Math.floor(1 + nFft / 2);
  const half = roundHalfEven(nChroma / 2);
  const w = new Float64Array(nChroma * nBins);
  const col = new Float64Array(nChroma);
  const tiny = 2.2250738585072014e-308; // np.finfo(float64).tiny: librosa's normalize threshold
  for (let k = 0; k < nBins; k++) {
    let ss = 0;
    for (let c = 0; c < nChroma; c++) {
      const d = pyMod(pos[k] - c + half + 10 * nChroma, nChroma) - half;
      const z = (2 * d) / width[k];
      const v = Math.exp(-0.5 * z * z);
      col[c] = v;
      ss += v * v;
    }
    let len = Math.sqrt(ss);
    if (len < tiny) len = 1;
    const octW =
      octwidth === null ? 1 : Math.exp(-0.5 * Math.pow((pos[k] / nChroma - ctroct) / octwidth, 2));
    for (let c = 0; c < nChroma; c++) w[c * nBins + k] = (col[c] / len) * octW;
  }

  // 7. Roll rows so that row 0 is C: np.roll(wts, -shift, axis=0) => out[r] = in[(r + shift) % n].
  const shift = baseC ? 3 * Math.floor(nChroma / 12) : 0;
  const out = new Float32Array(nChroma * nBins);
  for (let r = 0; r < nChroma; r++) {
    const src = pyMod(r + shift, nChroma);
    out.set(w.subarray(src * nBins, (src + 1) * nBins), r * nBins);
  }
  return out;
}
