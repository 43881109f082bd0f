import { describe, expect, it } from 'vitest';
import { promptFacts } from './promptFacts';

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
  ])('reads the key of %j', (text, key) => {
    expect(promptFacts(text).key).toEqual(key);
  });

  it.each(['ambient pad, warm and calm', 'a m', 'AM radio jingle', 'dubminor', 'upbeat funk bass line with drums'])('finds no key in %j', (text) => {
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
  });

  it('reads both from one prompt', () => {
    expect(promptFacts('slow piano melody in D minor, 70 bpm')).toEqual({ key: { tonic: 2, mode: 'minor' }, bpm: 70 });
  });
});
