import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/rng';
import { windowPlan, windowSeed } from './windows';

describe('windowPlan', () => {
  it('is one window when the take fits, or when there is no spec', () => {
    expect(windowPlan(250, 0, { maxFrames: 250, strideFrames: 150 })).toEqual([{ from: 0, context: 0, frames: 250 }]);
    expect(windowPlan(900, 40)).toEqual([{ from: 0, context: 40, frames: 900 }]);
  });

  it('fills the first window, then re-feeds the last W - stride frames', () => {
    expect(windowPlan(25, 0, { maxFrames: 10, strideFrames: 4 })).toEqual([
      { from: 0, context: 0, frames: 10 },
      { from: 4, context: 6, frames: 10 },
      { from: 8, context: 6, frames: 10 },
      { from: 12, context: 6, frames: 10 },
      { from: 16, context: 6, frames: 9 },
    ]);
  });

  it('keeps a short prompt whole in the first window and only the end of a long one', () => {
    expect(windowPlan(20, 3, { maxFrames: 10, strideFrames: 4 })[0]).toEqual({ from: 0, context: 3, frames: 10 });
    expect(windowPlan(20, 8, { maxFrames: 10, strideFrames: 4 })[0]).toEqual({ from: 2, context: 6, frames: 10 });
  });

  it('tiles the frames after the prompt exactly, never past W, on random shapes', () => {
    const rand = mulberry32(3);
    for (let n = 0; n < 500; n++) {
      const W = 2 + Math.floor(rand() * 40);
      const stride = 1 + Math.floor(rand() * (W - 1));
      const T = 1 + Math.floor(rand() * 200);
      const P = Math.floor(rand() * T);
      const plan = windowPlan(T, P, { maxFrames: W, strideFrames: stride });
      let known = P;
      for (const w of plan) {
        expect(w.frames).toBeLessThanOrEqual(Math.max(W, plan.length === 1 ? T : 0));
        expect(w.from).toBeGreaterThanOrEqual(0);
        expect(w.from + w.context).toBe(known); // each window starts where the known frames end
        expect(w.frames).toBeGreaterThan(w.context); // and adds at least one
        known = w.from + w.frames;
      }
      expect(known).toBe(T);
    }
  });

  it('refuses a stride that cannot move forward or keeps nothing', () => {
    expect(() => windowPlan(30, 0, { maxFrames: 10, strideFrames: 0 })).toThrow(RangeError);
    expect(() => windowPlan(30, 0, { maxFrames: 10, strideFrames: 10 })).toThrow(RangeError);
  });
});

describe('windowSeed', () => {
  it('keeps the seed for the first window and varies it after', () => {
    expect(windowSeed(7, 0)).toBe(7);
    const seeds = new Set([0, 1, 2, 3].map((w) => windowSeed(7, w)));
    expect(seeds.size).toBe(4);
    expect([...seeds].every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32)).toBe(true);
  });
});
