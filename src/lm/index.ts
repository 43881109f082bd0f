/** The MusicGen language model: delay pattern, config, decoder, KV cache, weights, sampling, generation, loss. */
export { buildDelayed, delayedLayout, firstStepWithTimestep, revertDelayed, validTargetMask, type DelayedSequence } from './delayPattern';
export { fromHfConfig, parseLmConfig, type LmConfig } from './config';
export { disposeLm, encodeCondition, forward, sinusoidTable, type Lm, type LmCondition } from './model';
export { createCache, disposeCache, extend, step, type KvCache } from './cache';
export { initLm, lmFromTensors, loadLm, saveLm } from './weights';
export { readSafetensors, writeSafetensors } from './safetensors';
export { cfgCombine, DEFAULT_SAMPLING, sampleToken, type SamplingOptions } from './sampling';
export { generate, warmUp, type GenerateOptions, type StepInfo } from './generate';
export { alignDelayedLogits, maskedCrossEntropy } from './loss';
export * from './train';
