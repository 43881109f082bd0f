import { midiHz } from './pitch';

/** PolyBLEP correction around a saw's reset, which removes most of its aliasing. */
function polyBlep(phase: number, dt: number): number {
  if (phase < dt) {
    const t = phase / dt;
    return t + t - t * t - 1;
  }
  if (phase > 1 - dt) {
    const t = (phase - 1) / dt;
    return t * t + t + t + 1;
  }
  return 0;
}

const DETUNE_CENTS = [-9, 0, 8];
const ATTACK = 0.4;
const RELEASE = 0.5;

/**
 * Pad: three slightly detuned band-limited saws (the chorus-like beating is the pad sound)
 * through a two-pole lowpass, with a slow attack and release.
 */
export function addPad(out: Float32Array, sampleRate: number, start: number, hold: number, midi: number, velocity: number): void {
  const f0 = midiHz(midi);
  const len = Math.min(out.length - start, hold + Math.ceil(RELEASE * sampleRate));
  if (len <= 0) return;
  const voice = new Float64Array(len);
  DETUNE_CENTS.forEach((cents, v) => {
    const dt = (f0 * 2 ** (cents / 1200)) / sampleRate;
    let phase = (v * 0.37) % 1; // fixed, different start phases: no cancellation at onset
    for (let t = 0; t < len; t++) {
      voice[t] += 2 * phase - 1 - polyBlep(phase, dt);
      phase += dt;
      if (phase >= 1) phase -= 1;
    }
  });
  // Two cascaded one-pole lowpasses at a few harmonics up: warm, with the pitch still clear.
  const cutoff = Math.min(2500, 4 * f0 + 300);
  const g = 1 - Math.exp((-2 * Math.PI * cutoff) / sampleRate);
  const attackLen = ATTACK * sampleRate;
  const releaseK = Math.exp(-1 / ((RELEASE / 5) * sampleRate));
  let s1 = 0;
  let s2 = 0;
  let env = 0;
  const gain = velocity / DETUNE_CENTS.length;
  for (let t = 0; t < len; t++) {
    s1 += g * (voice[t] - s1);
    s2 += g * (s1 - s2);
    if (t < hold) env = Math.min(1, t / attackLen);
    else env *= releaseK;
    out[start + t] += gain * env * s2;
  }
}
