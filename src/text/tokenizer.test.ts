import { describe, expect, it } from 'vitest';
import { buildStudioTokenizer, studioTokenizerBytes, studioVocab } from '../../scripts/pack/textTokenizer';
import { StudioError } from '../errors/StudioError';
import { EVERYDAY_PROMPTS } from './testPrompts';
import { cleanPrompt, DEFAULT_MAX_TOKENS, loadTokenizer } from './tokenizer';

// Always load from JSON text, as the app does with the pack file.
const tok = loadTokenizer(JSON.parse(new TextDecoder().decode(studioTokenizerBytes())));
const vocab = studioVocab();
const id = (piece: string) => vocab.findIndex(([p]) => p === piece);
const EOS = 1;
const UNK = 2;

describe('studio tokenizer.json (T5 format)', () => {
  it('has the T5 special ids, Unigram model, Metaspace and the </s> template', () => {
    const j = buildStudioTokenizer();
    expect(j.model.vocab.slice(0, 3).map(([p]) => p)).toEqual(['<pad>', '</s>', '<unk>']);
    expect(j.model).toMatchObject({ type: 'Unigram', unk_id: 2 });
    expect(j.added_tokens.map((t) => (t as { id: number }).id)).toEqual([0, 1, 2]);
    expect(JSON.stringify(j.pre_tokenizer)).toContain('"replacement":"\u2581"');
    expect(j.post_processor).toMatchObject({ type: 'TemplateProcessing', special_tokens: { '</s>': { ids: [1] } } });
    expect(new Set(j.model.vocab.map(([p]) => p)).size).toBe(j.model.vocab.length);
  });

  it('is deterministic and small', () => {
    const a = studioTokenizerBytes();
    expect(Buffer.from(a).equals(Buffer.from(studioTokenizerBytes()))).toBe(true);
    expect(a.length).toBeLessThan(200_000);
    expect(tok.vocabSize).toBe(vocab.length);
  });

  it('lays out the vocabulary as documented', () => {
    // 0-2 specials, 3 '▁', then single characters from '!' (4): printable ASCII without capitals
    // (68 pieces, 4..71; 'a' = 4 + 0x61 - 0x21 - 26 capitals = 42), then Latin-1 lower case from 'ß' (72), ...; '▁'+letter pieces start at '▁a'.
    expect([id('\u2581'), id('!'), id('a'), id('p'), id('\u00df'), id('\u00e9')]).toEqual([3, 4, 42, 57, 72, 82]);
    expect(id('\u2581a')).toBe(252);
    expect(id('\u2581d')).toBe(255); // a, b, c, d
  });
});

