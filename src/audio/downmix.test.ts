import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { downmix } from './downmix';

describe('downmix', () => {
  it('returns a copy of a mono signal', () => {
    const mono = Float32Array.from([0.1, -0.2, 0.3]);
    const out = downmix([mono]);
    expect(out).toEqual(mono);
    expect(out).not.toBe(mono);
    out[0] = 9;
    expect(mono[0]).toBeCloseTo(0.1, 6);
  });

  it('averages stereo', () => {
    expect(Array.from(downmix([Float32Array.from([1, 0.5, -1]), Float32Array.from([0, 0.5, 1])]))).toEqual([0.5, 0.5, 0]);
  });

  it('averages every channel of 6- and 8-channel audio with equal weight', () => {
    for (const count of [6, 8]) {
      const chans = Array.from({ length: count }, (_, c) => Float32Array.from([c, c * c, c === 0 ? 1 : 0]));
      const mean = (f: (c: number) => number) => Math.fround(Array.from({ length: count }, (_, c) => f(c)).reduce((a, b) => a + b) / count);
      expect(Array.from(downmix(chans))).toEqual([mean((c) => c), mean((c) => c * c), mean((c) => (c === 0 ? 1 : 0))]);
    }
  });

  it('keeps full-scale in-phase channels at full scale and cancels opposite ones', () => {
    const a = new Float32Array(100).fill(1);
    expect(downmix([a, a, a]).every((v) => v === 1)).toBe(true);
    expect(downmix([a, a.map((v) => -v)]).every((v) => v === 0)).toBe(true);
  });

  it('throws on mismatched lengths and on no channels', () => {
    const err = (() => {
      try {
        downmix([new Float32Array(4), new Float32Array(4), new Float32Array(3)]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).detail).toBe('Channel 3 has 3 samples but channel 1 has 4.');
    expect(() => downmix([])).toThrow(StudioError);
  });
});
