import * as tf from '@tensorflow/tfjs';
import { disposeLm, initLm, saveLm, type LmConfig } from '../../src/lm/index.ts';

/**
 * The bundled pack's language model: a small MusicGen decoder (cross-attention to the bundled
 * T5 states) with seeded initial weights, stored as F16 safetensors with Hugging Face names.
 * It is untrained: it generates valid token streams (noise-like music) until a later pack
 * version ships pretrained weights.
 */
export function studioLmConfig(textDim: number, card: number, codebooks: number): LmConfig {
  return {
    dim: 128, layers: 2, heads: 2, ffn: 512, codebooks, card, textDim,
    maxPositions: 1504, // 30 s at 50 Hz + K columns of the delay pattern
    conditioning: 'cross', chromaBins: 0, dropout: 0, textMasking: 'hf', beatClock: false, keyChannel: false,
  };
}

export async function buildStudioLm(cfg: LmConfig, seed: number): Promise<Uint8Array> {
  await tf.setBackend('cpu');
  const lm = initLm(cfg, seed);
  try {
    return await saveLm(lm, { producer: 'musicgen-studio build-pack', seed: String(seed) }, 'F16');
  } finally {
    disposeLm(lm);
  }
}

/** The pack manifest's description, which says whether the LM is pretrained. */
export function packDescription(pretrained: boolean): string {
  const lm = pretrained ? "a MusicGen decoder pretrained on the repo's procedural corpus (scripts/pretrain.ts)" : 'a MusicGen decoder with seeded (untrained) weights';
  return `The bundled pack, built by scripts/build-pack.ts from code and seeds: an EnCodec-interface codec (STFT band energies + residual VQ), a T5-architecture text encoder with seeded weights, and ${lm}.`;
}
