/** Tiny LMs, seeded conditions and codes, and trained-looking adapters for the LoRA tests. */
import * as tf from '@tensorflow/tfjs';
import { gaussian, mulberry32 } from '../../util/rng';
import { parseLmConfig, type LmConfig } from '../config';
import type { Lora } from '../lora';
import { forward, type Lm, type LmCondition } from '../model';

export const tiny = (over: Partial<LmConfig> = {}) =>
  parseLmConfig({ dim: 32, layers: 2, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, ...over });
export const prefixTiny = () => tiny({ conditioning: 'prefix', chromaBins: 12 });

/** A seeded condition for B rows (text; plus one-hot chroma in prefix mode). Caller disposes. */
export function condition(cfg: LmConfig, B: number, seed = 1): LmCondition {
  const rand = mulberry32(seed);
  const textStates = tf.tensor3d(Float32Array.from({ length: B * 3 * cfg.textDim }, () => gaussian(rand)), [B, 3, cfg.textDim]); // [B, 3, textDim]
  const textMask = tf.tensor2d(Float32Array.from({ length: B * 3 }, (_, i) => (i % 3 < 2 || i < 3 ? 1 : 0)), [B, 3]); // [B, 3], row 1 padded
  if (cfg.conditioning === 'cross') return { textStates, textMask };
  const bins = Int32Array.from({ length: B * 4 }, () => Math.floor(rand() * cfg.chromaBins));
  const chroma = tf.tidy(() => tf.oneHot(tf.tensor2d(bins, [B, 4], 'int32'), cfg.chromaBins).toFloat() as tf.Tensor3D); // [B, 4, bins]
  return { textStates, textMask, chroma };
}
export const disposeCond = (c: LmCondition) => tf.dispose([c.textStates, c.textMask, ...(c.chroma ? [c.chroma] : [])]);

/** Random codes [B, K, S] in 0..card. */
export const codesOf = (cfg: LmConfig, B: number, S: number, seed = 2) => {
  const rand = mulberry32(seed);
  return tf.tensor3d(Int32Array.from({ length: B * cfg.codebooks * S }, () => Math.floor(rand() * (cfg.card + 1))), [B, cfg.codebooks, S], 'int32');
};

/** Logits [2, K, 7, card] of a seeded batch, as data. */
export async function logitsOf(lm: Lm, cfg: LmConfig): Promise<Float32Array> {
  const cond = condition(cfg, 2);
  const codes = codesOf(cfg, 2, 7);
  const out = forward(lm, codes, cond); // [2, K, 7, card]
  const data = (await out.data()) as Float32Array;
  tf.dispose([out, codes]);
  disposeCond(cond);
  return data;
}

/** Give every A and B seeded non-zero values (a trained adapter). */
export function randomize(lora: Lora, seed: number): void {
  const rand = mulberry32(seed);
  for (const v of lora.named.values()) {
    const t = tf.tensor(Float32Array.from({ length: v.size }, () => 0.2 * gaussian(rand)), v.shape);
    v.assign(t);
    t.dispose();
  }
}
