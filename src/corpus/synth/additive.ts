/**
 * Additive voice: a sum of exponentially decaying partials with a short attack and a damper
 * release at note-off. Each partial is a two-multiply recursive oscillator
 * (y[n] = 2cos(w)·y[n-1] - y[n-2]), exact in float64 for the lengths we render and much faster
 * than calling Math.sin per sample.
 */
export interface Partial {
  /** Frequency as a multiple of f0 (may be inharmonic). */
  ratio: number;
  amp: number;
  /** Decay time constant in seconds (amplitude falls by e each tau). */
  tau: number;
}

export interface AdditiveNote {
  start: number; // sample index
  /** Samples until note-off; the release follows. */
  hold: number;
  f0: number;
  partials: Partial[];
  attack: number; // seconds
  release: number; // time constant in seconds after note-off
}

/** Partials above this are dropped: they would alias at 32 kHz and add nothing a listener hears. */
const MAX_PARTIAL_HZ = 12000;

export function addAdditive(out: Float32Array, sampleRate: number, n: AdditiveNote): void {
  const releaseLen = Math.ceil(n.release * sampleRate * 7); // e^-7 ≈ -60 dB
  const end = Math.min(out.length, n.start + n.hold + releaseLen);
  const attackLen = Math.max(1, Math.round(n.attack * sampleRate));
  const releaseK = Math.exp(-1 / (n.release * sampleRate));
  for (const p of n.partials) {
    const hz = p.ratio * n.f0;
    if (hz >= MAX_PARTIAL_HZ || hz >= sampleRate / 2) continue;
    const w = (2 * Math.PI * hz) / sampleRate;
    const c2 = 2 * Math.cos(w);
    let y1 = Math.sin(-w);
    let y2 = Math.sin(-2 * w);
    const k = Math.exp(-1 / (p.tau * sampleRate));
    let env = p.amp;
    for (let i = n.start; i < end; i++) {
      const y = c2 * y1 - y2;
      y2 = y1;
      y1 = y;
      const t = i - n.start;
      const a = t < attackLen ? t / attackLen : 1;
      out[i] += env * a * y;
      env *= t < n.hold ? k : k * releaseK;
    }
  }
}
