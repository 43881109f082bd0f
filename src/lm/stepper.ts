/**
 * One generation's forward, column by column: the fused WebGPU step (webgpu/fusedStep.ts) where it
 * applies, else the tfjs KV cache (cache.ts). Both return the last fed column's logits.
 */
import * as tf from '@tensorflow/tfjs';
import { createCache, disposeCache, extend, type CacheLayout } from './cache';
import type { Lm, LmCondition } from './model';
import { FusedStep, fusedUnsupported } from './webgpu/fusedStep';

export interface Stepper {
  readonly kind: 'fused' | CacheLayout;
  /** Feed L columns, codes [R, K, L] row-major: -> logits of the last one [R, K, card]. */
  feed(cols: Int32Array, L: number): Promise<Float32Array>;
  dispose(): void;
}

let fusedEnabled = true;
/** Benches and tests compare the two paths on WebGPU; the app always leaves this on. */
export function setFusedDecoding(on: boolean): void {
  fusedEnabled = on;
}

/** A stepper for rows = cond's batch and `maxLen` columns. */
export async function createStepper(lm: Lm, cond: LmCondition, maxLen: number): Promise<Stepper> {
  const R = cond.textMask.shape[0];
  const { codebooks: K, card } = lm.config;
  if (fusedEnabled && fusedUnsupported(lm, R, maxLen) === null) {
    try {
      const fused = await FusedStep.create(lm, cond, maxLen);
      return {
        kind: 'fused',
        async feed(cols, L) {
          let from = 0;
          if (L > 1 && fused.length === 0) { // a prompt: its columns but the last in one batched pass
            const head = new Int32Array(R * K * (L - 1)); // [R, K, L - 1]
            for (let rq = 0; rq < R * K; rq++) head.set(cols.subarray(rq * L, rq * L + L - 1), rq * (L - 1));
            await fused.prefill(head, L - 1);
            from = L - 1;
          }
          let out: Float32Array | null = null;
          const col = new Int32Array(R * K); // [R, K]
          for (let l = from; l < L; l++) {
            for (let i = 0; i < R * K; i++) col[i] = cols[i * L + l];
            out = await fused.column(col, l === L - 1);
          }
          return out!;
        },
        dispose: () => fused.dispose(),
      };
    } catch (e) {
      console.warn('fused WebGPU step unavailable, using tfjs ops:', e);
    }
  }
  const cache = createCache(lm, cond, maxLen);
  return {
    kind: cache.layout,
    async feed(cols, L) {
      const input = tf.tensor3d(cols, [R, K, L], 'int32'); // [R, K, L]
      let last: tf.Tensor;
      try {
        const logits = extend(lm, input, cache); // [R, K, L, card]
        last = tf.tidy(() => logits.slice([0, 0, L - 1, 0], [R, K, 1, card]).reshape([R, K, card])); // [R, K, card]
        logits.dispose();
      } finally {
        input.dispose(); // also when the cache is full or the backend fails
      }
      try {
        return (await last.data()) as Float32Array;
      } finally {
        last.dispose();
      }
    },
    dispose: () => disposeCache(cache),
  };
}
