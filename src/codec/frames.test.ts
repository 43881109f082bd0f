import { describe, expect, it } from 'vitest';
import { framesForSamples, planChunks } from './frames';

describe('planChunks', () => {
  it('covers every frame exactly once, with clamped context', () => {
    const c = planChunks(10, 4, 2);
    expect(c).toEqual([
      { from: 0, to: 4, inFrom: 0, inTo: 6 },
      { from: 4, to: 8, inFrom: 2, inTo: 10 },
      { from: 8, to: 10, inFrom: 6, inTo: 10 },
    ]);
  });
  it('gives no chunks for no frames and one chunk when it fits', () => {
    expect(planChunks(0, 4, 1)).toEqual([]);
    expect(planChunks(3, 4, 1)).toEqual([{ from: 0, to: 3, inFrom: 0, inTo: 3 }]);
  });
  it('rejects a zero chunk size', () => {
    expect(() => planChunks(3, 0, 1)).toThrow();
  });
  it('rounds samples up to whole frames', () => {
    expect(framesForSamples(0, 640)).toBe(0);
    expect(framesForSamples(1, 640)).toBe(1);
    expect(framesForSamples(640, 640)).toBe(1);
    expect(framesForSamples(641, 640)).toBe(2);
  });
});
