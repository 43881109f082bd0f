import { mulberry32 } from '../../util/rng';
import { subSeed } from '../random';
import type { Piece, PitchedTimbre } from '../types';
import { addBass } from './bass';
import { addDrum } from './drums';
import { addPad } from './pad';
import { addPiano } from './piano';
import { addPluck } from './pluck';

/** The codec's sample rate: the corpus is rendered straight at it, no resampling. */
export const CORPUS_SAMPLE_RATE = 32000;

/** Peak after normalisation: -1 dBFS leaves room for the 16-bit rounding and any resampling. */
export const TARGET_PEAK = 10 ** (-1 / 20);

/** Per-sound mix levels, set by ear so no part buries the others. */
const GAIN: Record<PitchedTimbre, number> = { piano: 0.5, pluck: 1.2, pad: 0.35, bass: 0.5 };
const DRUM_GAIN = { kick: 0.9, snare: 0.65, hat: 0.25 } as const;

/** Short fades at both ends so a clip never starts or stops with a click. */
const FADE_SECONDS = 0.01;

/**
 * Renders a piece to mono PCM at `sampleRate`, exactly `facts.seconds` long, peak-normalised to
 * TARGET_PEAK (silence stays silent). Deterministic: noise is drawn from the piece's seed.
 */
export function renderPiece(piece: Piece, sampleRate = CORPUS_SAMPLE_RATE): Float32Array {
  const out = new Float32Array(Math.round(piece.facts.seconds * sampleRate));
  const rand = mulberry32(subSeed(piece.facts.seed, 1));
  for (const n of piece.notes) {
    const start = Math.round(n.time * sampleRate);
    if (start >= out.length) continue;
    const hold = Math.max(1, Math.round(n.duration * sampleRate));
    const v = n.velocity * GAIN[n.timbre];
    if (n.timbre === 'piano') addPiano(out, sampleRate, start, hold, n.midi, v);
    else if (n.timbre === 'pluck') addPluck(out, sampleRate, rand, start, hold, n.midi, v);
    else if (n.timbre === 'pad') addPad(out, sampleRate, start, hold, n.midi, v);
    else addBass(out, sampleRate, start, hold, n.midi, v);
  }
  for (const d of piece.drums) {
    const start = Math.round(d.time * sampleRate);
    if (start < out.length) addDrum(out, sampleRate, rand, start, d.kind, d.velocity * DRUM_GAIN[d.kind]);
  }
  finish(out, sampleRate);
  return out;
}

/** Fades, then scales to TARGET_PEAK; non-finite samples (there should be none) become 0. */
function finish(out: Float32Array, sampleRate: number): void {
  const fade = Math.min(Math.floor(out.length / 2), Math.round(FADE_SECONDS * sampleRate));
  for (let i = 0; i < fade; i++) {
    const g = i / fade;
    out[i] *= g;
    out[out.length - 1 - i] *= g;
  }
  let peak = 0;
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) out[i] = 0;
    peak = Math.max(peak, Math.abs(out[i]));
  }
  if (peak > 0) {
    const g = TARGET_PEAK / peak;
    for (let i = 0; i < out.length; i++) out[i] *= g;
  }
}
