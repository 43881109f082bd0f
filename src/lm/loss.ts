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
