import { describe, expect, it } from 'vitest';
import { pitchClassOf } from '../corpus/theory';
import { EXAMPLE_PROMPTS, KEY_EXAMPLES } from './examples';

describe('example prompts', () => {
  it('carry the key their text names, and only those that name one', () => {
    expect(KEY_EXAMPLES.length).toBeGreaterThan(0);
    for (const e of EXAMPLE_PROMPTS) {
      const named = /\b([A-G](?:#|b)?) (major|minor)\b/.exec(e.text);
      expect(e.key ? { tonic: e.key.tonic, mode: e.key.mode } : null).toEqual(named ? { tonic: named[1], mode: named[2] } : null);
      if (e.key) expect(pitchClassOf(e.key.tonic)).toBeGreaterThanOrEqual(0);
    }
  });
});
