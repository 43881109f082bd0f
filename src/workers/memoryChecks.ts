// The engine's memory checks before it starts work: OUT_OF_MEMORY with what fits instead.
import { StudioError } from '../errors/StudioError';
import type { LmConfig } from '../lm/config';
import { loraParamCount } from '../lm/lora';
import { estimateTraining, type TrainingShape } from '../lm/memory';
import { takeBytes, type LmInfo } from './protocol';

const MB = (b: number) => `${Math.ceil(b / 2 ** 20)} MB`;

/** OUT_OF_MEMORY, saying what fits, when a take of `seconds` would not fit the budget; null when it does. */
export function memoryShortfall(lm: Pick<LmInfo, 'memory' | 'window'>, seconds: number, backend: string): StudioError | null {
  const mem = lm.memory;
  const need = takeBytes(lm, seconds);
  if (need <= mem.budgetBytes) return null;
  const fits = mem.fitSeconds >= 1 ? `takes up to ${mem.fitSeconds} s fit` : 'not even the model\'s weights fit';
  return new StudioError('OUT_OF_MEMORY', `a ${seconds} s take needs about ${MB(need)} for the language model on ${backend}; about ${MB(mem.budgetBytes)} is available here, so ${fits}.`);
}

/**
 * How a training run fits the budget: plainly when it can (faster), else recomputing block
 * activations in the backward pass (recompute.ts). Throws OUT_OF_MEMORY, with what would fit,
 * when neither does.
 */
export function planTrainingMemory(cfg: LmConfig, run: Omit<TrainingShape, 'recompute'>, budgetBytes: number, backend: string): { recompute: boolean } {
  const fits = (s: TrainingShape) => estimateTraining(cfg, s).totalBytes <= budgetBytes;
  if (fits({ ...run, recompute: false })) return { recompute: false };
  const shape = { ...run, recompute: true };
  if (fits(shape)) return { recompute: true };
  const need = estimateTraining(cfg, shape).totalBytes;
  const lean = { ...shape, batch: 1, cropFrames: Math.min(shape.cropFrames, 50) }; // one 1 s crop
  const lora = { ...shape, method: 'lora' as const, trainableParams: loraParamCount(cfg) };
  const advice = shape.method === 'full' && fits(lora) ? 'Train LoRA adapters instead (Method: LoRA).'
    : fits(lean) ? 'Use fewer crops per step or shorter crops (Advanced).'
      : shape.method === 'full' && fits({ ...lora, batch: 1, cropFrames: lean.cropFrames }) ? 'Train LoRA adapters (Method: LoRA) with one short crop per step (Advanced).'
        : 'Even one 1 s crop per step does not fit; a backend with more memory is needed.';
  const what = shape.method === 'full' ? 'A full fine-tune of this model' : 'LoRA training of this model';
  const crops = `${shape.batch} crop${shape.batch === 1 ? '' : 's'} of ${shape.cropFrames} frames`;
  throw new StudioError('OUT_OF_MEMORY', `${what} with ${crops} per step needs about ${MB(need)} on ${backend}; about ${MB(budgetBytes)} is available here. ${advice}`);
}
