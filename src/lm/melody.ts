/**
 * Melody conditioning of a prefix-mode LM (musicgen-melody): the melody's one-hot chroma, one
 * prefix token per chroma frame (32 kHz, hop 4096: 7.8 frames/s). As in Hugging Face's
 * MusicgenMelody, a melody shorter than `chromaLength` frames is tiled (repeated) and a longer one
 * cut; no melody is the null melody, every frame one-hot on bin 0 (musicgen.md §3.1-3.2).
 */
import * as tf from '@tensorflow/tfjs';
import type { LmConfig } from './config';

/** HF MusicgenMelodyConfig.chroma_length: 30 s of chroma frames. */
export const CHROMA_LENGTH = 235;

export const chromaLength = (cfg: Pick<LmConfig, 'chromaLength'>): number => cfg.chromaLength ?? CHROMA_LENGTH;

/** A melody as the engine's chroma gives it: the dominant pitch class per frame and the frame hop. */
export interface MelodyChroma {
  argmax: Uint8Array;
  hopSeconds: number;
}

/**
 * The pitch class of each of `length` prefix tokens for a window starting `fromSec` into the take:
 * the melody from there on, tiled; the null melody (all 0) when none is left or none was given.
 */
export function melodyIndices(m: MelodyChroma | undefined, length: number, fromSec = 0): Int32Array {
  const out = new Int32Array(length);
  if (!m || !(m.hopSeconds > 0)) return out;
  const rest = m.argmax.subarray(Math.min(m.argmax.length, Math.round(fromSec / m.hopSeconds)));
  if (rest.length > 0) for (let i = 0; i < length; i++) out[i] = rest[i % rest.length];
  return out;
}

/** One-hot [B, length, bins] from per-row indices (each `length` long). Caller disposes. */
export function melodyTensor(rows: Int32Array[], bins: number): tf.Tensor3D {
  const length = rows[0]?.length ?? 0;
  const flat = new Int32Array(rows.length * length);
  rows.forEach((r, b) => flat.set(r, b * length));
  return tf.tidy(() => tf.oneHot(tf.tensor1d(flat, 'int32'), bins).toFloat().reshape([rows.length, length, bins]) as tf.Tensor3D);
}
