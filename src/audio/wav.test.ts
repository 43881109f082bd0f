import { describe, expect, it } from 'vitest';
import * as wavefileModule from 'wavefile';
import { StudioError } from '../errors/StudioError';
import { decodeWav, encodeWav16 } from './wav';

// Node loads wavefile's UMD build (no named ESM exports); Vite's resolution gives the ESM one.
type WaveFileCtor = new () => {
  fromScratch(channels: number, rate: number, depth: string, samples: number[] | number[][]): void;
  toBuffer(): Uint8Array;
  toALaw(): void;
  toMuLaw(): void;
};
const mod = wavefileModule as unknown as { WaveFile?: WaveFileCtor; default?: { WaveFile: WaveFileCtor } };
const WaveFile = (mod.WaveFile ?? mod.default?.WaveFile) as WaveFileCtor;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof StudioError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('encodeWav16', () => {
  it('writes a canonical 44-byte PCM mono header', () => {
    const bytes = encodeWav16(new Float32Array(3), 32000);
    const v = new DataView(bytes.buffer);
    const text = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
    expect(bytes.length).toBe(44 + 6);
    expect([text(0), text(8), text(12), text(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(v.getUint32(4, true)).toBe(bytes.length - 8);
    expect(v.getUint32(16, true)).toBe(16);
    expect(v.getUint16(20, true)).toBe(1);
    expect(v.getUint16(22, true)).toBe(1);
    expect(v.getUint32(24, true)).toBe(32000);
    expect(v.getUint32(28, true)).toBe(64000);
    expect(v.getUint16(32, true)).toBe(2);
    expect(v.getUint16(34, true)).toBe(16);
    expect(v.getUint32(40, true)).toBe(6);
  });

  it('clips, rounds to nearest, and writes NaN as 0', () => {
    const x = Float32Array.from([0, 0.5, -0.5, 1, -1, 1.5, -2, NaN, 0.6 / 32768, 0.4 / 32768, -0.6 / 32768, 100.4 / 32768]);
    const bytes = encodeWav16(x, 8000);
    const v = new DataView(bytes.buffer, 44);
    const q = Array.from({ length: x.length }, (_, i) => v.getInt16(2 * i, true));
    expect(q).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 0, 1, 0, -1, 100]);
  });

  it('round-trips through decodeWav within half a step, and exactly on the 16-bit grid', () => {
    const x = new Float32Array(1000).map((_, i) => 0.9 * Math.sin(i * 0.37));
    const back = decodeWav(encodeWav16(x, 44100));
    expect(back.sampleRate).toBe(44100);
    expect(back.channels).toHaveLength(1);
    let worst = 0;
    x.forEach((s, i) => (worst = Math.max(worst, Math.abs(s - back.channels[0][i]))));
    expect(worst).toBeLessThanOrEqual(0.5 / 32768 + 1e-9);
    const again = decodeWav(encodeWav16(back.channels[0], 44100));
    expect(again.channels[0]).toEqual(back.channels[0]);
  });

  it('rejects an invalid sample rate', () => {
    expect(codeOf(() => encodeWav16(new Float32Array(1), 0))).toBe('INTERNAL');
    expect(codeOf(() => encodeWav16(new Float32Array(1), 44100.5))).toBe('INTERNAL');
  });
});

describe('decodeWav with wavefile as the writer', () => {
  const n = 64;
  const ramp = (c: number, bits: number) =>
    Array.from({ length: n }, (_, i) => Math.round((((i * 37 + c * 11) % 64) / 32 - 1) * 2 ** (bits - 1)));
  const cases: { depth: string; scale: number; offset: number; bits: number; format: number }[] = [
    { depth: '8', scale: 128, offset: 128, bits: 8, format: 1 },
    { depth: '16', scale: 32768, offset: 0, bits: 16, format: 1 },
    { depth: '24', scale: 8388608, offset: 0, bits: 24, format: 1 },
    { depth: '32', scale: 2147483648, offset: 0, bits: 32, format: 1 },
  ];
  for (const { depth, scale, offset, bits, format } of cases) {
    for (const channels of [1, 2, 3]) {
      it(`${depth}-bit integer, ${channels} channel(s)`, () => {
        const ints = Array.from({ length: channels }, (_, c) => ramp(c, bits).map((q) => Math.min(q, 2 ** (bits - 1) - 1)));
        const w = new WaveFile();
        w.fromScratch(channels, 22050, depth, ints.map((ch) => ch.map((q) => q + offset)));
        const bytes = w.toBuffer();
        expect(new DataView(bytes.buffer).getUint16(20, true)).toBe(format);
        const got = decodeWav(bytes);
        expect(got.sampleRate).toBe(22050);
        expect(got.channels).toHaveLength(channels);
        got.channels.forEach((ch, c) => expect(Array.from(ch)).toEqual(ints[c].map((q) => Math.fround(q / scale))));
      });
    }
  }

  for (const depth of ['32f', '64']) {
    it(`${depth} float, stereo`, () => {
      const chans = [0, 1].map((c) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.3 + c) * 1.25));
      const w = new WaveFile();
      w.fromScratch(2, 48000, depth, chans);
      const bytes = w.toBuffer();
      expect(new DataView(bytes.buffer).getUint16(20, true)).toBe(3);
      const got = decodeWav(bytes);
      got.channels.forEach((ch, c) => expect(Array.from(ch)).toEqual(chans[c].map(Math.fround)));
    });
  }

  it('A-law and mu-law decode to the 16-bit source within the companding step', () => {
    const src = Array.from({ length: 200 }, (_, i) => Math.round(30000 * Math.sin(i * 0.21)));
    for (const law of ['toALaw', 'toMuLaw'] as const) {
      const w = new WaveFile();
      w.fromScratch(1, 8000, '16', src);
      w[law]();
      const got = decodeWav(w.toBuffer()).channels[0];
      src.forEach((s, i) => expect(Math.abs(got[i] * 32768 - s)).toBeLessThanOrEqual(Math.max(16, Math.abs(s) / 16)));
    }
  });
});

