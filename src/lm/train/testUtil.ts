/** Shared fixtures for the training tests: a tiny LM config and random clips. */
import { gaussian, mulberry32 } from '../../util/rng';
import { parseLmConfig, type LmConfig } from '../config';
import type { TrainClip } from './batches';

export const tinyTrainConfig = (over: Partial<LmConfig> = {}): LmConfig =>
  parseLmConfig({ dim: 32, layers: 1, heads: 2, ffn: 64, codebooks: 2, card: 16, textDim: 8, maxPositions: 64, ...over });

/** A clip of random codes [K, frames] and random caption states [tokens, textDim] (null when tokens = 0). */
export function randomClip(name: string, seed: number, frames: number, cfg: LmConfig, tokens = 3): TrainClip {
  const rand = mulberry32(seed);
  const codes = Int32Array.from({ length: cfg.codebooks * frames }, () => Math.floor(rand() * cfg.card));
  const text = tokens > 0 ? { states: Float32Array.from({ length: tokens * cfg.textDim }, () => gaussian(rand)), tokens } : null;
  return { name, caption: tokens > 0 ? `caption ${name}` : '', codes, frames, text };
}
