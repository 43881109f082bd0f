import { describe, expect, it } from 'vitest';
import { clockAt, clockOnDownbeat, keyIndex, NO_CLOCK, withKey } from '../lm/beatClock';
import type { Lm } from '../lm';
import { takeClock } from './generateTake';

const lm = (beatClock: boolean, keyChannel = false) => ({ config: { beatClock, keyChannel } }) as Lm;

describe('takeClock', () => {
  it('sets the clock from the continued audio, else from a tempo number in the prompt, else its tempo word, only for an LM with one', () => {
    expect(takeClock(lm(true), 'funk bass line, 110 bpm', 50)).toEqual([clockAt(110, 50)]);
    expect(takeClock(lm(true), 'sad piano, tempo 84', 50)).toEqual([clockAt(84, 50)]);
    expect(takeClock(lm(true), 'slow piano melody in D minor', 50)).toEqual([clockAt(70, 50)]); // "slow": 60-80 bpm
    expect(takeClock(lm(true), 'warm pad in D minor', 50)).toBeUndefined();
    const heard = { bpm: 96, downbeat: 0.4 };
    expect(takeClock(lm(true), 'funk bass line, 110 bpm', 50, heard)).toEqual([clockOnDownbeat(heard, 50)]);
    expect(takeClock(lm(false), 'funk bass line, 110 bpm', 50, heard)).toBeUndefined();
  });

  it('adds the continued audio\'s clear key, else the prompt\'s, only for an LM that takes one', () => {
    const dMinor = keyIndex(2, 'minor');
    expect(takeClock(lm(true, true), 'slow piano melody in D minor', 50)).toEqual([withKey(clockAt(70, 50), dMinor)]);
    expect(takeClock(lm(true, true), 'warm pad in D minor', 50)).toEqual([withKey(NO_CLOCK, dMinor)]); // a key without a tempo
    expect(takeClock(lm(false, true), 'funk in Bb major, 110 bpm', 50)).toEqual([withKey(NO_CLOCK, keyIndex(10, 'major'))]);
    const heard = { bpm: 96, downbeat: 0.4 };
    expect(takeClock(lm(true, true), 'funk in Bb major, 110 bpm', 50, heard, { tonic: 4, mode: 'minor' })).toEqual([withKey(clockOnDownbeat(heard, 50), keyIndex(4, 'minor'))]);
    expect(takeClock(lm(true, true), 'warm pad', 50)).toBeUndefined();
    expect(takeClock(lm(true, false), 'warm pad in D minor', 50)).toBeUndefined();
  });
});
