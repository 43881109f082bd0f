import { describe, expect, it } from 'vitest';
import { ALL_KEYS, diatonicTriad, keyName, nearestMidi, pitchClassOf, PROGRESSIONS, progressionChords, romanNumerals, scaleOf } from './theory';
import { CHORD_RANGE, voiceLead } from './voicing';

describe('keys and spelling', () => {
  it('has 24 distinct keys whose names parse back to their tonic', () => {
    expect(ALL_KEYS).toHaveLength(24);
    expect(new Set(ALL_KEYS.map(keyName)).size).toBe(24);
    for (const k of ALL_KEYS) expect(pitchClassOf(keyName(k).split(' ')[0])).toBe(k.tonic);
    expect(keyName({ tonic: 10, mode: 'major' })).toBe('Bb major');
    expect(keyName({ tonic: 1, mode: 'minor' })).toBe('C# minor');
  });

  it('parses sharps, flats and spelled-out accidentals', () => {
    expect(['C', 'c', 'B#'].map(pitchClassOf)).toEqual([0, 0, 0]);
    expect(['Eb', 'D#', 'E flat', 'e-flat', 'D sharp', 'E♭'].map(pitchClassOf)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(pitchClassOf('Cb')).toBe(11);
    expect(() => pitchClassOf('H')).toThrow(RangeError);
  });

  it('finds the nearest MIDI note of a pitch class', () => {
    expect(nearestMidi(0, 60)).toBe(60);
    expect(nearestMidi(11, 60)).toBe(59);
    expect(nearestMidi(6, 60)).toBe(54); // tritone away: ties go down
    expect(nearestMidi(7, 60)).toBe(55);
  });
});

describe('chords', () => {
  it('builds diatonic triads, with the harmonic-minor dominant in minor', () => {
    const c = { tonic: 0, mode: 'major' as const };
    expect(diatonicTriad(c, 0).tones).toEqual([0, 4, 7]);
    expect(diatonicTriad(c, 4).tones).toEqual([7, 11, 2]);
    expect(diatonicTriad(c, 5).tones).toEqual([9, 0, 4]);
    const a = { tonic: 9, mode: 'minor' as const };
    expect(diatonicTriad(a, 0).tones).toEqual([9, 0, 4]);
    expect(diatonicTriad(a, 4).tones).toEqual([4, 8, 11]); // E major: G#
    expect(diatonicTriad(a, 3).tones).toEqual([2, 5, 9]);
  });

  it('every progression starts on the tonic and uses scale tones (plus the leading tone in minor)', () => {
    for (const key of ALL_KEYS) {
      const allowed = new Set(scaleOf(key.mode).map((s) => (key.tonic + s) % 12));
      if (key.mode === 'minor') allowed.add((key.tonic + 11) % 12);
      for (const p of PROGRESSIONS[key.mode]) {
        const chords = progressionChords(key, p);
        expect(chords[0].root).toBe(key.tonic);
        for (const ch of chords) for (const t of ch.tones) expect(allowed.has(t)).toBe(true);
      }
    }
  });

  it('names progressions in Roman numerals; minor VII is the natural subtonic', () => {
    expect(romanNumerals('major', [0, 4, 5, 3])).toBe('I V vi IV');
    expect(romanNumerals('minor', [0, 6, 5, 4])).toBe('i VII VI V');
    const [, vii] = progressionChords({ tonic: 9, mode: 'minor' }, [0, 6]);
    expect(vii.tones).toEqual([7, 11, 2]); // G major in A minor, not G# diminished
  });

  it('voice-leads inside the range with small moves', () => {
    const key = { tonic: 2, mode: 'minor' as const };
    const chords = progressionChords(key, [0, 5, 3, 4, 0]);
    const v = voiceLead(chords);
    v.forEach((notes, i) => {
      expect(notes.map((n) => n % 12).sort()).toEqual([...chords[i].tones].sort());
      for (const n of notes) expect(n >= CHORD_RANGE.low && n <= CHORD_RANGE.high).toBe(true);
      if (i > 0) expect(notes.reduce((s, n, j) => s + Math.abs(n - v[i - 1][j]), 0)).toBeLessThanOrEqual(7);
    });
  });
});
