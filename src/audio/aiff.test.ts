import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError } from '../errors/StudioError';
import { decodeAiff } from './aiff';

const text = (s: string) => [...s].map((c) => c.charCodeAt(0));
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const RATE_44100 = [0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]; // 80-bit extended

function aiff(o: { channels: number; frames: number; bits: number; compression?: string; data: number[]; ssndSize?: number; offset?: number }): Uint8Array {
  const commBody = [0, o.channels, ...be32(o.frames), 0, o.bits, ...RATE_44100];
  if (o.compression) commBody.push(...text(o.compression), 0, 0); // type + empty pascal string
  const comm = [...text('COMM'), ...be32(commBody.length), ...commBody];
  const pad = new Array<number>(o.offset ?? 0).fill(0x7f);
  const ssnd = [...text('SSND'), ...be32(o.ssndSize ?? 8 + pad.length + o.data.length), ...be32(pad.length), ...be32(0), ...pad, ...o.data];
  const body = [...text(o.compression ? 'AIFC' : 'AIFF'), ...comm, ...ssnd];
  return Uint8Array.from([...text('FORM'), ...be32(body.length), ...body]);
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof StudioError) return `${e.code}: ${e.detail}`;
    throw e;
  }
  return 'passed';
}

describe('decodeAiff', () => {
  it('decodes the ffmpeg-written 16-bit stereo fixture as a clean 440 Hz tone', () => {
    const d = decodeAiff(new Uint8Array(readFileSync(join(__dirname, 'testdata', 'tiny11k_stereo.aiff'))));
    expect(d.sampleRate).toBe(11025);
    expect(d.channels).toHaveLength(2);
    expect(d.channels[0]).toHaveLength(551);
    expect(d.channels[1]).toEqual(d.channels[0]);
    // Least-squares fit of a 440 Hz sinusoid: big-endian read right leaves only rounding noise.
    const x = d.channels[0];
    let ss = 0, cc = 0, sx = 0, cx = 0;
    x.forEach((v, i) => {
      const s = Math.sin((2 * Math.PI * 440 * i) / 11025);
      const c = Math.cos((2 * Math.PI * 440 * i) / 11025);
      ss += s * s;
      cc += c * c;
      sx += s * v;
      cx += c * v;
    });
    const a = sx / ss;
    const b = cx / cc;
    let resid = 0;
    x.forEach((v, i) => (resid += (v - a * Math.sin((2 * Math.PI * 440 * i) / 11025) - b * Math.cos((2 * Math.PI * 440 * i) / 11025)) ** 2));
    expect(Math.hypot(a, b)).toBeGreaterThan(0.05);
    expect(Math.sqrt(resid / x.length)).toBeLessThan(1e-3);
  });

  it('reads signed 8-bit, big-endian 16- and 24-bit', () => {
    expect(Array.from(decodeAiff(aiff({ channels: 1, frames: 3, bits: 8, data: [0x80, 0x00, 0x40] })).channels[0])).toEqual([-1, 0, 0.5]);
    const s16 = decodeAiff(aiff({ channels: 2, frames: 1, bits: 16, data: [0x40, 0x00, 0xc0, 0x00] }));
    expect(s16.sampleRate).toBe(44100);
    expect(s16.channels.map((c) => c[0])).toEqual([0.5, -0.5]);
    expect(decodeAiff(aiff({ channels: 1, frames: 1, bits: 24, data: [0xff, 0xff, 0xff] })).channels[0][0]).toBe(-1 / 8388608);
    // SSND's offset field skips alignment padding before the first sample.
    expect(decodeAiff(aiff({ channels: 1, frames: 1, bits: 16, data: [0x40, 0x00], offset: 6 })).channels[0][0]).toBe(0.5);
  });

  it("reads AIFF-C 'sowt' (little-endian) and 'fl32'", () => {
    expect(decodeAiff(aiff({ channels: 1, frames: 1, bits: 16, compression: 'sowt', data: [0x00, 0x40] })).channels[0][0]).toBe(0.5);
    const fl = decodeAiff(aiff({ channels: 1, frames: 1, bits: 32, compression: 'fl32', data: [0x3e, 0x80, 0, 0] }));
    expect(fl.channels[0][0]).toBe(0.25);
  });

  it('reports truncation, unsupported compression and a missing COMM chunk', () => {
    expect(failure(() => decodeAiff(aiff({ channels: 1, frames: 44100, bits: 16, data: [0, 0, 0, 0], ssndSize: 8 + 88200 })))).toBe(
      'FILE_TRUNCATED: The header declares 1.00 s of audio but the file holds only 0.00 s.',
    );
    expect(failure(() => decodeAiff(aiff({ channels: 1, frames: 1, bits: 16, compression: 'ima4', data: [0, 0] })))).toMatch(/^CODEC_UNSUPPORTED: .*'ima4'/);
    expect(failure(() => decodeAiff(Uint8Array.from([...text('FORM'), ...be32(4), ...text('AIFF')])))).toMatch(/^FILE_CORRUPT/);
  });
});
