/** The MusicGen language model: delay pattern, config, decoder, KV cache, weights, sampling, generation, loss. */
export { buildDelayed, delayedLayout, firstStepWithTimestep, revertDelayed, validTargetMask, type DelayedSequence } from './delayPattern';
export { fromHfConfig, parseLmConfig, type LmConfig } from './config';
export { disposeLm, encodeCondition, forward, sinusoidTable, type Lm, type LmCondition, type LowRank } from './model';
export {
  blockTargets, createLora, DEFAULT_LORA_ALPHA, DEFAULT_LORA_RANK, defaultTargets, disposeLora, isLora, LORA_TARGETS, loraNames, loraParamCount,
  mergedLora, mergeLora, resolveLoraConfig, unmergeLora, withLora, type Lora, type LoraConfig, type LoraPair, type LoraTarget, type MergeOptions,
} from './lora';
export { LORA_FORMAT_VERSION, loadLora, loadPeftLora, loraFromTensors, saveLora } from './loraFile';
export { parsePeftConfig, peftToStudio, type PeftImport, type PeftLoraSettings } from './peftConfig';
export { availableGroups, groupTargets, LORA_GROUPS, targetsOfGroups, type LoraGroup } from './loraTargets';
export { createCache, disposeCache, extend, step, type KvCache } from './cache';
export { initLm, lmFromTensors, loadLm, POSITIONS_NAME, saveLm } from './weights';
export { readSafetensors, writeSafetensors } from './safetensors';
export { cfgCombine, DEFAULT_SAMPLING, sampleToken, type SamplingOptions } from './sampling';
export { generate, warmUp, type GenerateOptions, type StepInfo } from './generate';
export { generateLong, type LongGenerateOptions } from './generateLong';
export { windowPlan, windowSeed, type Window, type WindowSpec } from './windows';
export { alignDelayedLogits, maskedCrossEntropy } from './loss';
export * from './train';