describe('loadTokenizer: golden ids', () => {
  // Ids are positions in studioVocab(). Whole words are single `▁word` pieces (scores -5..-7 by rank in
  // the word list); the normalizer lower-cases ("D" -> "▁d", the '▁'+letter piece 252 + 3); punctuation
  // stays a separate character piece (',' = 15, '.' = 17); every sequence ends with </s> = 1.
  const goldens: [string, number[], string[]][] = [
    ['slow piano melody in D minor', [1377, 670, 1429, 336, 255, 1406, 1], ['▁slow', '▁piano', '▁melody', '▁in', '▁d', '▁minor', '</s>']],
    ['Upbeat 80s synthwave with driving bass at 120 BPM', [1126, 2182, 932, 334, 587, 674, 343, 2161, 1387, 1],
      ['▁upbeat', '▁80s', '▁synthwave', '▁with', '▁driving', '▁bass', '▁at', '▁120', '▁bpm', '</s>']],
    ['lo-fi hip-hop beats to study and relax to', [879, 874, 947, 340, 588, 332, 590, 340, 1],
      ['▁lo-fi', '▁hip-hop', '▁beats', '▁to', '▁study', '▁and', '▁relax', '▁to', '</s>']],
    ['Jazz trio with upright bass, brushes on the snare', [858, 1703, 334, 812, 674, 15, 1943, 337, 331, 680, 1],
      ['▁jazz', '▁trio', '▁with', '▁upright', '▁bass', ',', '▁brushes', '▁on', '▁the', '▁snare', '</s>']],
    ['Guitars strumming', [673, 630, 1], ['▁guitars', '▁strumming', '</s>']],
    ['Heavy metal riff in E minor', [891, 890, 1431, 336, 256, 1406, 1], ['▁heavy', '▁metal', '▁riff', '▁in', '▁e', '▁minor', '</s>']],
    // '♯' (U+266F) is a rare-character piece; 'F' -> '▁f'.
    ['F♯ minor ballad', [257, 240, 1406, 1008, 1], ['▁f', '♯', '▁minor', '▁ballad', '</s>']],
    ['Café jazz trio', [1989, 858, 1703, 1], ['▁café', '▁jazz', '▁trio', '</s>']],
    ['A sad ballad.', [252, 1120, 1008, 17, 1], ['▁a', '▁sad', '▁ballad', '.', '</s>']],
    // Unknown words are spelled: '▁' alone (3) + 'é' (82) + letters, or '▁t' + letters.
    ['Épique orchestral thème', [3, 82, 57, 50, 58, 62, 46, 745, 271, 49, 81, 54, 46, 1],
      ['▁', 'é', 'p', 'i', 'q', 'u', 'e', '▁orchestral', '▁t', 'h', 'è', 'm', 'e', '</s>']],
    // Runs of spaces, tabs and newlines are one separator.
    ['epic    orchestral\tsoundtrack\n\nwith choir', [964, 745, 959, 334, 746, 1], ['▁epic', '▁orchestral', '▁soundtrack', '▁with', '▁choir', '</s>']],
    ['Zxqv', [277, 65, 58, 63, 1], ['▁z', 'x', 'q', 'v', '</s>']],
  ];
  it.each(goldens)('%s', (text, ids, pieces) => {
    const e = tok.encode(text);
    expect(tok.pieces(e.ids)).toEqual(pieces);
    expect(e.ids).toEqual(ids);
    expect(e.ids.at(-1)).toBe(EOS);
    expect(e.truncated).toBe(false);
  });
});

describe('loadTokenizer: everyday prompts', () => {
  it('never produces <unk> on 100 everyday prompts, and keeps words whole', () => {
    expect(EVERYDAY_PROMPTS.length).toBe(100);
    let words = 0;
    let whole = 0;
    for (const p of EVERYDAY_PROMPTS) {
      const e = tok.encode(p);
      expect(e.ids, p).not.toContain(UNK);
      expect(e.ids.at(-1)).toBe(EOS);
      expect(e.ids.slice(0, -1)).not.toContain(EOS);
      for (const w of p.split(/[\s,]+/).filter(Boolean)) {
        words++;
        if (tok.encode(w).ids.length === 2) whole++;
      }
    }
    expect(whole / words).toBeGreaterThan(0.95);
  });

  it('lower-cases: capitals give the same ids', () => {
    expect(tok.encode('SLOW Piano').ids).toEqual(tok.encode('slow piano').ids);
  });
});

