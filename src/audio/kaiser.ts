/**
 * Kaiser-windowed sinc low-pass design for the resampler (Kaiser's formulas, as in
 * Oppenheim & Schafer). Frequencies are fractions of the lower of the two Nyquist rates.
 */
export interface FilterSpec {
  /** Where the passband ends (e.g. 0.95 of the lower Nyquist). */
  passband: number;
  /** Where the stopband begins (1.0 = at the lower Nyquist: no aliasing, no imaging). */
  stopband: number;
  /** Stopband attenuation (and passband ripple) target in dB. */
  attenuationDb: number;
}

/** Kaiser's beta for a given attenuation in dB. */
export function kaiserBeta(attenuationDb: number): number {
  const a = attenuationDb;
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a >= 21) return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  return 0;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges for all x). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Half-width of the kernel in input samples. `scale` = min(1, toRate / fromRate): when
 * downsampling, the filter spans more input samples by 1 / scale.
 */
export function kernelHalfWidth(spec: FilterSpec, scale: number): number {
  const transition = ((spec.stopband - spec.passband) / 2) * 2 * Math.PI; // rad per low-rate sample
  const taps = (spec.attenuationDb - 7.95) / (2.285 * transition) + 1;
  return Math.max(2, Math.ceil(taps / 2 / scale));
}

/**
 * Tabulates the kernel g(d) = 2fc sinc(2fc d) w(d / half) for `rows` sub-sample offsets
 * frac = r / denom. Row r, tap k holds g(frac + half - 1 - k), i.e. the weight of input sample
 * n - half + 1 + k for an output at position n + frac. Each row is normalised to sum to 1 so
 * that DC passes exactly at every phase.
 */
export function kaiserSincTable(
  spec: FilterSpec,
  scale: number,
  half: number,
  rows: number,
  denom: number,
): Float32Array {
  const taps = 2 * half;
  const fc = (scale * (spec.passband + spec.stopband)) / 4; // cycles per input sample
  const beta = kaiserBeta(spec.attenuationDb);
  const i0beta = besselI0(beta);
  const table = new Float32Array(rows * taps);
  const row = new Float64Array(taps);
  for (let r = 0; r < rows; r++) {
    const frac = r / denom;
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const d = frac + half - 1 - k;
      const u = d / half;
      let v = 0;
      if (Math.abs(u) < 1) {
        const arg = 2 * fc * d;
        const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
        v = 2 * fc * sinc * (besselI0(beta * Math.sqrt(1 - u * u)) / i0beta);
      }
      row[k] = v;
      sum += v;
    }
    for (let k = 0; k < taps; k++) table[r * taps + k] = row[k] / sum;
  }
  return table;
}
