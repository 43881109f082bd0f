import { addAdditive, type Partial } from './additive';
import { midiHz } from './pitch';

/**
 * Piano-like tone: slightly stretched (inharmonic) partials, brighter when struck harder, upper
 * partials dying faster than the fundamental, low notes ringing longer than high ones.
 */
export function addPiano(out: Float32Array, sampleRate: number, start: number, hold: number, midi: number, velocity: number): void {
  const f0 = midiHz(midi);
  const tau1 = 1.4 * 2 ** (-(midi - 60) / 24);
  const bright = 0.45 + 0.35 * velocity;
  const b = 0.0004; // inharmonicity coefficient: f_n = n·f0·sqrt(1 + b·n²)
  const partials: Partial[] = [];
  for (let h = 1; h <= 14; h++) {
    partials.push({ ratio: h * Math.sqrt(1 + b * h * h), amp: (velocity * bright ** (h - 1)) / h, tau: tau1 / (1 + 0.4 * (h - 1)) });
  }
  addAdditive(out, sampleRate, { start, hold, f0, partials, attack: 0.003, release: 0.07 });
}
