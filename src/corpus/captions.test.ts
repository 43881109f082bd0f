import { describe, expect, it } from 'vitest';
import { CAPTION_TEMPLATES, captionFrom, captionsFor } from './captions';
import { generatePiece } from './piece';
import type { PieceFacts } from './types';
import { INSTRUMENT_WORDS, keyWords, spelledKeyWords, tempoWords } from './words';

const pieces = Array.from({ length: 40 }, (_, seed) => generatePiece({ seed, seconds: 1 }).facts);

/** The caption names the key, the lead instrument and the tempo (number or a matching word). */
function mentionsFacts(caption: string, f: PieceFacts): boolean {
  const key = caption.includes(keyWords(f)) || caption.includes(spelledKeyWords(f));
  const lead = INSTRUMENT_WORDS[f.lead].some((w) => caption.includes(w));
  const tempo = new RegExp(`\\b${f.bpm}\\b`).test(caption) || tempoWords(f.bpm).some((w) => caption.includes(w));
  return key && lead && tempo;
}

describe('captions', () => {
  it('every template, train and held out, mentions the key, the lead instrument and the tempo', () => {
    for (const f of pieces) {
      for (const t of CAPTION_TEMPLATES) {
        const c = captionFrom(t.id, f);
        expect(mentionsFacts(c, f), `${t.id}: "${c}"`).toBe(true);
        expect(c).not.toMatch(/\s{2}|\ba [aeiou]|undefined|NaN/);
      }
    }
  });

  it('gives distinct phrasings per piece, deterministic from the seed, from the right split', () => {
    const heldOut = CAPTION_TEMPLATES.filter((t) => t.heldOut);
    expect(heldOut.length).toBeGreaterThanOrEqual(2);
    expect(CAPTION_TEMPLATES.length - heldOut.length).toBeGreaterThanOrEqual(5);
    for (const f of pieces) {
      const train = captionsFor(f, { count: 4 });
      expect(new Set(train).size).toBe(4);
      expect(captionsFor(f, { count: 4 })).toEqual(train);
      expect(captionsFor(f, { heldOut: true, count: 99 })).toHaveLength(heldOut.length);
    }
  });

  it('never uses held-out sentence shapes for training captions', () => {
    const heldOutOnly = [/in the key of/, / jam in /, /^I want /];
    for (const f of pieces) {
      for (const c of captionsFor(f, { count: 99 })) for (const re of heldOutOnly) expect(c).not.toMatch(re);
    }
  });

  it('reads like a prompt', () => {
    const f = generatePiece({ seed: 3, key: { tonic: 2, mode: 'minor' }, bpm: 66, parts: { melody: 'piano', bass: false, drums: false } }).facts;
    expect(captionFrom('tempo-lead-part', f)).toMatch(/^(slow|very slow) (acoustic piano|grand piano|piano) (melody|tune|lead melody) in D minor$/);
    expect(captionFrom('key-of-around', { ...f, tonic: 'Eb', mode: 'major' })).toContain('in the key of E flat major, around 66 beats per minute');
  });
});
