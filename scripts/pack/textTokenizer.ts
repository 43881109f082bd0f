import { SUFFIXES, studioWords } from './textWords.ts';

/**
 * The bundled pack's `tokenizer.json`, in the Hugging Face format of the T5 tokenizer (SentencePiece
 * Unigram, `<pad>`=0, `</s>`=1, `<unk>`=2, `</s>` appended by a TemplateProcessing post-processor,
 * Metaspace `▁` word-start marker), built deterministically from code.
 *
 * Vocabulary, in id order: the 3 specials; `▁`; single characters (printable ASCII without capitals,
 * Latin accented letters, Greek and Cyrillic lower case, common typographic marks) so any such text
 * has a spelling without `<unk>`; `▁`+letter/digit; subword suffixes; then the music word list as
 * `▁word` pieces. Scores (log-probs) make one whole-word piece (-5..-7) beat any split (each extra
 * piece costs at least -8), and a known suffix beat single characters (-10).
 *
 * Normalizer: NFKC (as T5's precompiled SentencePiece charsmap does) then Lowercase. Lower-casing is
 * a choice of this small pack (T5 itself is cased): it halves the vocabulary and makes "Piano" and
 * "piano" the same token for a model that never learned that they mean the same.
 */
export const SPECIALS = ['<pad>', '</s>', '<unk>'] as const;
export const META = '\u2581';

const SCORE = { word: [-5, -7], prefixedChar: -7.5, suffix: -8, meta: -9, char: -10, rareChar: -11 } as const;

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));
}

/** Characters that get a piece of their own. Capitals are absent: the normalizer lower-cases first. */
export function studioChars(): { common: string[]; rare: string[] } {
  const ascii = range(0x21, 0x7e).filter((c) => c.toLowerCase() === c);
  const latin1 = range(0xdf, 0xff).filter((c) => c !== '\u00f7');
  const latinExtA = range(0x100, 0x17f).filter((c) => c.toLowerCase() === c && c.normalize('NFKC') === c);
  const greek = range(0x3b1, 0x3c9);
  const cyrillic = [...range(0x430, 0x44f), '\u0451', '\u0456', '\u0457', '\u0454', '\u0491'];
  const marks = [...'\u2018\u2019\u201c\u201d\u2013\u2014\u2022\u00b0\u00d7\u00b7\u2044\u266a\u266b\u266f\u266d\u266e\u20ac\u00a3\u00a5\u00a2\u00a7\u00bf\u00a1\u00ab\u00bb'];
  return { common: [...ascii, ...latin1], rare: [...latinExtA, ...greek, ...cyrillic, ...marks] };
}

export interface TokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: object[];
  normalizer: object;
  pre_tokenizer: object;
  post_processor: object;
  decoder: object;
  model: { type: 'Unigram'; unk_id: number; byte_fallback: boolean; vocab: [string, number][] };
}

/** The vocabulary as [piece, score] in id order; a piece listed twice keeps its first id and best score. */
export function studioVocab(): [string, number][] {
  const order: string[] = [];
  const score = new Map<string, number>();
  const add = (piece: string, s: number) => {
    const old = score.get(piece);
    if (old === undefined) order.push(piece);
    score.set(piece, old === undefined ? s : Math.max(old, s));
  };
  for (const s of SPECIALS) add(s, 0);
  add(META, SCORE.meta);
  const { common, rare } = studioChars();
  for (const c of common) add(c, SCORE.char);
  for (const c of rare) add(c, SCORE.rareChar);
  for (const c of [...'abcdefghijklmnopqrstuvwxyz0123456789']) add(META + c, SCORE.prefixedChar);
  for (const s of SUFFIXES) add(s, SCORE.suffix);
  const words = studioWords();
  const [hi, lo] = SCORE.word;
  words.forEach((w, i) => add(META + w, round6(hi + ((lo - hi) * i) / Math.max(1, words.length - 1))));
  return order.map((p) => [p, score.get(p)!]);
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The complete tokenizer.json object (JSON.stringify it for the pack; the key order is fixed). */
export function buildStudioTokenizer(): TokenizerJson {
  const vocab = studioVocab();
  const special = (content: string, id: number) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  });
  const seq = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
  const eos = { SpecialToken: { id: '</s>', type_id: 0 } };
  const metaspace = { type: 'Metaspace', replacement: META, prepend_scheme: 'always', split: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((s, i) => special(s, i)),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, metaspace] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [seq('A'), eos],
      pair: [seq('A'), eos, seq('B'), eos],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 2, byte_fallback: false, vocab },
  };
}

/** UTF-8 bytes of the pack file. */
export function studioTokenizerBytes(): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(buildStudioTokenizer()));
}
