import FFT from 'fft.js';

export interface OnsetOptions {
  /** STFT size (power of two); default: about 32 ms. */
  nFft?: number;
  /** Hop in samples; default: 5 ms, i.e. a 200 Hz envelope, fine enough for ±1% at 180 bpm. */
  hopLength?: number;
}

export interface OnsetEnvelope {
  /** Onset strength per frame (≥ 0). */
  envelope: Float32Array;
  /** Envelope frames per second. */
  frameRate: number;
}

/**
 * Compression log(1 + γ·|X|), |X| scaled so a full-scale sine peaks at 1. γ = 1 compresses only
 * loud bins: measured on the corpus, strong compression (γ = 1000, the usual choice for finding
 * onsets) makes a soft off-beat count as much as an accented beat, and the tempo octave is then
 * lost (tempo within 8%: 83% at γ = 1000, 97% at γ = 1).
 */
const LOG_GAMMA = 1;

function defaults(sampleRate: number, o: OnsetOptions): { nFft: number; hop: number } {
  const nFft = o.nFft ?? 2 ** Math.round(Math.log2(sampleRate * 0.032));
  const hop = o.hopLength ?? Math.max(1, Math.round(sampleRate * 0.005));
  return { nFft, hop };
}

/**
 * Onset strength by spectral flux: the summed positive change of (log-compressed) magnitude
 * from one frame to the next. Only increases count, so decays and releases add nothing. A moving average (about 0.2 s) is then
 * subtracted and the result half-wave rectified: what remains are the attacks, not loudness drift.
 */
export function onsetStrength(pcm: Float32Array, sampleRate: number, o: OnsetOptions = {}): OnsetEnvelope {
  const { nFft, hop } = defaults(sampleRate, o);
  const frames = Math.max(1, 1 + Math.floor((pcm.length - 1) / hop));
  const fft = new FFT(nFft);
  const window = new Float64Array(nFft);
  let wsum = 0;
  for (let i = 0; i < nFft; i++) {
    window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft);
    wsum += window[i];
  }
  const bins = nFft / 2 + 1;
  const frame = new Float64Array(nFft);
  const spec = new Float64Array(2 * nFft);
  let prev = new Float64Array(bins);
  let cur = new Float64Array(bins);
  const flux = new Float64Array(frames);
  const scale = 2 / wsum;
  for (let t = 0; t < frames; t++) {
    const start = t * hop - nFft / 2; // centred frames, zero outside the signal
    for (let i = 0; i < nFft; i++) {
      const j = start + i;
      const x = j >= 0 && j < pcm.length ? pcm[j] : 0;
      frame[i] = Number.isFinite(x) ? x * window[i] : 0;
    }
    fft.realTransform(spec, frame);
    let s = 0;
    for (let f = 0; f < bins; f++) {
      const re = spec[2 * f];
      const im = spec[2 * f + 1];
      const mag = Math.sqrt(re * re + im * im) * scale;
      cur[f] = Math.log1p(LOG_GAMMA * mag);
      if (t > 0 && cur[f] > prev[f]) s += cur[f] - prev[f];
    }
    flux[t] = s;
    [prev, cur] = [cur, prev];
  }
  const frameRate = sampleRate / hop;
  return { envelope: detrend(flux, Math.max(1, Math.round(0.1 * frameRate))), frameRate };
}

/** x minus its centred moving average over 2·half+1 frames, negative values set to 0. */
function detrend(x: Float64Array, half: number): Float32Array {
  const n = x.length;
  const cs = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cs[i + 1] = cs[i] + x[i];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, i + half + 1);
    out[i] = Math.max(0, x[i] - (cs[hi] - cs[lo]) / (hi - lo));
  }
  return out;
}
