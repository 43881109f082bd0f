import type { Rand } from '../random';
import type { DrumKind } from '../types';

/**
 * Synthetic drums, the analog-drum-machine way. Kick: a sine whose pitch drops fast from about
 * 150 Hz to 50 Hz. Snare: a short 180 Hz body plus highpassed noise. Hat: brighter, very short
 * noise. Noise comes from the piece's own seeded stream, so renders are reproducible.
 */
export function addDrum(out: Float32Array, sampleRate: number, rand: Rand, start: number, kind: DrumKind, velocity: number): void {
  const seconds = kind === 'kick' ? 0.45 : kind === 'snare' ? 0.3 : 0.1;
  const len = Math.min(out.length - start, Math.ceil(seconds * sampleRate));
  let phase = 0;
  let lp = 0;
  for (let t = 0; t < len; t++) {
    const time = t / sampleRate;
    let v: number;
    if (kind === 'kick') {
      phase += (2 * Math.PI * (50 + 100 * Math.exp(-time / 0.03))) / sampleRate;
      v = Math.sin(phase) * Math.exp(-time / 0.16) + (t < 64 ? 0.3 * (rand() * 2 - 1) * (1 - t / 64) : 0);
    } else {
      const noise = rand() * 2 - 1;
      // highpass = noise minus its lowpass; the snare keeps more body (lower corner) than the hat
      lp += (kind === 'snare' ? 0.25 : 0.5) * (noise - lp);
      const hp = noise - lp;
      v = kind === 'snare'
        ? 0.8 * hp * Math.exp(-time / 0.07) + 0.6 * Math.sin(2 * Math.PI * 180 * time) * Math.exp(-time / 0.05)
        : 2 * hp * Math.exp(-time / 0.03);
    }
    out[start + t] += velocity * v;
  }
}
