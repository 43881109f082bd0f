import { StudioError } from '../errors/StudioError';
import { int64, outputOf, type SessionRunner, type TensorMap } from '../runtime/sessionRunner';
import { DEFAULT_PROMPT_CACHE_SIZE, PromptCache } from './promptCache';

/** Encoded text for one prompt: the LM's cross-attention memory. */
export interface TextCondition {
  /** last_hidden_state rows, [s, d] row-major. */
  states: Float32Array;
  /** 1 for a real token, 0 for padding / the null condition; [s]. */
  mask: Int32Array;
  dims: { s: number; d: number };
}

function pick(names: readonly string[], wanted: string, role: string): string {
  if (names.includes(wanted)) return wanted;
  if (names.length === 1) return names[0];
  throw new StudioError('MODEL_INTERFACE', `the text encoder graph has no ${role} "${wanted}" (it has: ${names.join(', ')})`);
}

/**
 * The null condition (empty prompt, and the unconditional half of classifier-free guidance): one
 * all-zero row with mask 0. HF MusicGen uses zeros + zero mask; audiocraft zeroes the masked rows.
 * Either way cross-attention to it is exactly zero (no k/v bias, every key masked or zero), so one
 * row is enough; `padCondition` widens it to the conditional prompt's length when the two are batched.
 */
export function nullCondition(d: number): TextCondition {
  return { states: new Float32Array(d), mask: new Int32Array(1), dims: { s: 1, d } };
}

/** `c` extended with zero rows (mask 0) to `s` rows, for batching prompts of different lengths. */
export function padCondition(c: TextCondition, s: number): TextCondition {
  if (s < c.dims.s) throw new StudioError('INTERNAL', `cannot pad a ${c.dims.s}-token condition to ${s}`);
  const states = new Float32Array(s * c.dims.d);
  states.set(c.states);
  const mask = new Int32Array(s);
  mask.set(c.mask);
  return { states, mask, dims: { s, d: c.dims.d } };
}

const copy = (c: TextCondition): TextCondition => ({ states: c.states.slice(), mask: c.mask.slice(), dims: { ...c.dims } });

/**
 * The T5 encoder interface over an injected session: `input_ids` int64 [B,S] and `attention_mask`
 * int64 [B,S] -> `last_hidden_state` float32 [B,S,D] (t5-base encoder exports and Hugging Face
 * musicgen `text_encoder.onnx` use exactly these names). Names are read from the session;
 * `hiddenSize` (D) comes from the manifest and is checked against every output.
 * Results are cached per token sequence (LRU), so repeated prompts cost nothing.
 */
export class T5Encoder {
  private readonly idsIn: string;
  private readonly maskIn: string | null;
  private readonly out: string;
  private readonly cache: PromptCache<Promise<TextCondition>>;

  constructor(private readonly session: SessionRunner, readonly hiddenSize: number, cacheSize = DEFAULT_PROMPT_CACHE_SIZE) {
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new StudioError('INTERNAL', `text hidden size must be a positive integer, got ${hiddenSize}`);
    const inputs = session.inputNames;
    this.maskIn = inputs.includes('attention_mask') ? 'attention_mask' : null;
    this.idsIn = pick(inputs.filter((n) => n !== 'attention_mask'), 'input_ids', 'input');
    const extra = inputs.filter((n) => n !== this.idsIn && n !== this.maskIn);
    if (extra.length) throw new StudioError('MODEL_INTERFACE', `the text encoder graph has unexpected inputs: ${extra.join(', ')}`);
    this.out = pick(session.outputNames, 'last_hidden_state', 'output');
    this.cache = new PromptCache(cacheSize);
  }

  /** Token ids (with `</s>`, from the tokenizer) -> hidden states [S, D]. [] -> the null condition. */
  async encode(ids: readonly number[], opts: { signal?: AbortSignal } = {}): Promise<TextCondition> {
    opts.signal?.throwIfAborted();
    if (ids.length === 0) return nullCondition(this.hiddenSize);
    for (const id of ids) {
      if (!Number.isSafeInteger(id) || id < 0) throw new StudioError('INTERNAL', `token id ${id} is not a non-negative integer`);
    }
    const key = ids.join(',');
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.run(ids);
      this.cache.set(key, pending);
      pending.catch(() => { if (this.cache.get(key) === pending) this.cache.delete(key); });
    }
    const result = await pending;
    opts.signal?.throwIfAborted();
    return copy(result);
  }

  /** Number of prompts held in the cache. */
  get cached(): number {
    return this.cache.size;
  }

  release(): Promise<void> {
    this.cache.clear();
    return this.session.release();
  }

  private async run(ids: readonly number[]): Promise<TextCondition> {
    const S = ids.length;
    const D = this.hiddenSize;
    const feeds: TensorMap = { [this.idsIn]: int64(BigInt64Array.from(ids, (v) => BigInt(v)), [1, S]) };
    if (this.maskIn) feeds[this.maskIn] = int64(new BigInt64Array(S).fill(1n), [1, S]);
    const out = outputOf(await this.session.run(feeds), this.out, 'float32');
    const [b, s, d] = out.dims;
    if (out.dims.length !== 3 || b !== 1 || s !== S || d !== D) {
      throw new StudioError('MODEL_INTERFACE', `text encoder returned ${this.out} [${out.dims.join(', ')}], expected [1, ${S}, ${D}]`);
    }
    for (const v of out.data) if (!Number.isFinite(v)) throw new StudioError('MODEL_INTERFACE', 'text encoder produced NaN or infinite values');
    return { states: out.data.slice(), mask: new Int32Array(S).fill(1), dims: { s: S, d: D } };
  }
}
