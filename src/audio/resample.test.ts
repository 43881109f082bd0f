import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError } from '../errors/StudioError';
import { besselI0, kaiserBeta, kernelHalfWidth } from './kaiser';
import { RESAMPLE_FILTER, resample, resampledLength } from './resample';
import { decodeWav } from './wav';

const fixture = (name: string) => decodeWav(new Uint8Array(readFileSync(join(__dirname, 'testdata', name))));

/** 10 log10(signal energy / difference energy) over [edge, n - edge). */
function snrDb(got: Float32Array, ref: Float32Array, edge: number): number {
  let s = 0;
  let e = 0;
  for (let i = edge; i < ref.length - edge; i++) {
    s += ref[i] * ref[i];
    e += (got[i] - ref[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
}

const sine = (n: number, freq: number, rate: number, amp = 1) =>
  new Float32Array(n).map((_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));

/** Largest |x| away from the edges, where the zero padding shows. */
function interiorPeak(x: Float32Array, edge: number): number {
  let m = 0;
  for (let i = edge; i < x.length - edge; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

describe('resample against sox rate -v', () => {
  // testdata/README.md has the sox commands. The references are 16-bit, so their own rounding
  // noise limits the measurable agreement to about 92 dB (against a float32 sox output the
  // difference measured 111 dB).
  for (const [input, reference] of [
    ['sweep24k.wav', 'sweep24k_sox32k.wav'],
    ['sweep44k.wav', 'sweep44k_sox32k.wav'],
  ]) {
    it(`${input} -> 32000 matches sox within 85 dB`, () => {
      const x = fixture(input);
      const ref = fixture(reference).channels[0];
      const y = resample(x.channels[0], x.sampleRate, 32000);
      expect(y.length).toBe(ref.length);
      expect(snrDb(y, ref, 64)).toBeGreaterThan(85);
      expect(snrDb(y, ref, 0)).toBeGreaterThan(85);
    });
  }
});

describe('resample', () => {
  it('is the identity (as a copy) when the rates are equal', () => {
    const x = sine(100, 440, 32000);
    const y = resample(x, 32000, 32000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });

  it('produces round(N * to / from) samples', () => {
    for (const [n, from, to] of [
      [0, 44100, 32000],
      [1, 44100, 32000],
      [7, 24000, 32000],
      [44100, 44100, 32000],
      [44101, 44100, 32000],
      [1000, 48000, 32000],
      [999, 8000, 32000],
      [12345, 44056, 32000],
    ]) {
      expect(resample(new Float32Array(n), from, to).length, `${n} @ ${from} -> ${to}`).toBe(Math.round((n * to) / from));
      expect(resampledLength(n, from, to)).toBe(Math.round((n * to) / from));
    }
  });

  it('keeps DC exactly (to float32 precision) away from the edges', () => {
    // Every polyphase row is normalised to sum to 1: measured error <= 7.2e-8 (4.9e-7 without).
    for (const [from, to] of [
      [44100, 32000],
      [24000, 32000],
      [48000, 32000],
      [32000, 16000],
      [44056, 32000],
    ]) {
      const y = resample(new Float32Array(from).fill(0.7), from, to);
      const edge = Math.ceil((kernelHalfWidth(RESAMPLE_FILTER, Math.min(1, to / from)) * to) / from) + 1;
      for (let i = edge; i < y.length - edge; i++) {
        if (Math.abs(y[i] - 0.7) > 2e-7) throw new Error(`${from} -> ${to}: y[${i}] = ${y[i]}`);
      }
    }
  });

  it('keeps the amplitude and phase of an in-band tone', () => {
    for (const [from, to, freq] of [
      [44100, 32000, 1000],
      [44100, 32000, 14000],
      [24000, 32000, 10000],
      [16000, 32000, 3000],
      [48000, 32000, 15000],
      [44056, 32000, 5000],
    ]) {
      const y = resample(sine(from, freq, from, 0.5), from, to);
      const ideal = sine(y.length, freq, to, 0.5);
      // Measured 114..145 dB.
      expect(snrDb(y, ideal, 400), `${freq} Hz, ${from} -> ${to}`).toBeGreaterThan(100);
    }
  });

  it('removes tones above the new Nyquist rate (at least 98 dB down)', () => {
    // The design target is 100 dB; a sweep of the stopband measured -100.9 dB at worst (16063 Hz).
    for (const [from, freq] of [
      [44100, 16063],
      [48000, 16000],
      [48000, 20000],
      [44100, 16500],
      [44100, 21000],
      [96000, 40000],
    ]) {
      const y = resample(sine(from, freq, from), from, 32000);
      expect(interiorPeak(y, 500), `${freq} Hz from ${from}`).toBeLessThan(10 ** (-98 / 20));
    }
  });

  it('interpolated kernel rows agree with the exact polyphase table', () => {
    const x = sine(44100, 3000, 44100, 0.5).map((v, i) => v + 0.3 * Math.sin(i * 0.002 * i * 0.01));
    const exact = resample(x, 44100, 32000);
    const interpolated = resample(x, 44100, 32000, { maxExactPhases: 1 });
    expect(snrDb(interpolated, exact, 0)).toBeGreaterThan(120);
  });

  it('rejects non-integer and non-positive rates', () => {
    expect(() => resample(new Float32Array(4), 0, 32000)).toThrow(StudioError);
    expect(() => resample(new Float32Array(4), 44100, 32000.5)).toThrow(StudioError);
    expect(() => resample(new Float32Array(4), NaN, 32000)).toThrow(StudioError);
  });
});

describe('Kaiser design helpers', () => {
  it('computes I0 and beta', () => {
    expect(besselI0(0)).toBe(1);
    expect(besselI0(1)).toBeCloseTo(1.2660658777520084, 14);
    expect(besselI0(10) / 2815.716628466254).toBeCloseTo(1, 13);
    expect(kaiserBeta(100)).toBeCloseTo(10.06126, 5);
    expect(kaiserBeta(40)).toBeCloseTo(3.395321, 5);
  });
});
