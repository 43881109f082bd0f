/**
 * The bundled codec's signal design, shared by the pack builder (scripts/pack) and its tests.
 *
 * The bundled codec is an EnCodec-interface stand-in built from a fixed transform plus learned
 * residual vector quantizers (RVQ), so it is reproducible from code and seeds alone:
 *   encode: STFT (Hann 2560, hop 640, DFT 4096) -> power -> log band energies
 *           (linear 12.5 Hz bands low down, half-semitone bands above) -> RVQ, K stages.
 *   decode: sum of codewords -> band power -> per band a tonal share (one sinusoid at the frequency
 *           its neighbourhood's power points to, locked to the loudest band nearby, with a phase
 *           that runs on from frame to frame and from chunk to chunk) and a noisy share (spread
 *           over the band's bins with random phases) -> spectra -> inverse DFT -> overlap-add.
 * Pitch lives in which bands carry energy, which the RVQ preserves; phase is resynthesised.
 */
export const CODEC_DESIGN = {
  sampleRate: 32000,
  hopLength: 640,
  /** Analysis/synthesis window length: 4 hops, so overlap-add is a sum of 4 shifted frames. */
  windowLength: 2560,
  /** DFT size (zero-padded window); a power of two keeps ORT's DFT fast. */
  nFft: 4096,
  codebooks: 4,
  cardinality: 2048,
  /** Lowest and highest band centres (Hz). */
  minHz: 25,
  maxHz: 12000,
  /** Band spacing: max(linearHz, centre * (2^(1/stepsPerOctave) - 1)). */
  linearHz: 12.5,
  stepsPerOctave: 24,
  /** Band power is divided by powerRef (a full-scale sine gives about 0.25) before the log. */
  logFloor: 1e-9,
  /**
   * Relative floor: each frame's band powers get relFloor * (its loudest band) added before the
   * log, so the quantizers spend their bits on the top ~50 dB of a frame, not on inaudible bands.
   */
  relFloor: 1e-2,
  /**
   * Stage 0 is a gain stage: 2,048 evenly spaced log levels (0.04 dB apart) of the frame's mean band
   * energy, but the encoder picks only every 32nd (1.35 dB apart; the kept level is the middle of its
   * group, gainLevelKept); the decoder still decodes every level. Measured in session 11 on the 24
   * eval pieces: at full resolution the first codebook changes on 98% of frames (a walk over ~470
   * ids), at 1.35 dB on 34% (30 ids); the fixtures' chroma agreement and SI-SNR did not move. The
   * LM trained on these tokens followed the prompt's key more often (README, prompt following).
   */
  gainStep: 32,
  /**
   * Decoder: band power below this fraction of the frame's loudest band is dropped (the encoder's
   * relFloor). The quantizers leave every empty band a little power (about 0.5% of the peak,
   * scattered), which summed over the bands was hiss about 7 dB under a steady tone. Measured in
   * session 14: gates of 0.005, 0.01 and 0.02 scored alike (tempo 80-83%, key 76-78% on 100 corpus
   * pieces through the codec; fixtures' chroma within a point); the lowest keeps the most timbre,
   * but at 0.005 a 110 Hz sine's level swings 0.059 (0.049 at 0.01).
   */
  gate: 0.01,
  /** Decoder: each band's sinusoid takes the frequency and phase of the loudest band within this many. */
  lockBands: 2,
  /** Decoder: a sinusoid's spectrum is the analysis window's kernel over this many bins each side. */
  kernelBins: 4,
  /** Decoder: sinusoid level per unit of sqrt(band power), set so a steady sine keeps its level. */
  sineGain: 2.4,
  /**
   * Decoder: a band is tonal by how peaked its neighbourhood is: (lead band + its louder neighbour)
   * over the lead band's ±peakBands, noisy at tonalLow or under, tonal at tonalHigh or over, a mix
   * between. Measured in session 15 through the codec: white noise 0.30-0.51 (10th-90th percentile),
   * sines 0.79-1.0. On 96 generated takes and 100 corpus pieces, the thresholds 0.5/0.7, 0.45/0.6,
   * 0.4/0.55 and 0.35/0.5 gave tempo within 8% 65-76% and 78-87%, white noise's flatness 0.49-0.37:
   * the more it calls tonal, the better the tempo and the more noise rings.
   */
  peakBands: 3,
  tonalLow: 0.4,
  tonalHigh: 0.55,
  /**
   * Decoder: the noisy share of a band is heard only above this fraction of the frame's loudest band.
   * Noise everywhere under the music (the quantizers' leftovers, judged noisy) read as onsets: on 96
   * generated takes, tempo within 8% was 54% with no noise gate, 63% at 0.05 and 74% at 0.1.
   */
  noiseGate: 0.1,
} as const;

