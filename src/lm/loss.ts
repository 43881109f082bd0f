/**
 * Training loss (audiocraft `MusicGenSolver._compute_cross_entropy`, musicgen.md §1.6 / §2.4):
 * cross-entropy per codebook over the valid cells only, then the mean over the K codebooks
 * (each codebook weighs the same, whatever its number of valid cells).
 *
 * Alignment: the model reads the delayed columns 0..T (`buildDelayed(...).values[:, :T+1]`);
 * its logit at position s predicts column s + 1, so the target c[q, t] (column t + q + 1) is
 * predicted at position t + q. Valid targets: t + q + 1 <= T (`validTargetMask`).
 */
import * as tf from '@tensorflow/tfjs';
import { project, type Lm } from './model';

/**
 * Model output on the delayed input -> logits aligned with the codes:
 * logits [B, K, S, card] (S >= T + 1) -> [B, K, T, card], out[b, q, t] = logits[b, q, t + q].
 * Cells whose position falls past S - 1 are zero (they are masked anyway).
 */
export function alignDelayedLogits(logits: tf.Tensor4D, T: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, K, S, card] = logits.shape;
    const padded = tf.pad(logits, [[0, 0], [0, 0], [0, Math.max(0, T + K - 1 - S)], [0, 0]]); // [B, K, >= T + K - 1, card]
    const perBook = Array.from({ length: K }, (_, q) => padded.slice([0, q, q, 0], [B, 1, T, card])); // K x [B, 1, T, card]
    return tf.concat(perBook, 1) as tf.Tensor4D; // [B, K, T, card]
  });
}

/**
 * Masked cross-entropy averaged over codebooks: logits [B, K, T, card], targets [B, K, T] int32,
 * mask [B, K, T] (1 = valid) -> scalar. Per codebook: sum of CE over valid cells / their count
 * (a codebook with no valid cell contributes 0; audiocraft would give NaN there). Differentiable.
 */
export function maskedCrossEntropy(logits: tf.Tensor4D, targets: tf.Tensor3D, mask: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const card = logits.shape[3];
    const logp = tf.logSoftmax(logits); // [B, K, T, card]
    const picked = logp.mul(tf.oneHot(targets, card)).sum(-1); // [B, K, T] log p(target)
    const m = mask.toFloat(); // [B, K, T]
    const perBook = picked.mul(m).sum([0, 2]).neg(); // [K] summed CE
    const counts = m.sum([0, 2]).maximum(1); // [K]
    return perBook.div(counts).mean() as tf.Scalar; // mean over K
  });
}

/**
 * The same loss as `maskedCrossEntropy(alignDelayedLogits(forward(...)))`, computed from the final
 * hidden states [B, S, d]: codebook q's head runs on positions t + q only, so the aligned logits
 * are never built as one [B, K, T, card] tensor (no pad/slice/concat of logits, nor their
 * gradients). This is what training runs; it is 3-4x cheaper in memory traffic per step.
 * log p(target) is picked with a one-hot product, not a gather: gather's gradient is
 * UnsortedSegmentSum, which tfjs's cpu backend runs as one full pass per segment (B*T*card of them).
 * targets [B, K, T] int32, mask [B, K, T] (1 = valid) -> scalar.
 */
export function delayedCrossEntropy(lm: Lm, hidden: tf.Tensor3D, targets: tf.Tensor3D, mask: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const [B, S, d] = hidden.shape;
    const [, K, T] = targets.shape;
    const card = lm.config.card;
    const h = tf.pad(hidden, [[0, 0], [0, Math.max(0, T + K - 1 - S)], [0, 0]]); // [B, >= T + K - 1, d]
    const m = mask.toFloat(); // [B, K, T]
    const perBook = lm.params.heads.map((w, q) => {
      const hq = h.slice([0, q, 0], [B, T, d]).reshape([B * T, d]); // [B*T, d] positions t + q
      const logp = tf.logSoftmax(project(lm, hq, w)); // [B*T, card]
      const tq = targets.slice([0, q, 0], [B, 1, T]).reshape([B * T]); // [B*T]
      const picked = logp.mul(tf.oneHot(tq, card)).sum(-1); // [B*T] log p(target)
      return picked.mul(m.slice([0, q, 0], [B, 1, T]).reshape([B * T])).sum().neg(); // summed CE
    });
    const counts = m.sum([0, 2]).maximum(1); // [K]
    return tf.stack(perBook).div(counts).mean() as tf.Scalar; // mean over K
  });
}
