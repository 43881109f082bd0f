import { onsetStrength, type OnsetOptions } from './onset';

export const TEMPO_MIN_BPM = 60;
export const TEMPO_MAX_BPM = 180;

export interface TempoEstimate {
  /** Beats per minute in [minBpm, maxBpm]; 0 when the clip has no onsets (silence, a held drone). */
  bpm: number;
  /** Normalised autocorrelation of the onset envelope at the chosen beat period (≤ 1). */
  confidence: number;
}

export interface TempoOptions extends OnsetOptions {
  minBpm?: number;
  maxBpm?: number;
  /** Octave rule: the faster of two octave-related pulses is the beat when its periodicity
   *  is at least this fraction of the slower one's (see tempoFromEnvelope). */
  octaveRatio?: number;
}

/**
 * Set on the corpus, between where true beats (mostly 0.8–1.2) and eighth-note subdivisions
 * (mostly below 0.75) fall; 0.74–0.8 scored within a point of each other.
 */
export const DEFAULT_OCTAVE_RATIO = 0.75;

/** Autocorrelation of the mean-removed envelope for lags 0..maxLag, normalised so r[0] = 1. */
export function autocorrelation(env: Float32Array, maxLag: number): Float64Array {
  const n = env.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += env[i] / n;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = env[i] - mean;
  const r = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag && lag < n; lag++) {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += x[i] * x[i + lag];
    r[lag] = s;
  }
  const r0 = r[0];
  if (r0 > 0) for (let lag = 0; lag <= maxLag; lag++) r[lag] /= r0;
  return r;
}

/** r at a fractional lag, by linear interpolation; 0 outside the computed range. */
function at(r: Float64Array, lag: number): number {
  const i = Math.floor(lag);
  if (i < 0 || i + 1 >= r.length) return 0;
  const f = lag - i;
  return (1 - f) * r[i] + f * r[i + 1];
}

/** Largest r within ±1% of `lag`: played beats wander a little, so peaks are not exactly on the grid. */
function peakNear(r: Float64Array, lag: number): number {
  const w = 0.01 * lag;
  let best = at(r, lag);
  for (let d = -w; d <= w; d += 0.25) best = Math.max(best, at(r, lag + d));
  return best;
}

export function detectTempo(pcm: Float32Array, sampleRate: number, o: TempoOptions = {}): TempoEstimate {
  const { envelope, frameRate } = onsetStrength(pcm, sampleRate, o);
  return tempoFromEnvelope(envelope, frameRate, o);
}

/** Candidate tempi are a 0.25 bpm grid (well inside the 8% tolerance, and cheap). */
const GRID = 4;

/** The best beat period within [lo, hi] bpm, scored as below; returns bpm (0 if none). */
function bestIn(r: Float64Array, frameRate: number, lo: number, hi: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let i = Math.ceil(lo * GRID); i <= Math.floor(hi * GRID); i++) {
    const bpm = i / GRID;
    const lag = (60 * frameRate) / bpm;
    // The beat and the half bar both recur at a real tempo; counting both keeps 3:2 and
    // other non-octave relatives (which match only one of them) from winning.
    const s = peakNear(r, lag) + 0.5 * peakNear(r, 2 * lag);
    if (s > bestScore) {
      bestScore = s;
      best = bpm;
    }
  }
  return best;
}

/**
 * Tempo from an onset envelope by autocorrelation. First the best period in [minBpm, maxBpm]
 * (periodicity at the beat and at twice the beat). Then the octave: when both a tempo s and 2s
 * lie in the range, which one is the beat is decided by how strongly the envelope repeats at
 * the faster period relative to the slower one. Beats are all about as strong, so the ratio is
 * near 1; subdivisions (eighths between quarter beats) are weaker and it drops well below.
 * A prior centred on ~120 bpm, the usual tie-breaker, cannot do this job here: it prefers the
 * faster of most such pairs (140 over 70) whatever the music does.
 */
export function tempoFromEnvelope(env: Float32Array, frameRate: number, o: TempoOptions = {}): TempoEstimate {
  const minBpm = o.minBpm ?? TEMPO_MIN_BPM;
  const maxBpm = o.maxBpm ?? TEMPO_MAX_BPM;
  const ratio = o.octaveRatio ?? DEFAULT_OCTAVE_RATIO;
  const maxLag = Math.ceil(((2 * 60 * frameRate) / minBpm) * 1.02) + 2;
  const r = autocorrelation(env, maxLag);
  if (!(r[0] > 0)) return { bpm: 0, confidence: 0 };
  let bpm = bestIn(r, frameRate, minBpm, maxBpm);
  const slow = bpm * 2 <= maxBpm ? bpm : bpm / 2 >= minBpm ? bpm / 2 : 0;
  if (slow > 0) {
    const lag = (60 * frameRate) / slow;
    const faster = peakNear(r, lag / 2) >= ratio * peakNear(r, lag);
    // Re-fit within ±4% of the chosen octave: halving or doubling moved the grid point.
    const target = faster ? slow * 2 : slow;
    bpm = bestIn(r, frameRate, Math.max(minBpm, target * 0.96), Math.min(maxBpm, target * 1.04));
  }
  return { bpm, confidence: Math.max(0, at(r, (60 * frameRate) / bpm)) };
}

/** Sum of the envelope at start, start + step, start + 2 step, ... (nearest frames). */
function combSum(env: Float32Array, start: number, step: number): number {
  let s = 0;
  for (let t = start; Math.round(t) < env.length; t += step) s += env[Math.round(t)];
  return s;
}

/**
 * Where the bar starts, in seconds from the start of the envelope (within the first bar of 4
 * beats), for a known tempo: the beat grid is placed where the onsets add up most (a comb at the
 * beat period, slid over one period), then the downbeat is the beat of that grid whose every-4th-
 * beat comb sums highest (the accented beat; a guess when all beats are alike).
 */
export function downbeatOffset(env: Float32Array, frameRate: number, bpm: number): number {
  if (!(bpm > 0) || env.length === 0) return 0;
  const period = (60 * frameRate) / bpm; // envelope frames per beat
  let beat = 0;
  let best = -Infinity;
  for (let o = 0; o < period; o++) {
    const s = combSum(env, o, period);
    if (s > best) (best = s), (beat = o);
  }
  let bar = beat;
  best = -Infinity;
  for (let j = 0; j < 4; j++) {
    const s = combSum(env, beat + j * period, 4 * period);
    if (s > best) (best = s), (bar = beat + j * period);
  }
  return bar / frameRate;
}
