import * as tf from '@tensorflow/tfjs';

/**
 * Peak tensor bytes above the starting point while `fn` runs. tf.profile cannot measure custom
 * gradient ops that run kernels of their own (recompute.ts), so this samples the engine's byte
 * count each time it registers a tensor.
 */
export async function peakBytes(fn: () => Promise<unknown>): Promise<number> {
  const engine = tf.engine() as unknown as { trackTensor: (...a: unknown[]) => void; state: { numBytes: number } };
  const track = engine.trackTensor;
  const start = engine.state.numBytes;
  let peak = start;
  engine.trackTensor = function (this: unknown, ...a: unknown[]) {
    track.apply(this, a);
    peak = Math.max(peak, engine.state.numBytes);
  };
  try {
    await fn();
  } finally {
    engine.trackTensor = track;
  }
  return peak - start;
}
