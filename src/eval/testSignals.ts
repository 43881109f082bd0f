/** Test signals for the detectors, built independently of the corpus synthesizer. */
export const SR = 32000;

export const midiHz = (m: number) => 440 * 2 ** ((m - 69) / 12);

/** Adds a note with 6 harmonics (1/h) and an exponential decay, starting at `start` seconds. */
export function addTone(out: Float32Array, midi: number, start: number, seconds: number, amp = 0.1): void {
  const f0 = midiHz(midi);
  const i0 = Math.round(start * SR);
  const n = Math.min(out.length - i0, Math.round(seconds * SR));
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    let s = 0;
    for (let h = 1; h <= 6; h++) s += Math.sin(2 * Math.PI * f0 * h * t) / h;
    out[i0 + i] += amp * s * Math.exp(-t / 0.8) * Math.min(1, i / 64);
  }
}

/** Adds a click (a 30 ms decaying noise burst from a fixed LCG) at `start` seconds. */
export function addClick(out: Float32Array, start: number, amp: number): void {
  let x = 12345;
  const i0 = Math.round(start * SR);
  for (let i = 0; i < 0.03 * SR && i0 + i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i0 + i] += amp * ((x / 2 ** 32) * 2 - 1) * Math.exp(-i / (0.006 * SR));
  }
}

/** A click track: `beats` of `bpm`, beat clicks at `beatAmp`, optional off-beat clicks. */
export function clickTrack(bpm: number, seconds: number, beatAmp = 0.5, offbeatAmp = 0): Float32Array {
  const out = new Float32Array(seconds * SR);
  const period = 60 / bpm;
  for (let t = 0.05; t < seconds; t += period) {
    addClick(out, t, beatAmp);
    if (offbeatAmp > 0) addClick(out, t + period / 2, offbeatAmp);
  }
  return out;
}