export type CodecDesign = typeof CODEC_DESIGN;

/** Whether the encoder may pick gain level j: the middle level of each group of `step` (the last group's, clamped). */
export function gainLevelKept(j: number, step: number, card: number): boolean {
  return step <= 1 || j === Math.min(card - 1, Math.floor(j / step) * step + (step >> 1));
}

/** Number of one-sided DFT bins. */
export function binCount(d: CodecDesign = CODEC_DESIGN): number {
  return d.nFft / 2 + 1;
}

/** Band centre frequencies in Hz. */
export function bandCentres(d: CodecDesign = CODEC_DESIGN): number[] {
  const out: number[] = [];
  const ratio = 2 ** (1 / d.stepsPerOctave) - 1;
  for (let f = d.minHz; f <= d.maxHz; f += Math.max(d.linearHz, f * ratio)) out.push(f);
  return out;
}

/**
 * Triangular band weights W[b][k] over one-sided bins: 1 at band b's centre, falling to 0 at the
 * neighbouring centres, so neighbouring bands overlap and the weights sum to 1 between centres.
 * Returned row-major [D, bins].
 */
export function bandWeights(d: CodecDesign = CODEC_DESIGN): { weights: Float64Array; bands: number; bins: number } {
  const c = bandCentres(d);
  const bins = binCount(d);
  const D = c.length;
  const w = new Float64Array(D * bins);
  const hzPerBin = d.sampleRate / d.nFft;
  for (let b = 0; b < D; b++) {
    const lo = b > 0 ? c[b - 1] : c[b] - (c[b + 1] - c[b]);
    const hi = b < D - 1 ? c[b + 1] : c[b] + (c[b] - c[b - 1]);
    for (let k = 0; k < bins; k++) {
      const f = k * hzPerBin;
      let v = 0;
      if (f > lo && f <= c[b]) v = (f - lo) / (c[b] - lo);
      else if (f > c[b] && f < hi) v = (hi - f) / (hi - c[b]);
      w[b * bins + k] = v;
    }
  }
  return { weights: w, bands: D, bins };
}

/** Periodic Hann window of length n. */
export function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** Power of a unit sine in one band after analysis: divides band power so features are level-independent of the DFT size. */
export function powerRef(d: CodecDesign = CODEC_DESIGN): number {
  const w = hann(d.windowLength);
  let s2 = 0;
  for (const v of w) s2 += v * v;
  return d.nFft * s2;
}

/** Samples of left padding so frame t's window is centred on [t*hop, (t+1)*hop). */
export function leftPad(d: CodecDesign = CODEC_DESIGN): number {
  return (d.windowLength - d.hopLength) / 2;
}


/**
 * Per-band weights for the quantizers' squared error (scaled before VQ, unscaled after): the
 * octaves around C5 that decide the chroma count most, far bass and treble least.
 */
export function bandScale(d: CodecDesign = CODEC_DESIGN): Float32Array {
  return Float32Array.from(bandCentres(d), (f) => 0.4 + 0.6 * Math.exp(-0.5 * (Math.log2(f / 523.25) / 1.5) ** 2));
}
