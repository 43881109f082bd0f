// What the engine tells the app about its LM: identity, size, window, and the memory a take needs.
import { defaultLayout } from '../lm/cache';
import { estimateGeneration, longestFitting, memoryBudget } from '../lm/memory';
import { DEFAULT_LORA_LR, DEFAULT_TRAIN_OPTIONS } from '../lm/train/options';
import { windowFrames, type Manifest } from '../packs/manifest';
import type { BackendName } from '../runtime/backend';
import { longestFrames } from './generateTake';
import type { LmInfo, LmMemory } from './protocol';
import { loraParamsPerRank, slotKind, type LmSlot } from './training';

/** The LM's memory needs and budget on `backend` (tfjs must already be on it: the cache layout follows it). */
function lmMemory(slot: LmSlot, manifest: Manifest, backend: BackendName, deviceMemoryGb: number | undefined): LmMemory {
  const cfg = slot.config;
  const shape = { rows: 2, textTokens: manifest.text?.maxTokens ?? 1, layout: defaultLayout() }; // rows: CFG
  const rate = manifest.codec.frameRate;
  const at = (frames: number) => estimateGeneration(cfg, frames, shape).totalBytes;
  const budgetBytes = memoryBudget(backend, deviceMemoryGb);
  const window = windowFrames(manifest.lm!, rate);
  const longest = longestFrames(slot.lm, rate, window);
  if (!window) return { fixedBytes: at(0), bytesPerSecond: at(rate) - at(0), budgetBytes, fitSeconds: Math.floor(longestFitting(cfg, budgetBytes, longest, shape) / rate) };
  // Sampled in windows, a take never holds more than one window in its KV cache: if a window fits, any length does.
  const fitFrames = longestFitting(cfg, budgetBytes, window.maxFrames, shape);
  const fitSeconds = Math.floor((fitFrames >= window.maxFrames ? longest : fitFrames) / rate);
  return { fixedBytes: at(0), bytesPerSecond: at(rate) - at(0), budgetBytes, fitSeconds, capSeconds: window.maxFrames / rate };
}

export function lmInfo(slot: LmSlot, manifest: Manifest, backend: BackendName, deviceMemoryGb: number | undefined): LmInfo {
  const params = [...slot.lm.named.values()].reduce((s, v) => s + v.size, 0);
  return {
    modelId: slot.modelId, modelName: slot.modelName, modelKind: slotKind(slot), params,
    loraParamsPerRank: loraParamsPerRank(slot.config),
    maxSeconds: Math.floor(longestFrames(slot.lm, manifest.codec.frameRate, windowFrames(manifest.lm!, manifest.codec.frameRate)) / manifest.codec.frameRate),
    memory: lmMemory(slot, manifest, backend, deviceMemoryGb),
    ...(manifest.lm!.window ? { window: { seconds: manifest.lm!.window.maxSeconds, contextSeconds: manifest.lm!.window.maxSeconds - manifest.lm!.window.extendStrideSeconds } } : {}),
    conditioning: slot.config.conditioning, defaults: manifest.lm!.defaults,
    trainLr: manifest.lm!.trainDefaults?.lr ?? { full: DEFAULT_TRAIN_OPTIONS.lr, lora: DEFAULT_LORA_LR },
  };
}