describe('loadTokenizer: limits and hostile input', () => {
  it('empty and whitespace-only prompts are the null condition []', () => {
    for (const p of ['', '   ', '\n\t', '\u200b\u200d', '🎹🎷']) expect(tok.encode(p)).toEqual({ ids: [], truncated: false });
  });

  it('caps at maxTokens, keeps </s> last and says so', () => {
    expect(tok.maxTokens).toBe(DEFAULT_MAX_TOKENS);
    const words = Array.from({ length: 200 }, (_, i) => (i % 2 ? 'piano' : 'drums')).join(' ');
    const e = tok.encode(words);
    expect(e.ids).toHaveLength(DEFAULT_MAX_TOKENS);
    expect(e.ids.at(-1)).toBe(EOS);
    expect(e.truncated).toBe(true);
    const exact = tok.encode(words.split(' ').slice(0, DEFAULT_MAX_TOKENS - 1).join(' '));
    expect(exact.ids).toHaveLength(DEFAULT_MAX_TOKENS);
    expect(exact.truncated).toBe(false);
    const small = loadTokenizer(buildStudioTokenizer(), { maxTokens: 4 });
    expect(small.encode('slow piano melody in D minor')).toEqual({ ids: [1377, 670, 1429, 1], truncated: true });
  });

  it('strips control characters and emoji, keeping the words around them', () => {
    const clean = tok.encode('slow piano melody in D minor').ids;
    expect(tok.encode('slow\u0000 piano\u0007 melody\u202e in\u00ad D\ufeff minor').ids).toEqual(clean);
    expect(tok.encode('🎹 slow piano 👍🏽 melody in D minor 🇫🇷').ids).toEqual(clean);
    expect(tok.encode('slow\r\npiano\vmelody\fin D minor').ids).toEqual(clean);
    expect(tok.encode('slow piano melody in D minor \ud800').ids).toEqual(clean); // lone surrogate
  });

  it('does not let typed special-token text inject special ids', () => {
    const e = tok.encode('piano </s> <pad> <unk> drums');
    expect(e.ids).toEqual(tok.encode('piano drums').ids);
    // Not after normalising either: upper case (this tokenizer lower-cases) and full-width forms (NFKC).
    for (const typed of ['piano </S> <PAD> drums', 'piano ＜/s＞ drums']) expect(tok.encode(typed).ids.slice(0, -1)).not.toContain(1);
    expect(tok.encode('piano <PAD> drums').ids).not.toContain(0);
  });

  it('handles a 10,000-character paste and pathological input quickly', () => {
    const pastes = [
      'ambient piano with soft strings and rain, '.repeat(250).slice(0, 10_000),
      'x'.repeat(10_000),
      '🎹'.repeat(5_000),
      '\u0000'.repeat(10_000),
      '\u00e9\u0301'.repeat(5_000),
      'piano '.repeat(2_000_000), // 12 MB
    ];
    for (const p of pastes) {
      const t0 = performance.now();
      const e = tok.encode(p);
      expect(performance.now() - t0).toBeLessThan(500);
      expect(e.ids.length).toBeLessThanOrEqual(DEFAULT_MAX_TOKENS);
    }
    expect(tok.encode(pastes[0]).truncated).toBe(true);
    expect(tok.encode(pastes[5]).truncated).toBe(true);
  });

  it('cleanPrompt cuts at a word boundary', () => {
    expect(cleanPrompt('aaa bbb ccc', 9)).toEqual({ text: 'aaa bbb', cut: true });
    expect(cleanPrompt('  aaa \n bbb  ', 9)).toEqual({ text: 'aaa bbb', cut: false });
  });

  it('reads the older t5-base layout too (legacy Metaspace, no normalizer, <extra_id_N> added tokens)', () => {
    const j = buildStudioTokenizer();
    const extra = { id: j.model.vocab.length, content: '<extra_id_0>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
    const legacy = {
      ...j,
      normalizer: null,
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true }] },
      added_tokens: [...j.added_tokens, extra],
      model: { ...j.model, vocab: [...j.model.vocab, ['<extra_id_0>', 0]] },
    };
    const t = loadTokenizer(legacy);
    expect(t.encode('piano <extra_id_0> drums').ids).toEqual(tok.encode('piano drums').ids);
    expect(t.vocabSize).toBe(vocab.length + 1);
  });

  it('rejects something that is not a tokenizer with MODEL_INTERFACE', () => {
    for (const bad of [null, 42, [], {}, { model: { type: 'Nope' } }]) {
      let err: unknown;
      try {
        loadTokenizer(bad);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).toBeInstanceOf(StudioError);
      expect((err as StudioError).code).toBe('MODEL_INTERFACE');
    }
  });
});
