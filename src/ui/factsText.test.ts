import { describe, expect, it } from 'vitest';
import type { AudioFacts } from '../eval/describe';
import { checkAsked, checkReconstruction, factsCaption, keyLabel, tempoLabel, withFacts } from './factsText';

const facts = (o: { tonic?: number; mode?: 'major' | 'minor'; clear?: boolean; or?: AudioFacts['key']['or']; bpm?: number; beat?: boolean } = {}): AudioFacts => ({
  key: { tonic: o.tonic ?? 2, mode: o.mode ?? 'minor', clear: o.clear ?? true, or: o.or ?? null },
  tempo: { bpm: o.bpm ?? 70, clear: o.beat ?? true },
  seconds: 8,
});

describe('facts labels', () => {
  it('names the key, a near tie, or says it is unclear', () => {
    expect(keyLabel(facts())).toBe('D minor');
    expect(keyLabel(facts({ tonic: 11, or: { tonic: 2, mode: 'major' } }))).toBe('B minor or D major');
    expect(keyLabel(facts({ tonic: 10, mode: 'major' }))).toBe('Bb major');
    expect(keyLabel(facts({ clear: false }))).toBe('key unclear');
  });

  it('gives the tempo or says there is no steady beat', () => {
    expect(tempoLabel(facts({ bpm: 118 }))).toBe('118 bpm');
    expect(tempoLabel(facts({ beat: false }))).toBe('no steady beat');
  });
});

describe('checkAsked', () => {
  const dMinor70 = { key: { tonic: 2, mode: 'minor' as const }, bpm: 70 };

  it('matches the key and a tempo within 8%', () => {
    expect(checkAsked(dMinor70, facts({ bpm: 75 }))).toEqual({
      key: { label: 'D minor', verdict: 'match' },
      tempo: { label: '70 bpm', verdict: 'match' },
    });
  });

  it('tells the mode apart, a near-tie runner-up and half or double time', () => {
    expect(checkAsked(dMinor70, facts({ mode: 'major' })).key?.verdict).toBe('miss');
    expect(checkAsked(dMinor70, facts({ tonic: 5, mode: 'major', or: { tonic: 2, mode: 'minor' } })).key?.verdict).toBe('close');
    expect(checkAsked(dMinor70, facts({ bpm: 141 })).tempo?.verdict).toBe('close');
    expect(checkAsked(dMinor70, facts({ bpm: 36 })).tempo?.verdict).toBe('close');
    expect(checkAsked(dMinor70, facts({ bpm: 90 })).tempo?.verdict).toBe('miss');
  });

  it('claims neither a match nor a miss for an unclear key or beat, and checks only what the prompt named', () => {
    expect(checkAsked(dMinor70, facts({ clear: false, beat: false }))).toEqual({
      key: { label: 'D minor', verdict: 'unclear' },
      tempo: { label: '70 bpm', verdict: 'unclear' },
    });
    expect(checkAsked({ bpm: 120 }, facts({ bpm: 120 }))).toEqual({ tempo: { label: '120 bpm', verdict: 'match' } });
    expect(checkAsked({}, facts())).toEqual({});
  });

  it('checks a tempo word against its range, with the same 8% and half or double time', () => {
    const slow = { tempoWord: { word: 'slow', from: 60, to: 80 } };
    expect(checkAsked(slow, facts({ bpm: 72 }))).toEqual({ tempo: { label: 'slow (60–80 bpm)', verdict: 'match' } });
    expect(checkAsked(slow, facts({ bpm: 85 })).tempo?.verdict).toBe('match'); // 80 + 8%
    expect(checkAsked(slow, facts({ bpm: 88 })).tempo?.verdict).toBe('miss');
    expect(checkAsked(slow, facts({ bpm: 140 })).tempo?.verdict).toBe('close');
    expect(checkAsked(slow, facts({ bpm: 72, beat: false })).tempo?.verdict).toBe('unclear');
  });
});

describe('caption words from the facts', () => {
  it('adds what is clear and not already said', () => {
    expect(factsCaption('', facts({ tonic: 5, mode: 'major', bpm: 135 }))).toBe('in F major, 135 bpm');
    expect(factsCaption('warm pad in D minor', facts({ bpm: 90 }))).toBe('90 bpm');
    expect(factsCaption('house, 124 bpm', facts())).toBe('in D minor');
    expect(factsCaption('', facts({ clear: false, beat: false }))).toBeNull();
    expect(factsCaption('', facts({ or: { tonic: 5, mode: 'major' }, beat: false }))).toBeNull(); // a tie names no key
    expect(factsCaption('Dm groove at 70 bpm', facts())).toBeNull();
  });

  it('appends them to the caption', () => {
    expect(withFacts('', 'in F major')).toBe('in F major');
    expect(withFacts('warm pad, ', 'in F major, 135 bpm')).toBe('warm pad, in F major, 135 bpm');
    expect(withFacts('  plucked strings ', '90 bpm')).toBe('plucked strings, 90 bpm');
  });
});

describe('checkReconstruction', () => {
  it('marks the reconstruction\'s key and tempo against the original\'s', () => {
    expect(checkReconstruction(facts({ tonic: 5, mode: 'major', bpm: 135 }), facts({ tonic: 5, mode: 'major', bpm: 134 }))).toEqual({
      key: { label: 'F major', verdict: 'match' },
      tempo: { label: '134 bpm', verdict: 'match' },
    });
    expect(checkReconstruction(facts({ bpm: 120 }), facts({ mode: 'major', bpm: 60 }))).toEqual({
      key: { label: 'D major', verdict: 'miss' },
      tempo: { label: '60 bpm', verdict: 'close' },
    });
  });

  it('calls the original\'s own runner-up close, and skips what the original does not make clear', () => {
    const orig = facts({ tonic: 11, or: { tonic: 2, mode: 'major' }, beat: false });
    expect(checkReconstruction(orig, facts({ tonic: 2, mode: 'major' }))).toEqual({ key: { label: 'D major', verdict: 'close' } });
    expect(checkReconstruction(facts({ clear: false, beat: false }), facts())).toEqual({});
    expect(checkReconstruction(facts(), facts({ clear: false, beat: false }))).toEqual({
      key: { label: 'key unclear', verdict: 'miss' },
      tempo: { label: 'no steady beat', verdict: 'miss' },
    });
  });
});
