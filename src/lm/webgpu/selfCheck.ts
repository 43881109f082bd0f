/**
 * A numerical self-test of the fused step on this GPU and driver: a few seeded columns (batch 2,
 * one padded text row) through the fused step and through tfjs's own WebGPU ops (cache.ts
 * 'static'). The engine runs it once per pack load on WebGPU and turns the fused step off when the
 * two disagree: a wrong kernel on some driver then costs speed, never a take that is noise.
 */
import * as tf from '@tensorflow/tfjs';
import { clockAt, NO_CLOCK, withKey } from '../beatClock';
import { createCache, disposeCache, extend } from '../cache';
import type { Lm, LmCondition } from '../model';
import { maxDeviation } from '../../util/deviation';
import { FusedStep, fusedUnsupported } from './fusedStep';

export interface FusedCheck { columns: number; maxDiff: number; peak: number }

/** Tolerance: float32 kernels that sum in another order differ by ~1e-6 of the logits' peak; a broken one by far more. */
export const FUSED_TOLERANCE = 1e-3;

/**
 * The fused step against tfjs's ops, column by column: `columns` ([R, K] codes per step) under
 * `cond` (rows R), by default 3 seeded columns over a seeded batch of 2 with one padded text row
 * and one beat clock.
 * Null when the fused step does not apply here.
 */
export async function compareFused(lm: Lm, o: { cond?: LmCondition; columns?: Int32Array[] } = {}): Promise<FusedCheck | null> {
  const { codebooks: K, card, textDim } = lm.config;
  const own = o.cond ? null : { // [2, 4, textDim], row 1 padded in its last 2 tokens
    textStates: tf.randomNormal([2, 4, textDim], 0, 1, 'float32', 17) as tf.Tensor3D,
    textMask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 0, 0]]),
    beat: [withKey(clockAt(120, 50, 5), 14), NO_CLOCK], // row 0 with a beat clock and a key (used when the LM takes them)
  };
  const cond = (o.cond ?? own)!;
  const R = cond.textMask.shape[0];
  const columns = o.columns ?? [0, 1, 2].map((s) => new Int32Array(R * K).map((_, i) => (i * 577 + s * 131 + 3) % (card + 1))); // the special token included
  if (fusedUnsupported(lm, R, columns.length) !== null) {
    if (own) tf.dispose([own.textStates, own.textMask]);
    return null;
  }
  const cache = createCache(lm, cond, columns.length, 'static');
  let fused: FusedStep | null = null;
  let maxDiff = 0;
  let peak = 0;
  try {
    fused = await FusedStep.create(lm, cond, columns.length);
    for (const col of columns) {
      const got = (await fused.column(col, true))!; // [R, K, card]
      const input = tf.tensor3d(col, [R, K, 1], 'int32');
      const ref = extend(lm, input, cache); // [R, K, 1, card]
      const d = maxDeviation(got, (await ref.data()) as Float32Array);
      tf.dispose([input, ref]);
      maxDiff = Math.max(maxDiff, d.maxDiff);
      peak = Math.max(peak, d.peak);
    }
  } finally {
    fused?.dispose();
    disposeCache(cache);
    if (own) tf.dispose([own.textStates, own.textMask]);
  }
  return { columns: columns.length, maxDiff, peak };
}

/** True when a comparison shows the fused step is wrong here. */
export const fusedDisagrees = (c: FusedCheck): boolean => !(c.maxDiff <= FUSED_TOLERANCE * Math.max(c.peak, 1e-6));
