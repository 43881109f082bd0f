/**
 * Gradient clipping by global norm (torch `clip_grad_norm_`, audiocraft `max_norm 1.0`):
 * norm = sqrt(sum of every squared gradient entry); when norm > maxNorm every gradient is
 * multiplied by maxNorm / (norm + 1e-6), otherwise left unchanged.
 */
import * as tf from '@tensorflow/tfjs';

export interface Clipped {
  /** Clipped gradients, same order and shapes as the input. Caller disposes. */
  grads: tf.Tensor[];
  /** Global norm before clipping (for reporting). Caller disposes. */
  norm: tf.Scalar;
}

/** Clip `grads` to a global norm of `maxNorm` (Infinity or <= 0 disables clipping but still measures). */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): Clipped {
  return tf.tidy(() => {
    // stack + sum, not addN: WebGPU's AddN binds one storage buffer per input, and over ~7
    // gradients that exceeds the device's default limit (8): the pipeline is invalid and reads 0.
    const norm = tf.sqrt(tf.stack(grads.map((g) => tf.sum(tf.square(g)))).sum()) as tf.Scalar;
    if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) return { grads: grads.map((g) => g.clone()), norm };
    const scale = tf.minimum(1, tf.div(maxNorm, norm.add(1e-6))); // scalar
    return { grads: grads.map((g) => g.mul(scale)), norm };
  });
}
