import { Tokenizer } from '@huggingface/tokenizers';
import { StudioError } from '../errors/StudioError';

/**
 * Prompt -> token ids, from a Hugging Face `tokenizer.json` (T5: SentencePiece Unigram, `</s>` appended),
 * run by @huggingface/tokenizers (pure JS, no dependencies, Node and browser).
 *
 * Cap: 128 tokens including `</s>` by default (the manifest may set another). MusicGen prompts are short,
 * but MusicCaps-style descriptive captions run 40-80 words (up to ~100 T5 tokens); 128 keeps nearly all
 * of them whole while bounding the encoder's and the LM's cross-attention cost. Longer prompts keep their
 * first tokens and still end with `</s>` (as HF truncation does), and report `truncated`.
 */
export const DEFAULT_MAX_TOKENS = 128;

export interface TokenizedPrompt {
  /** Token ids including the tokenizer's special tokens (`</s>` for T5). [] = the null condition. */
  ids: number[];
  /** Part of the prompt was dropped (over the token cap, or an extremely long paste). */
  truncated: boolean;
}

export interface TextTokenizer {
  readonly maxTokens: number;
  readonly vocabSize: number;
  encode(text: string): TokenizedPrompt;
  /** The vocabulary pieces of `ids` (for display and tests). */
  pieces(ids: readonly number[]): string[];
}

// Format and invisible characters (\p{Cf}: zero-width joiners, bidi marks, BOM, soft hyphen, tag chars),
// controls, lone surrogates, private use, and emoji (+ variation selectors, skin tones, keycaps, flags).
// Whitespace controls become spaces first. T5 has no pieces for emoji: they would only be <unk>.
const WHITESPACE = /\s+/gu;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\uFE00-\uFE0F\u20E3]/gu;
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\u{1F1E6}-\u{1F1FF}]/gu;

/**
 * Normalises a raw prompt: bounded length first (a pasted novel costs nothing), then control/format
 * characters and emoji removed, special-token strings removed (typing "</s>" must not inject an EOS),
 * whitespace collapsed and trimmed, and finally cut to `maxChars` at a word boundary if possible.
 */
export function cleanPrompt(raw: string, maxChars: number, specials: readonly string[] = []): { text: string; cut: boolean } {
  let cut = false;
  let text = raw;
  const rawCap = maxChars * 4;
  if (text.length > rawCap) {
    cut = /\S/u.test(text.slice(rawCap, rawCap + 100_000)) || text.length > rawCap + 100_000;
    text = text.slice(0, rawCap);
  }
  text = text.replace(WHITESPACE, ' ').replace(INVISIBLE, '').replace(EMOJI, ' ');
  for (const s of specials) if (s) text = text.split(s).join(' ');
  text = text.replace(WHITESPACE, ' ').trim();
  if (text.length > maxChars) {
    cut = true;
    const space = text.lastIndexOf(' ', maxChars);
    text = text.slice(0, space > maxChars - 32 ? space : maxChars).trimEnd();
  }
  return { text, cut };
}

function obj(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new StudioError('MODEL_INTERFACE', `tokenizer.json: ${what} is not an object`);
  return x as Record<string, unknown>;
}

/** Loads a parsed `tokenizer.json`. Throws MODEL_INTERFACE if it is not a usable tokenizer. */
export function loadTokenizer(json: unknown, opts: { maxTokens?: number } = {}): TextTokenizer {
  const maxTokens = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 2) throw new StudioError('INTERNAL', `maxTokens must be an integer >= 2, got ${maxTokens}`);
  const spec = obj(json, 'the file');
  obj(spec.model, 'model');
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(spec, {});
  } catch (e) {
    throw new StudioError('MODEL_INTERFACE', `tokenizer.json could not be loaded: ${(e as Error).message}`);
  }
  const added = Array.isArray(spec.added_tokens) ? spec.added_tokens : [];
  const specials = added
    .map((t) => (typeof t === 'object' && t !== null ? (t as Record<string, unknown>) : {}))
    .filter((t) => t.special === true && typeof t.content === 'string')
    .map((t) => t.content as string);
  const vocab = tok.get_vocab(true);
  // Their ids never come from typed text: a normaliser can still turn "</S>" or a full-width "＜/s＞" into them.
  const specialIds = new Set(specials.map((s) => vocab.get(s)).filter((id): id is number => id !== undefined));
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);

  // Specials the post-processor puts around a sequence: compare one probe with and without them.
  const bare = tok.encode('a', { add_special_tokens: false }).ids;
  const full = tok.encode('a').ids;
  const at = full.findIndex((_, i) => bare.every((b, j) => full[i + j] === b));
  if (bare.length === 0 || at < 0) throw new StudioError('MODEL_INTERFACE', 'tokenizer.json: cannot locate the text between its special tokens');
  const prefix = full.slice(0, at);
  const suffix = full.slice(at + bare.length);
  const room = maxTokens - prefix.length - suffix.length;
  if (room < 1) throw new StudioError('INTERNAL', `maxTokens ${maxTokens} leaves no room beside ${prefix.length + suffix.length} special tokens`);
  // Pieces are rarely longer than 16 characters, so text beyond room * 16 characters cannot fit anyway.
  const maxChars = room * 16;

  return {
    maxTokens,
    vocabSize,
    encode(text: string): TokenizedPrompt {
      const clean = cleanPrompt(String(text ?? ''), maxChars, specials);
      if (clean.text === '') return { ids: [], truncated: clean.cut };
      const body = tok.encode(clean.text, { add_special_tokens: false }).ids.filter((id) => !specialIds.has(id));
      if (body.length === 0) return { ids: [], truncated: clean.cut };
      const truncated = clean.cut || body.length > room;
      return { ids: [...prefix, ...body.slice(0, room), ...suffix], truncated };
    },
    pieces(ids: readonly number[]): string[] {
      return ids.map((id) => tok.id_to_token(id) ?? '<?>');
    },
  };
}
