import { beforeAll, describe, expect, it } from 'vitest';
import FFT from 'fft.js';
import { mulberry32 } from '../util/rng';
import { chromagram, dominantPitchClassAgreement, nonSilentMask } from '../audio/chroma';
import { resample } from '../audio/resample';
import { fixtureNames, fixturePath, readFlac } from '../../scripts/pack/fixtures';
import { CODEC_DESIGN, gainLevelKept } from './design';
import type { Codec } from './encodec';
import { loadBundledCodec, readPackManifest } from './testPack';

function chord(seconds: number, sr: number, midis: number[]): Float32Array {
  const x = new Float32Array(Math.round(seconds * sr));
  for (const m of midis) {
    const f = 440 * 2 ** ((m - 69) / 12);
    for (let i = 0; i < x.length; i++) x[i] += (0.2 / midis.length) * Math.sin((2 * Math.PI * f * i) / sr) * (1 + 0.3 * Math.sin((2 * Math.PI * 2 * f * i) / sr));
  }
  return x;
}

describe('bundled codec (EnCodec interface, onnxruntime-node)', () => {
  let codec: Codec;
  const m = readPackManifest();
  const { sampleRate: sr, hopLength: hop, codebooks: K, cardinality } = m.codec;
  beforeAll(async () => { codec = await loadBundledCodec(); });

  it('encodes N samples to K x ceil(N / hop) tokens in range, deterministically', async () => {
    // Two different chords back to back, the second 6 dB louder (a steady sound may well use one
    // codeword throughout; the first codebook is the frame's level, in 1.35 dB steps).
    const half = chord(0.5065, sr, [60, 64, 67]);
    const x = new Float32Array(half.length * 2);
    x.set(half);
    x.set(chord(0.5065, sr, [62, 65, 69]).map((v) => 2 * v), half.length);
    const a = await codec.encode(x);
    expect(a.k).toBe(K);
    expect(a.t).toBe(Math.ceil(x.length / hop));
    expect(a.codes.length).toBe(K * a.t);
    for (const v of a.codes) expect(v >= 0 && v < cardinality).toBe(true);
    const b = await codec.encode(x);
    expect(Array.from(b.codes)).toEqual(Array.from(a.codes));
    // Not degenerate: every codebook tells the two chords apart.
    for (let q = 0; q < K; q++) expect(new Set(a.codes.subarray(q * a.t, (q + 1) * a.t)).size).toBeGreaterThan(1);
    // The gain stage picks only every gainStep-th level (the language model predicts these).
    for (const v of a.codes.subarray(0, a.t)) expect(gainLevelKept(v, CODEC_DESIGN.gainStep, cardinality)).toBe(true);
  });

  it('decodes K x T tokens to T * hop samples that keep the level and the pitch', async () => {
    const x = chord(2, sr, [57, 60, 64]); // A minor
    const codes = await codec.encode(x);
    const y = await codec.decode(codes);
    expect(y.length).toBe(codes.t * hop);
    const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(rms(y.subarray(0, x.length)) / rms(x)).toBeGreaterThan(0.5);
    expect(rms(y.subarray(0, x.length)) / rms(x)).toBeLessThan(2);
    const opts = { nFft: 16384, hopLength: 4096 };
    const agree = dominantPitchClassAgreement(chromagram(x, sr, opts).argmax, chromagram(y.subarray(0, x.length), sr, opts).argmax);
    expect(agree).toBeGreaterThanOrEqual(0.8);
  });

  // Measured in session 14: the decoder before (a fixed phase per DFT bin) left a steady 440 Hz sine
  // swinging by a third of its level from one 5 ms window to the next (0.33); the input's own is 0.02.
  it.each([110, 440, 1234.5])('keeps a steady %s Hz sine steady and at its level', async (hz) => {
    const x = Float32Array.from({ length: 3 * sr }, (_, i) => 0.2 * Math.sin((2 * Math.PI * hz * i) / sr));
    const y = (await codec.decode(await codec.encode(x))).subarray(sr / 2, (5 * sr) / 2); // past the edges
    const win = sr / 200;
    const levels = Array.from({ length: Math.floor(y.length / win) }, (_, w) => Math.sqrt(y.subarray(w * win, (w + 1) * win).reduce((s, v) => s + v * v, 0) / win));
    const mean = levels.reduce((a, b) => a + b) / levels.length;
    const sd = Math.sqrt(levels.reduce((a, v) => a + (v - mean) ** 2, 0) / levels.length);
    expect(sd / mean).toBeLessThan(0.08);
    expect(20 * Math.log10(mean / (0.2 / Math.SQRT2))).toBeGreaterThan(-2);
    expect(20 * Math.log10(mean / (0.2 / Math.SQRT2))).toBeLessThan(2);
  });

  // Measured in session 15: white noise's spectral flatness over 2-8 kHz is 0.55 at the input, 0.41
  // after the codec; the session-14 decoder gave 0.20 (flat noise kept steady band centres, so most of
  // it became steady sinusoids), sinusoids alone 0.001 (a chord of pure tones).
  it('keeps white noise noise, near its level', async () => {
    const rand = mulberry32(1);
    const x = Float32Array.from({ length: 3 * sr }, () => 0.3 * (rand() - 0.5));
    const y = (await codec.decode(await codec.encode(x))).subarray(sr / 2, (5 * sr) / 2);
    const n = 4096;
    const fft = new FFT(n);
    const out = fft.createComplexArray() as number[];
    const flatness: number[] = [];
    for (let s = 0; s + n <= y.length; s += n) {
      fft.realTransform(out, Array.from({ length: n }, (_, i) => y[s + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n))));
      const p = Array.from({ length: Math.round((6000 * n) / sr) }, (_, j) => { const k = Math.round((2000 * n) / sr) + j; return out[2 * k] ** 2 + out[2 * k + 1] ** 2 + 1e-20; });
      flatness.push(Math.exp(p.reduce((a, v) => a + Math.log(v), 0) / p.length) / (p.reduce((a, v) => a + v) / p.length));
    }
    expect(flatness.reduce((a, b) => a + b) / flatness.length).toBeGreaterThan(0.3);
    const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    const db = 20 * Math.log10(rms(y) / rms(x));
    expect(db).toBeGreaterThan(-4);
    expect(db).toBeLessThan(2);
  });

  it('gives the same tokens and audio when long input is processed in chunks', async () => {
    const x = chord(7, sr, [62, 66, 69]); // 9 chunks of 40 frames: the decoder's running phases are handed on from each to the next
    const chunked = await loadBundledCodec(40);
    const a = await codec.encode(x);
    const b = await chunked.encode(x);
    expect(Array.from(b.codes)).toEqual(Array.from(a.codes));
    const ya = await codec.decode(a);
    const yb = await chunked.decode(a);
    let maxErr = 0;
    for (let i = 0; i < ya.length; i++) maxErr = Math.max(maxErr, Math.abs(ya[i] - yb[i]));
    expect(maxErr).toBeLessThan(1e-3);
  });

  it('rejects tokens outside the codebook with MODEL_INTERFACE', async () => {
    const codes = new Int32Array(K * 3).fill(cardinality);
    await expect(codec.decode({ codes, k: K, t: 3 })).rejects.toMatchObject({ code: 'MODEL_INTERFACE' });
  });

  // The pack's quality bar: dominant pitch class kept on >= 80% of non-silent frames (tonal fixtures).
  it.each(fixtureNames())('reconstruction of %s keeps the dominant pitch class', async (name) => {
    const f = await readFlac(fixturePath(name));
    const x = resample(f.pcm, f.sampleRate, sr);
    const y = (await codec.decode(await codec.encode(x))).subarray(0, x.length);
    const opts = { nFft: 16384, hopLength: 4096 };
    const mask = nonSilentMask(x, sr, opts.hopLength, opts.nFft);
    const agree = dominantPitchClassAgreement(chromagram(x, sr, opts).argmax, chromagram(y, sr, opts).argmax, mask);
    console.log(`${name}: chroma agreement ${(agree * 100).toFixed(1)}%`);
    // Drums have an almost flat chroma (median second/first peak 0.8), so their argmax follows the
    // exact noise of each hit, which a codec that resynthesises phase cannot keep (even unquantized
    // features give 73% with session 15's decoder); the bar there is a regression guard, not the 80% goal (README, "Model packs").
    expect(agree).toBeGreaterThanOrEqual(name === 'drums.flac' ? 0.4 : 0.8);
  });
});
