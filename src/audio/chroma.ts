/**
 * Pure TypeScript port of audiocraft's ChromaExtractor (audiocraft/modules/chroma.py),
 * as used by musicgen-melody (sample_rate 32000, n_chroma 12, radix2_exp 14 →
 * nFft = win = 16384, hop = 4096, argmax, norm = inf):
 *
 *   if len(wav) < nfft: zero-pad (centred: pad//2 left, pad//2 + pad%2 right) to nfft
 *   spec = torchaudio Spectrogram(n_fft, win_length=n_fft, hop, power=2, center=True,
 *                                 pad_mode='reflect', periodic Hann, normalized=True)
 *        = |STFT|² / sum(window²)
 *   raw  = fbanks @ spec                         (fbanks = librosa.filters.chroma)
 *   norm = raw / max(max_c |raw|, 1e-6)          (F.normalize p=inf over chroma)
 *   argmax per frame (first max), then one-hot.
 *
 * Output matrices are row-major [frames, 12], frames = 1 + floor(N / hop) where N is the
 * (possibly padded) signal length. Pitch classes are C, C#, D, …, B.
 */
import FFT from 'fft.js';
import { chromaFilterBank } from './chromaFilters';

export const N_CHROMA = 12;
export const PITCH_CLASS_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;

/** audiocraft chroma2music defaults at 32 kHz. */
export const MELODY_CHROMA_NFFT = 16384;
export const MELODY_CHROMA_HOP = 4096;

/** F.normalize eps used by audiocraft. */
const NORM_EPS = 1e-6;

export interface ChromaOptions {
  /** FFT size = window length; a power of two. */
  nFft: number;
  hopLength: number;
}

export interface Chromagram {
  frames: number;
  /** Unnormalised chroma (filterbank @ power spectrogram), row-major [frames, 12]. */
  raw: Float32Array;
  /** Per-frame max-normalised chroma, row-major [frames, 12]. */
  norm: Float32Array;
  /** Dominant pitch class per frame (0 = C … 11 = B); 0 for silent frames. */
  argmax: Uint8Array;
}

const fbCache = new Map<string, Float32Array>();

/** Cached chroma filter bank [12, nFft/2+1] (audiocraft: librosa.filters.chroma, tuning 0). */
export function getChromaFilterBank(sampleRate: number, nFft: number): Float32Array {
  const key = `${sampleRate}:${nFft}`;
  let fb = fbCache.get(key);
  if (!fb) {
    fb = chromaFilterBank(sampleRate, nFft, N_CHROMA, 0);
    fbCache.set(key, fb);
  }
  return fb;
}

interface StftPlan {
  fft: FFT;
  window: Float64Array;
  frame: Float64Array;
  spectrum: Float64Array;
  power: Float64Array;
  /** sum(window²): torchaudio's normalized=True divides the STFT by sqrt of this. */
  windowEnergy: number;
}

const planCache = new Map<number, StftPlan>();

function getPlan(nFft: number): StftPlan {
  let p = planCache.get(nFft);
  if (!p) {
    const window = new Float64Array(nFft);
    let energy = 0;
    for (let i = 0; i < nFft; i++) {
      // periodic Hann (torch.hann_window(n, periodic=True))
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft);
      window[i] = w;
      energy += w * w;
    }
    p = {
      fft: new FFT(nFft),
      window,
      frame: new Float64Array(nFft),
      spectrum: new Float64Array(2 * nFft),
      power: new Float64Array(nFft / 2 + 1),
      windowEnergy: energy,
    };
    planCache.set(nFft, p);
  }
  return p;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

function checkArgs(sampleRate: number, nFft: number, hopLength: number): void {
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new RangeError(`chroma: bad sample rate ${sampleRate}`);
  if (!isPowerOfTwo(nFft)) throw new RangeError(`chroma: nFft must be a power of two >= 2, got ${nFft}`);
  if (!Number.isInteger(hopLength) || hopLength < 1) throw new RangeError(`chroma: bad hop length ${hopLength}`);
}

/**
 * audiocraft's short-input rule: a wav shorter than nFft is zero-padded to exactly nFft,
 * pad//2 zeros on the left and pad//2 + pad%2 on the right. Returns the input unchanged
 * otherwise, plus the left offset of the original samples.
 */
function padToNfft(pcm: Float32Array, nFft: number): { x: Float32Array; offset: number } {
  const T = pcm.length;
  if (T >= nFft) return { x: pcm, offset: 0 };
  const pad = nFft - T;
  const left = pad >> 1;
  const x = new Float32Array(nFft);
  x.set(pcm, left);
  return { x, offset: left };
}

/** Number of chroma frames audiocraft produces for a wav of `numSamples` samples. */
export function chromaFrameCount(numSamples: number, nFft: number, hopLength: number): number {
  const n = Math.max(numSamples, nFft);
  return 1 + Math.floor(n / hopLength);
}

/**
 * Chromagram of mono PCM, following audiocraft's ChromaExtractor exactly (see file header).
 * Non-finite raw values (from NaN/Inf input samples) are replaced by 0 so the output is
 * always finite; all-zero frames give norm = 0 and argmax = 0 (C), audiocraft's null melody.
 */
