/**
 * One optimisation step: teacher-forced forward on the delayed input, masked cross-entropy
 * (mean over codebooks, loss.ts), gradients of every LM variable (or, given a LoRA, of its
 * adapter matrices only: the base weights are read, never differentiated), global-norm
 * clipping, AdamW. Blocks may recompute their activations in the backward pass (recompute.ts), so
 * a step holds one block's intermediates at a time.
 * The loss and the norm are read back in one sync; a non-finite loss or norm skips the update,
 * so a NaN never reaches the weights. Every intermediate tensor is freed before returning.
 */
import * as tf from '@tensorflow/tfjs';
import { delayedCrossEntropy } from '../loss';
import { withLora, type Lora } from '../lora';
import { hiddenStates, type BlockRunner, type Lm } from '../model';
import { recomputeBlocks } from '../recompute';
import type { AdamW } from './adamw';
import type { Batch } from './batches';
import { clipByGlobalNorm } from './clip';

export interface StepResult {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** False when the loss or the norm was not finite and the update was skipped. */
  applied: boolean;
}

/** Masked CE of the model on a batch (differentiable; call inside a tidy or variableGrads). */
/** `runner`: how blocks run (recomputeBlocks keeps no activations for the backward pass). */
export function batchLoss(lm: Lm, batch: Batch, runner?: BlockRunner): tf.Scalar {
  const hidden = hiddenStates(lm, batch.input, batch.cond, runner); // [B, C + 1, d]
  return delayedCrossEntropy(lm, hidden, batch.targets, batch.mask);
}

/**
 * `lora`: train only its matrices (`opt` must be built over `lora.named`); `lm` stays frozen.
 * `recompute`: recompute block activations in the backward pass (less memory, ~20% more time).
 */
export async function trainStep(lm: Lm, opt: AdamW, batch: Batch, lr: number, clipNorm: number, lora?: Lora, recompute = true): Promise<StepResult> {
  const params = lora ? lora.named : lm.named; // what gets gradients
  const model = lora ? withLora(lm, lora, { step: opt.t + 1 }) : lm; // the step numbers LoRA dropout's masks (restored on resume)
  const all = [...params];
  const { value, grads } = tf.variableGrads(() => batchLoss(model, batch, recompute ? recomputeBlocks : undefined), all.map(([, v]) => v));
  const names = all.filter(([, v]) => grads[v.name]).map(([n]) => n); // a variable the loss never touches has no gradient
  const raw = names.map((n) => grads[params.get(n)!.name]);
  const clipped = clipByGlobalNorm(raw, clipNorm);
  tf.dispose(Object.values(grads));
  const stats = tf.stack([value, clipped.norm]);
  let loss = NaN;
  let gradNorm = NaN;
  try {
    [loss, gradNorm] = (await stats.data()) as Float32Array;
    const applied = Number.isFinite(loss) && Number.isFinite(gradNorm);
    if (applied) opt.step(new Map(names.map((n, i) => [n, clipped.grads[i]])), lr);
    return { loss, gradNorm, applied };
  } finally {
    tf.dispose([value, stats, clipped.norm, ...clipped.grads]);
  }
}

/** Loss without gradients (validation). */
export async function evalLoss(lm: Lm, batch: Batch): Promise<number> {
  const loss = tf.tidy(() => batchLoss(lm, batch));
  try {
    return (await loss.data())[0];
  } finally {
    loss.dispose();
  }
}
