import { describe, expect, it } from 'vitest';
import type { AudioFacts } from '../eval/describe';
import type { TokenizeResult } from '../workers/protocol';
import { trainClips } from './trainingSlice';
import type { Clip } from './types';

const facts = (clear: boolean, downbeat?: number): AudioFacts => ({
  key: { tonic: 2, mode: 'minor', clear: true, or: null },
  tempo: { bpm: 96, clear, ...(downbeat !== undefined ? { downbeat } : {}) },
  seconds: 8,
});

function clip(id: string, f: AudioFacts | null, status: Clip['status'] = 'ready'): Clip {
  const result: TokenizeResult = {
    codes: new Int32Array(8), k: 4, t: 2, pcm: new Float32Array(0), sampleRate: 32000, reconstruction: new Float32Array(0), facts: f, reconstructionFacts: null,
  };
  return { id, name: `${id}.wav`, status, result } as Clip;
}

describe('trainClips', () => {
  it('sends each ready clip with its caption, its tempo and downbeat only when the beat is clear, and its key when clear', () => {
    const clips = [clip('a', facts(true, 0.42)), clip('b', facts(false, 0.1)), clip('c', null), clip('d', facts(true)), clip('e', facts(true, 0), 'tokenizing')];
    const out = trainClips({ clips, captions: { a: ' warm pad ', b: 'drums' } });
    expect(out.map((c) => [c.name, c.caption, c.tempo, c.key])).toEqual([
      ['a.wav', 'warm pad', { bpm: 96, downbeat: 0.42 }, { tonic: 2, mode: 'minor' }],
      ['b.wav', 'drums', undefined, { tonic: 2, mode: 'minor' }],
      ['c.wav', '', undefined, undefined],
      ['d.wav', '', undefined, { tonic: 2, mode: 'minor' }], // facts saved before downbeats existed
    ]);
  });
});
