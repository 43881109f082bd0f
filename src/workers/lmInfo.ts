// What the engine tells the app about its LM: identity, size, window, and the memory a take needs.
import { defaultLayout } from '../lm/cache';
import { estimateGeneration, longestFitting, memoryBudget } from '../lm/memory';
import { DEFAULT_LORA_LR, DEFAULT_TRAIN_OPTIONS } from '../lm/train/options';
import type { WindowSpec } from '../lm/windows';
import { windowFrames, type Manifest } from '../packs/manifest';
import type { BackendName } from '../runtime/backend';
import { longestFrames } from './generateTake';
import type { LmInfo, LmMemory } from './protocol';
import { loraParamsPerRank, slotKind, type LmSlot } from './training';

/**
 * The LM's memory needs and budget on `backend` (tfjs must already be on it: the cache layout follows
 * it), for takes up to `longest` frames, sampled in `window`s when the pack has one.
 */
function lmMemory(slot: LmSlot, manifest: Manifest, backend: BackendName, deviceMemoryGb: number | undefined, longest: number, window?: WindowSpec): LmMemory {
  const cfg = slot.config;
  const shape = { rows: 2, textTokens: manifest.text?.maxTokens ?? 1, layout: defaultLayout() }; // rows: CFG
  const rate = manifest.codec.frameRate;
  const at = (frames: number) => estimateGeneration(cfg, frames, shape).totalBytes;
  const budgetBytes = memoryBudget(backend, deviceMemoryGb);
  // Sampled in windows, a take never holds more than one window in its KV cache: if a window fits, any length does.
  const fitFrames = longestFitting(cfg, budgetBytes, window?.maxFrames ?? longest, shape);
  const fits = window && fitFrames >= window.maxFrames ? longest : fitFrames;
  return { fixedBytes: at(0), bytesPerSecond: at(rate) - at(0), budgetBytes, fitSeconds: Math.floor(fits / rate) };
}

export function lmInfo(slot: LmSlot, manifest: Manifest, backend: BackendName, deviceMemoryGb: number | undefined): LmInfo {
  const params = [...slot.lm.named.values()].reduce((s, v) => s + v.size, 0);
  const rate = manifest.codec.frameRate;
  const window = windowFrames(manifest.lm!, rate);
  const longest = longestFrames(slot.lm, rate, window);
  return {
    modelId: slot.modelId, modelName: slot.modelName, modelKind: slotKind(slot), params,
    loraParamsPerRank: loraParamsPerRank(slot.config),
    maxSeconds: Math.floor(longest / rate),
    memory: lmMemory(slot, manifest, backend, deviceMemoryGb, longest, window),
    ...(window ? { window: { seconds: window.maxFrames / rate, contextSeconds: (window.maxFrames - window.strideFrames) / rate } } : {}),
    conditioning: slot.config.conditioning, beatClock: slot.config.beatClock, keyChannel: slot.config.keyChannel, defaults: manifest.lm!.defaults,
    trainLr: manifest.lm!.trainDefaults?.lr ?? { full: DEFAULT_TRAIN_OPTIONS.lr, lora: DEFAULT_LORA_LR },
  };
}