export function chromagram(pcm: Float32Array, sampleRate: number, opts: ChromaOptions): Chromagram {
  const { nFft, hopLength } = opts;
  checkArgs(sampleRate, nFft, hopLength);
  const { x } = padToNfft(pcm, nFft);
  const N = x.length; // >= nFft, so reflect padding of nFft/2 is always valid
  const half = nFft >> 1;
  const nBins = half + 1;
  const frames = 1 + Math.floor(N / hopLength);
  const fb = getChromaFilterBank(sampleRate, nFft);
  const plan = getPlan(nFft);
  const { fft, window, frame, spectrum, power, windowEnergy } = plan;

  const raw = new Float32Array(frames * N_CHROMA);
  const norm = new Float32Array(frames * N_CHROMA);
  const argmax = new Uint8Array(frames);
  const acc = new Float64Array(N_CHROMA);
  const invEnergy = 1 / windowEnergy;

  for (let t = 0; t < frames; t++) {
    // Frame t covers padded samples [t·hop, t·hop + nFft) = original [t·hop - nFft/2, …).
    const start = t * hopLength - half;
    if (start >= 0 && start + nFft <= N) {
      for (let k = 0; k < nFft; k++) frame[k] = x[start + k] * window[k];
    } else {
      for (let k = 0; k < nFft; k++) {
        let i = start + k;
        // torch reflect padding (edge sample not repeated); |i| < N is guaranteed since nFft/2 < N
        if (i < 0) i = -i;
        else if (i >= N) i = 2 * (N - 1) - i;
        frame[k] = x[i] * window[k];
      }
    }
    fft.realTransform(spectrum, frame);
    for (let f = 0; f < nBins; f++) {
      const re = spectrum[2 * f];
      const im = spectrum[2 * f + 1];
      power[f] = (re * re + im * im) * invEnergy;
    }

    // raw = fb @ power
    let maxV = 0;
    for (let c = 0; c < N_CHROMA; c++) {
      const row = c * nBins;
      let s = 0;
      for (let f = 0; f < nBins; f++) s += fb[row + f] * power[f];
      if (!Number.isFinite(s)) s = 0;
      acc[c] = s;
      if (s > maxV) maxV = s;
    }
    // F.normalize(p=inf, eps=1e-6): x / max(max|x|, eps); argmax = first maximum.
    const denom = Math.max(maxV, NORM_EPS);
    let best = 0;
    let bestV = -Infinity;
    const o = t * N_CHROMA;
    for (let c = 0; c < N_CHROMA; c++) {
      raw[o + c] = acc[c];
      const v = Math.fround(acc[c] / denom);
      norm[o + c] = v;
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    argmax[t] = best;
  }
  return { frames, raw, norm, argmax };
}

/** One-hot encoding of per-frame pitch classes: row-major [frames, 12]. */
export function oneHotChroma(argmax: Uint8Array): Float32Array {
  const out = new Float32Array(argmax.length * N_CHROMA);
  for (let t = 0; t < argmax.length; t++) {
    const c = argmax[t];
    if (c >= N_CHROMA) throw new RangeError(`oneHotChroma: pitch class ${c} out of range at frame ${t}`);
    out[t * N_CHROMA + c] = 1;
  }
  return out;
}

/**
 * Fraction of frames whose dominant pitch class agrees, among frames where mask is 1
 * (all frames when no mask). Compares the first min(a.length, b.length[, mask.length])
 * frames. Returns 0 when no frame is counted (nothing to agree on).
 */
export function dominantPitchClassAgreement(a: Uint8Array, b: Uint8Array, mask?: Uint8Array): number {
  let n = Math.min(a.length, b.length);
  if (mask) n = Math.min(n, mask.length);
  let counted = 0;
  let agree = 0;
  for (let t = 0; t < n; t++) {
    if (mask && !mask[t]) continue;
    counted++;
    if (a[t] === b[t]) agree++;
  }
  return counted === 0 ? 0 : agree / counted;
}

/**
 * 1 for chroma frames whose audio is louder than `thresholdDb` dBFS (RMS re full scale 1.0),
 * else 0. Frames are aligned with chromagram(): same count (including audiocraft's
 * short-input padding) and centred on t·hop with a window of nFft samples. The RMS is
 * taken over the real (non-padded) samples inside the window; a window with none is silent.
 * `sampleRate` is only validated (kept for API symmetry with chromagram).
 */
export function nonSilentMask(
  pcm: Float32Array,
  sampleRate: number,
  hopLength: number,
  nFft: number,
  thresholdDb = -50,
): Uint8Array {
  checkArgs(sampleRate, nFft, hopLength);
  const T = pcm.length;
  const offset = T < nFft ? (nFft - T) >> 1 : 0; // where the real samples start after padding
  const N = Math.max(T, nFft);
  const frames = 1 + Math.floor(N / hopLength);
  // prefix sums of squares (float64)
  const cs = new Float64Array(T + 1);
  for (let i = 0; i < T; i++) {
    const v = pcm[i];
    cs[i + 1] = cs[i] + (Number.isFinite(v) ? v * v : 0);
  }
  const thrPow = Math.pow(10, thresholdDb / 10); // mean-square threshold
  const half = nFft >> 1;
  const mask = new Uint8Array(frames);
  for (let t = 0; t < frames; t++) {
    const lo = Math.max(0, t * hopLength - half - offset);
    const hi = Math.min(T, t * hopLength + half - offset);
    if (hi <= lo) continue;
    const ms = (cs[hi] - cs[lo]) / (hi - lo);
    if (ms > thrPow) mask[t] = 1;
  }
  return mask;
}
