import { describe, expect, it } from 'vitest';
import { askedTempoLabel, heardPrompt, promptBpm, promptFacts, takeKey, takePrompt, takeTempo } from './promptFacts';

describe('promptFacts', () => {
  it.each([
    ['slow piano melody in D minor', { tonic: 2, mode: 'minor' }],
    ['lively piano melody in G major', { tonic: 7, mode: 'major' }],
    ['funk in F# minor', { tonic: 6, mode: 'minor' }],
    ['ballad in Bb major', { tonic: 10, mode: 'major' }],
    ['e flat major chorale', { tonic: 3, mode: 'major' }],
    ['in C-sharp minor please', { tonic: 1, mode: 'minor' }],
    ['riff in Am', { tonic: 9, mode: 'minor' }],
    ['vamp on Ebmaj', { tonic: 3, mode: 'major' }],
    ['dark techno, a minor, 128 bpm', { tonic: 9, mode: 'minor' }],
    ['Waltz In D MINOR', { tonic: 2, mode: 'minor' }],
    ['Waltz in E Flat Major', { tonic: 3, mode: 'major' }],
    ['C Sharp Minor nocturne', { tonic: 1, mode: 'minor' }],
    ['EB MAJOR', { tonic: 3, mode: 'major' }],
    ['a D-minor ballad', { tonic: 2, mode: 'minor' }],
    ['sad song with a minor chord progression in E major', { tonic: 4, mode: 'major' }],
    ['sad song in a minor', { tonic: 9, mode: 'minor' }],
    ['a minor key ballad', { tonic: 9, mode: 'minor' }],
    ['C Sharp m', { tonic: 1, mode: 'minor' }], // half-typed: read, never thrown on
  ])('reads the key of %j', (text, key) => {
    expect(promptFacts(text).key).toEqual(key);
  });

  it.each(['ambient pad, warm and calm', 'a m', 'AM radio jingle', 'dubminor', 'upbeat funk bass line with drums',
    'rock anthem with a major chorus hook', 'Epic Orchestral Soundtrack With A Major Build-Up', 'I Am The Night - dark synthwave'])('finds no key in %j', (text) => {
    expect(promptFacts(text).key).toBeUndefined();
  });

  it('reads a tempo in bpm and ignores other numbers', () => {
    expect(promptFacts('upbeat funk bass line with drums, 120 bpm').bpm).toBe(120);
    expect(promptFacts('house at 124bpm').bpm).toBe(124);
    expect(promptFacts('96 beats per minute, lo-fi').bpm).toBe(96);
    expect(promptFacts('I want a sad piano track in E minor, tempo 84').bpm).toBe(84);
    expect(promptFacts('tempo: 140, drums').bpm).toBe(140);
    expect(promptFacts('mid-tempo 2.5 tune').bpm).toBeUndefined();
    expect(promptFacts('tempo 12.5').bpm).toBeUndefined();
    expect(promptFacts('a 1980s synth tune, 8 bars').bpm).toBeUndefined();
    expect(promptFacts('1200 bpm').bpm).toBeUndefined();
    expect(promptFacts('12.5 bpm').bpm).toBeUndefined();
    expect(promptFacts('a 120-bpm house track').bpm).toBe(120);
    expect(promptFacts('BPM: 128, techno').bpm).toBe(128);
    expect(promptFacts('lofi at 85 b.p.m.').bpm).toBe(85);
  });

  it.each([
    ['slow piano melody in D minor', 'slow', 60, 80],
    ['Very slow pad', 'very slow', 60, 80],
    ['a laid back groove', 'laid-back', 80, 105],
    ['Mid tempo pop in C major', 'mid-tempo', 105, 130],
    ['medium-tempo drums', 'medium tempo', 105, 130],
    ['upbeat funk bass line with drums', 'upbeat', 130, 155],
    ['FAST drums', 'fast', 155, 180],
  ])('reads the tempo word of %j as its corpus range', (text, word, from, to) => {
    const f = promptFacts(text);
    expect(f.tempoWord).toEqual({ word, from, to });
    expect(f.bpm).toBeUndefined();
    expect(promptBpm(f)).toBe(Math.round((from + to) / 2));
  });

  it('finds no tempo word inside other words, and lets a number win over a word', () => {
    for (const text of ['breakfast jingle', 'slowly rising pad', 'slow-burning ballad', 'tempo', 'ambient pad']) expect(promptFacts(text).tempoWord).toBeUndefined();
    expect(promptFacts('an up-tempo dance track').tempoWord?.word).toBe('uptempo');
    expect(promptFacts('fast-paced drum and bass').tempoWord?.word).toBe('fast');
    const f = promptFacts('slow piano melody in D minor, 70 bpm');
    expect(f.tempoWord).toBeUndefined();
    expect(promptBpm(f)).toBe(70);
    expect(promptBpm(promptFacts('piano in D minor'))).toBeUndefined();
  });

  it('decides a take\'s tempo: the continued audio\'s, else the number, else the word; and names what was asked', () => {
    expect(takeTempo('funk, 110 bpm', 96)).toEqual({ bpm: 96, from: 'continued' });
    expect(takeTempo('slow funk, 110 bpm')).toEqual({ bpm: 110, from: 'number' });
    expect(takeTempo('slow funk')).toEqual({ bpm: 70, from: 'word', word: { word: 'slow', from: 60, to: 80 } });
    expect(takeTempo('warm pad')).toBeUndefined();
    expect(askedTempoLabel(promptFacts('funk, 110 bpm'))).toBe('110 bpm');
    expect(askedTempoLabel(promptFacts('upbeat funk'))).toBe('upbeat (130–155 bpm)');
    expect(askedTempoLabel(promptFacts('warm pad'))).toBeUndefined();
  });

  it('decides a take\'s key: the continued audio\'s, else the prompt\'s', () => {
    expect(takeKey('funk in F sharp minor', { tonic: 0, mode: 'major' })).toEqual({ key: { tonic: 0, mode: 'major' }, from: 'continued' });
    expect(takeKey('warm pad in the key of F sharp minor')).toEqual({ key: { tonic: 6, mode: 'minor' }, from: 'prompt' });
    expect(takeKey('warm pad')).toBeUndefined();
  });

  it('reads both from one prompt', () => {
    expect(promptFacts('slow piano melody in D minor, 70 bpm')).toEqual({ key: { tonic: 2, mode: 'minor' }, bpm: 70 });
  });
});

describe('heardPrompt', () => {
  it('names the heard key and tempo, as a prompt the detectors read back', () => {
    const p = heardPrompt({ tonic: 2, mode: 'minor' }, { bpm: 96.4 });
    expect(p).toBe('D minor, 96 bpm');
    expect(promptFacts(p)).toEqual({ key: { tonic: 2, mode: 'minor' }, bpm: 96 });
    expect(heardPrompt({ tonic: 10, mode: 'major' })).toBe('Bb major');
    expect(heardPrompt(undefined, { bpm: 120 })).toBe('120 bpm');
    expect(heardPrompt()).toBe('');
  });

  it('is the prompt of a take only when nothing is typed', () => {
    expect(takePrompt('  dark cello ', { tonic: 2, mode: 'minor' }, { bpm: 96 })).toBe('dark cello');
    expect(takePrompt('  ', { tonic: 2, mode: 'minor' }, { bpm: 96 })).toBe('D minor, 96 bpm');
    expect(takePrompt('')).toBe('');
  });
});
