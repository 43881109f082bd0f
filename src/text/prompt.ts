import type { T5Encoder, TextCondition } from './t5Encoder';
import type { TextTokenizer } from './tokenizer';

export interface EncodedPrompt extends TextCondition {
  ids: number[];
  truncated: boolean;
}

/** Prompt text -> token ids -> hidden states. An empty (or all-invisible) prompt gives the null condition. */
export async function encodePrompt(tokenizer: TextTokenizer, encoder: T5Encoder, text: string,
  opts: { signal?: AbortSignal } = {}): Promise<EncodedPrompt> {
  const { ids, truncated } = tokenizer.encode(text);
  return { ...(await encoder.encode(ids, opts)), ids, truncated };
}
