import { addAdditive, type Partial } from './additive';
import { midiHz } from './pitch';

/**
 * Electric-bass-like tone, as if through a lowpass at about four times the fundamental: the
 * first four partials (root, octave, fifth, two octaves), the upper ones fading faster. The
 * partials matter: a 40–80 Hz fundamental is barely heard on small speakers (or seen by a
 * chroma filter centred on the midrange); its octaves carry the note. The 5th partial is left
 * out on purpose: it is a major third, loud enough from a bass to make a minor key sound major.
 */
export function addBass(out: Float32Array, sampleRate: number, start: number, hold: number, midi: number, velocity: number): void {
  const partials: Partial[] = [];
  for (let h = 1; h <= 4; h++) partials.push({ ratio: h, amp: velocity / h, tau: 1.2 / (1 + 0.4 * (h - 1)) });
  addAdditive(out, sampleRate, { start, hold, f0: midiHz(midi), partials, attack: 0.005, release: 0.04 });
}
