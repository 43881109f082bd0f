import { describe, expect, it } from 'vitest';
import { lrAt } from './schedule';

describe('lr schedule', () => {
  const o = { lr: 1e-3, warmup: 4, total: 14 };
  it('warms up linearly from lr/warmup to lr', () => {
    expect([0, 1, 2, 3].map((u) => lrAt(u, o))).toEqual([0.25e-3, 0.5e-3, 0.75e-3, 1e-3]);
  });
  it('follows a half cosine to 0 after warmup, then stays at the minimum', () => {
    expect(lrAt(4, o)).toBeCloseTo(1e-3, 12); // progress 0
    expect(lrAt(9, o)).toBeCloseTo(0.5e-3, 12); // progress 1/2
    expect(lrAt(6, o)).toBeCloseTo(0.5e-3 * (1 + Math.cos(Math.PI * 0.2)), 12);
    expect(lrAt(14, o)).toBe(0);
    expect(lrAt(100, o)).toBe(0);
    for (let u = 4; u < 14; u++) expect(lrAt(u + 1, o)).toBeLessThan(lrAt(u, o));
  });
  it('honours minRatio and warmup 0', () => {
    const p = { lr: 2, warmup: 0, total: 10, minRatio: 0.1 };
    expect(lrAt(0, p)).toBe(2);
    expect(lrAt(5, p)).toBeCloseTo(0.2 + 0.9, 12);
    expect(lrAt(10, p)).toBeCloseTo(0.2, 12);
  });
});
