import { describe, expect, it } from 'vitest';
import { LIVE_MARGIN_S, placeWindow, takeStart, type LiveWindow } from './liveSchedule';

const w = (fromS: number, lenS: number, totalS: number, sr = 100): LiveWindow =>
  ({ from: fromS * sr, pcm: new Float32Array(lenS * sr), samples: totalS * sr, sampleRate: sr });

describe('live playback schedule', () => {
  it('starts a fast take at once, a slow one late enough to play without a gap', () => {
    // 10 s take, first window 5 s, generation has 1 s left: faster than real time
    expect(takeStart(100, 0, w(0, 5, 10), 1)).toBeCloseTo(100 + LIVE_MARGIN_S, 9);
    // generation has 12 s left for the 5 s still to come: wait 7 s (+ margin)
    const start = takeStart(100, 0, w(0, 5, 10), 12);
    expect(start).toBeCloseTo(100 + 7 + LIVE_MARGIN_S, 9);
    // then the second window, arriving when generation ends, is due after it arrives
    expect(start + 5).toBeGreaterThan(100 + 12);
  });

  it('queues after a take still playing, and places windows at their offset', () => {
    const start = takeStart(100, 130, w(0, 5, 10), 0);
    expect(start).toBe(130);
    expect(placeWindow(start, w(5, 5, 10), 101)).toEqual({ at: 135, start: 130 });
  });

  it('a window that comes late plays at once and moves the rest of the take', () => {
    const late = placeWindow(100, w(5, 5, 10), 107);
    expect(late.at).toBeCloseTo(107.05, 9);
    expect(late.start).toBeCloseTo(102.05, 9);
    expect(placeWindow(late.start, w(10, 2, 12), 108).at).toBeCloseTo(112.05, 9);
  });

  it('a first window from the middle keeps sample 0 as the reference', () => {
    expect(takeStart(50, 0, w(5, 5, 10), 0)).toBeCloseTo(50 + LIVE_MARGIN_S - 5, 9);
  });
});
