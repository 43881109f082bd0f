import { DEFAULT_MAX_TOKENS } from '../../src/text/tokenizer.ts';
import { buildTextEncoder, STUDIO_T5_SEED } from './textEncoder.ts';
import { buildStudioTokenizer } from './textTokenizer.ts';

/**
 * Everything the bundled pack needs for text conditioning, for scripts/build-pack.ts:
 * write `tokenizer` as tokenizer.json and `encoder` as text_encoder.onnx, and put the numbers in the
 * manifest's text section (suggested shape: `text: { encoder: 'text_encoder', tokenizer: 'tokenizer',
 * hiddenSize, maxTokens }`, where encoder/tokenizer name entries of `files`). Deterministic bytes.
 */
export interface StudioTextPack {
  tokenizer: Uint8Array;
  encoder: Uint8Array;
  /** D of last_hidden_state. */
  hiddenSize: number;
  /** Token cap including </s>. */
  maxTokens: number;
  vocabSize: number;
}

export function buildStudioTextPack(seed = STUDIO_T5_SEED): StudioTextPack {
  const json = buildStudioTokenizer();
  const vocabSize = json.model.vocab.length;
  const { bytes, config } = buildTextEncoder(vocabSize, seed);
  return {
    tokenizer: new TextEncoder().encode(JSON.stringify(json)),
    encoder: bytes,
    hiddenSize: config.dModel,
    maxTokens: DEFAULT_MAX_TOKENS,
    vocabSize,
  };
}
