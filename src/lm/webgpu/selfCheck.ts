/**
 * A numerical self-test of the fused step on this GPU and driver: a few seeded columns (batch 2,
 * one padded text row) through the fused step and through tfjs's own WebGPU ops (cache.ts
 * 'static'). The engine runs it once per pack load on WebGPU and turns the fused step off when the
 * two disagree: a wrong kernel on some driver then costs speed, never a take that is noise.
 */
import * as tf from '@tensorflow/tfjs';
import { createCache, disposeCache, extend } from '../cache';
import type { Lm } from '../model';
import { FusedStep, fusedUnsupported } from './fusedStep';

export interface FusedCheck { columns: number; maxDiff: number; peak: number }

/** Tolerance: float32 kernels that sum in another order differ by ~1e-6 of the logits' peak; a broken one by far more. */
export const FUSED_TOLERANCE = 1e-3;

/** Compare the fused step with tfjs's ops over `columns` seeded columns. Null when the fused step does not apply here. */
export async function compareFused(lm: Lm, columns = 3): Promise<FusedCheck | null> {
  const { codebooks: K, card, textDim } = lm.config;
  const R = 2;
  if (fusedUnsupported(lm, R, columns) !== null) return null;
  const textStates = tf.randomNormal([R, 4, textDim], 0, 1, 'float32', 17) as tf.Tensor3D; // [2, 4, textDim]
  const textMask = tf.tensor2d([[1, 1, 1, 1], [1, 1, 0, 0]]); // [2, 4]
  const cond = { textStates, textMask };
  const cache = createCache(lm, cond, columns, 'static');
  let fused: FusedStep | null = null;
  let maxDiff = 0;
  let peak = 0;
  try {
    fused = await FusedStep.create(lm, cond, columns);
    for (let s = 0; s < columns; s++) {
      const col = new Int32Array(R * K).map((_, i) => (i * 577 + s * 131 + 3) % (card + 1)); // [R, K], the special token included
      const got = (await fused.column(col, true))!;
      const input = tf.tensor3d(col, [R, K, 1], 'int32');
      const ref = extend(lm, input, cache); // [R, K, 1, card]
      const want = (await ref.data()) as Float32Array;
      tf.dispose([input, ref]);
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(got[i] - want[i]);
        maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
        peak = Math.max(peak, Math.abs(want[i]));
      }
    }
  } finally {
    fused?.dispose();
    disposeCache(cache);
    tf.dispose([textStates, textMask]);
  }
  return { columns, maxDiff, peak };
}

/** True when a comparison shows the fused step is wrong here. */
export const fusedDisagrees = (c: FusedCheck): boolean => !(c.maxDiff <= FUSED_TOLERANCE * Math.max(c.peak, 1e-6));
