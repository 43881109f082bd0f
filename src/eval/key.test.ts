import { describe, expect, it } from 'vitest';
import { ALL_KEYS, diatonicTriad, keyName } from '../corpus/theory';
import { detectKey, keyFromChroma } from './key';
import { KK_MAJOR, KK_MINOR } from './keyProfiles';
import { addTone, SR } from './testSignals';

const chord = (out: Float32Array, notes: number[], start: number, seconds: number) => {
  for (const m of notes) addTone(out, m, start, seconds);
};

describe('detectKey', () => {
  it('finds C major in a C major scale followed by a C major triad', () => {
    const pcm = new Float32Array(6 * SR);
    [60, 62, 64, 65, 67, 69, 71, 72].forEach((m, i) => addTone(pcm, m, i * 0.4, 0.4));
    chord(pcm, [48, 60, 64, 67], 3.2, 2.8);
    const k = detectKey(pcm, SR);
    expect([k.tonic, k.mode]).toEqual([0, 'major']);
    expect(k.confidence).toBeGreaterThan(0);
  });

  it('finds A minor (harmonic minor scale, Am triad), not its relative C major', () => {
    const pcm = new Float32Array(6 * SR);
    [57, 59, 60, 62, 64, 65, 68, 69].forEach((m, i) => addTone(pcm, m, i * 0.4, 0.4));
    chord(pcm, [45, 57, 60, 64], 3.2, 2.8);
    const k = detectKey(pcm, SR);
    expect([k.tonic, k.mode]).toEqual([9, 'minor']);
  });

  it('finds every one of the 24 keys from a I–IV–V–I cadence', () => {
    for (const key of ALL_KEYS) {
      const pcm = new Float32Array(4 * SR);
      [0, 3, 4, 0].forEach((degree, i) => {
        const { tones, root } = diatonicTriad(key, degree);
        chord(pcm, [48 + root, ...tones.map((pc) => 60 + pc)], i, 1);
      });
      const k = detectKey(pcm, SR);
      expect(keyName({ tonic: k.tonic, mode: k.mode }), keyName(key)).toBe(keyName(key));
    }
  });

  it('maps each rotated profile to its own key with correlation 1', () => {
    for (let tonic = 0; tonic < 12; tonic++) {
      for (const [mode, profile] of [['major', KK_MAJOR], ['minor', KK_MINOR]] as const) {
        const chroma = Array.from({ length: 12 }, (_, pc) => profile[(pc - tonic + 12) % 12]);
        const k = keyFromChroma(chroma);
        expect([k.tonic, k.mode]).toEqual([tonic, mode]);
        expect(k.correlation).toBeCloseTo(1, 12);
      }
    }
  });

  it('returns finite numbers on silence and on a clip shorter than one frame', () => {
    for (const pcm of [new Float32Array(3 * SR), new Float32Array(100)]) {
      const k = detectKey(pcm, SR);
      expect(k.correlation).toBe(0);
      expect(k.confidence).toBe(0);
      expect([...k.scores].every(Number.isFinite)).toBe(true);
    }
  });
});
