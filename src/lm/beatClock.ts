/**
 * The beat clock: an optional conditioning of the bundled LM (not in MusicGen) that tells each
 * sequence column where it falls in the bar. A column's clock is the beat phase of the frame that
 * codebook 0 predicts there, φ = phase + s · perColumn beats (perColumn = bpm / 60 / frame rate),
 * as sin/cos at the bar, half bar, beat, eighth and sixteenth, plus an "on" flag; a row without a
 * clock (perColumn 0) has all-zero features. A linear map `beat_proj` [d, F] (no bias: the flag is
 * one) turns them into a vector added to the column's input embedding, like the positions. Zero-
 * initialised, it changes nothing until trained, so a pretrained LM gains it without losing anything.
 * Why: the LM hears onsets coming but cannot find and keep a period by itself (README, issue 7).
 *
 * The key input rides with the clock: a row may also carry a key (one of 24: tonic + 12 for minor),
 * whose one-hot goes through `key_proj` [d, 24] (zero-initialised likewise) and is added to every
 * column of the row. Why: the text encoder is seeded, not pretrained, so the LM must learn what "D
 * minor" means from the T5 states alone; the prompt's key (promptFacts) is handed to it directly.
 */
import * as tf from '@tensorflow/tfjs';
import type { Lm } from './model';

/** One row's clock: beats per sequence column (0 = no clock) and the beat phase at column 0; and its key, if known. */
export interface BeatClock {
  perColumn: number;
  phase: number;
  /** keyIndex(tonic, mode), for an LM with a key input; absent = no key. */
  key?: number;
}

export const NO_CLOCK: BeatClock = { perColumn: 0, phase: 0 };

/** Harmonics in cycles per beat: the 4-beat bar, the half bar, the beat, eighths, sixteenths. */
export const BEAT_HARMONICS = [0.25, 0.5, 1, 2, 4] as const;
/** Features per column: the "on" flag, then sin and cos per harmonic. */
export const BEAT_FEATURES = 1 + 2 * BEAT_HARMONICS.length;
/** The weight's name in safetensors (next to the Hugging Face names; real MusicGen files have none). */
export const BEAT_PROJ_NAME = 'decoder.model.decoder.beat_proj.weight';
/** Key input features: a one-hot over the 24 keys. */
export const KEY_FEATURES = 24;
export const KEY_PROJ_NAME = 'decoder.model.decoder.key_proj.weight';

/** The key's input index: tonic pitch class (0 = C), plus 12 for minor. */
export function keyIndex(tonic: number, mode: 'major' | 'minor'): number {
  return (((tonic % 12) + 12) % 12) + (mode === 'minor' ? 12 : 0);
}

/** `c` with key `key` (or as it is when `key` is undefined). */
export function withKey(c: BeatClock, key: number | undefined): BeatClock {
  return key === undefined ? c : { ...c, key };
}

/** A clock at `bpm` for a codec at `frameRate`, starting `startFrame` frames into the music (beat 0 at frame 0). */
export function clockAt(bpm: number, frameRate: number, startFrame = 0): BeatClock {
  if (!(bpm > 0) || !(frameRate > 0)) return NO_CLOCK;
  const perColumn = bpm / 60 / frameRate;
  return { perColumn, phase: startFrame * perColumn };
}

/** The clock of audio with a steady `bpm` whose first downbeat is `downbeat` seconds in (beat 0 of a bar there). */
export function clockOnDownbeat(t: { bpm: number; downbeat: number }, frameRate: number): BeatClock {
  return clockAt(t.bpm, frameRate, -t.downbeat * frameRate);
}

/** The clock `frames` columns later (a window that starts further into the piece). */
export function shiftClock(c: BeatClock, frames: number): BeatClock {
  return withKey(c.perColumn === 0 ? NO_CLOCK : { perColumn: c.perColumn, phase: c.phase + frames * c.perColumn }, c.key);
}

/** Features of columns [offset, offset + L) for each row: -> [B, L, F] row-major (float64 maths). */
export function beatFeatures(rows: readonly BeatClock[], offset: number, L: number): Float32Array {
  const F = BEAT_FEATURES;
  const H = BEAT_HARMONICS.length;
  const out = new Float32Array(rows.length * L * F); // [B, L, F]
  rows.forEach((c, b) => {
    if (c.perColumn === 0) return;
    for (let l = 0; l < L; l++) {
      const beats = c.phase + (offset + l) * c.perColumn;
      const inBar = beats - 4 * Math.floor(beats / 4); // [0, 4): every harmonic's period divides the bar
      const at = (b * L + l) * F;
      out[at] = 1;
      BEAT_HARMONICS.forEach((h, i) => {
        const angle = 2 * Math.PI * h * inBar;
        out[at + 1 + i] = Math.sin(angle);
        out[at + 1 + H + i] = Math.cos(angle);
      });
    }
  });
  return out;
}

/** Whether the LM can take a clock and some row has one. */
export function hasClock(lm: Lm, rows: readonly BeatClock[] | undefined): rows is readonly BeatClock[] {
  return !!lm.params.beatProj && !!rows && rows.some((c) => c.perColumn !== 0);
}

/** Whether the LM can take a key and some row has one. */
export function hasKey(lm: Lm, rows: readonly BeatClock[] | undefined): rows is readonly BeatClock[] {
  return !!lm.params.keyProj && !!rows && rows.some((c) => c.key !== undefined);
}

/** One-hot keys per row: [B, KEY_FEATURES] row-major (all zero for a row without a key). */
export function keyFeatures(rows: readonly BeatClock[]): Float32Array {
  const out = new Float32Array(rows.length * KEY_FEATURES);
  rows.forEach((c, b) => {
    if (c.key !== undefined) out[b * KEY_FEATURES + c.key] = 1;
  });
  return out;
}

/** The clock's input vectors for columns [offset, offset + L): [B, L, d], or null when there is nothing to add. */
export function beatInput(lm: Lm, rows: readonly BeatClock[] | undefined, offset: number, L: number): tf.Tensor3D | null {
  const clock = hasClock(lm, rows);
  const key = hasKey(lm, rows);
  if (!rows || (!clock && !key)) return null;
  const B = rows.length;
  const d = lm.config.dim;
  return tf.tidy(() => {
    const beat = clock ? tf.matMul(tf.tensor2d(beatFeatures(rows, offset, L), [B * L, BEAT_FEATURES]), lm.params.beatProj!, false, true).reshape([B, L, d]) : null; // [B, L, d]
    if (!key) return beat as tf.Tensor3D;
    const k = tf.matMul(tf.tensor2d(keyFeatures(rows), [B, KEY_FEATURES]), lm.params.keyProj!, false, true).reshape([B, 1, d]); // [B, 1, d]: the same in every column
    return (beat ? beat.add(k) : k.tile([1, L, 1])) as tf.Tensor3D; // [B, L, d]
  });
}
