import { describe, expect, it } from 'vitest';
import { closestClip } from './closest';
import type { Clip } from './types';

const clip = (id: string, rows: number[][], status: Clip['status'] = 'ready'): Clip => ({
  id, name: `${id}.wav`, status, sourceRate: 32000, sourceChannels: 1, durationSec: 1, container: 'WAV',
  result: { codes: Int32Array.from(rows.flat()), k: rows.length, t: rows[0].length, pcm: new Float32Array(0), sampleRate: 32000, reconstruction: new Float32Array(0), facts: null, reconstructionFacts: null },
});
const grid = (rows: number[][]) => ({ codes: Int32Array.from(rows.flat()), k: rows.length, t: rows[0].length });

describe('closest clip', () => {
  it('names the ready clip with the nearest token statistics, and the runner-up', () => {
    const clips = [clip('low', [[1, 2, 1, 2], [5, 5, 6, 6]]), clip('high', [[8, 9, 8, 9], [7, 7, 7, 7]]), clip('busy', [[1, 2, 1, 2], [5, 5, 6, 6]], 'tokenizing')];
    const r = closestClip(grid([[1, 1, 2, 9], [5, 6, 6, 7]]), clips);
    expect(r).toMatchObject({ clipId: 'low', name: 'low.wav', next: { clipId: 'high' } });
    expect(r!.distance).toBeLessThan(r!.next!.distance);
    expect(closestClip(grid([[9, 9, 8, 8], [7, 7, 7, 7]]), clips)?.clipId).toBe('high');
    // Only one comparable clip: no runner-up. None: null.
    expect(closestClip(grid([[1, 1]]), [clip('one-k', [[1, 2]]), ...clips])).toEqual({ clipId: 'one-k', name: 'one-k.wav', distance: expect.any(Number) });
    expect(closestClip(grid([[1, 1]]), clips)).toBeNull();
  });
});
