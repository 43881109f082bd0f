import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError } from '../errors/StudioError';
import { decodeWav, encodeWav16 } from './wav';
import { alawToLinear, mulawToLinear } from './pcm';
import { buildWav } from './wavTestBuilder';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof StudioError) return e.code;
    throw e;
  }
  return 'no error';
}

function errorOf(fn: () => unknown): StudioError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StudioError) return e;
    throw e;
  }
  throw new Error('expected a StudioError');
}

describe('decodeWav with hand-built headers', () => {
  it('calls MP3 in a stereo WAV unsupported (for the browser to try), not damaged', () => {
    const wav = buildWav({ format: 0x55, channels: 2, rate: 44100, bits: 0, slot: 1, data: new Uint8Array(64) });
    new DataView(wav.buffer).setUint16(32, 1, true); // MPEGLAYER3WAVEFORMAT: nBlockAlign 1
    expect(codeOf(() => decodeWav(wav))).toBe('CODEC_UNSUPPORTED');
  });

  it('decodes an 8-channel WAVE_FORMAT_EXTENSIBLE float file channel by channel', () => {
    const frames = 10;
    const data = new Uint8Array(frames * 8 * 4);
    const v = new DataView(data.buffer);
    for (let i = 0; i < frames; i++) for (let c = 0; c < 8; c++) v.setFloat32((i * 8 + c) * 4, c / 10 + i / 1000, true);
    const got = decodeWav(buildWav({ format: 3, channels: 8, rate: 96000, bits: 32, extensible: true, data }));
    expect(got.sampleRate).toBe(96000);
    expect(got.channels).toHaveLength(8);
    got.channels.forEach((ch, c) => expect(Array.from(ch)).toEqual(Array.from({ length: frames }, (_, i) => Math.fround(c / 10 + i / 1000))));
  });

  it('decodes a 6-channel WAVE_FORMAT_EXTENSIBLE 24-bit integer file', () => {
    const frames = 5;
    const data = new Uint8Array(frames * 6 * 3);
    const expected: number[][] = Array.from({ length: 6 }, () => []);
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < 6; c++) {
        const q = (c - 3) * 1000003 + i * 77; // spans negative and positive 24-bit values
        const at = (i * 6 + c) * 3;
        data[at] = q & 0xff;
        data[at + 1] = (q >> 8) & 0xff;
        data[at + 2] = (q >> 16) & 0xff;
        expected[c].push(Math.fround(q / 8388608));
      }
    }
    const got = decodeWav(buildWav({ format: 1, channels: 6, rate: 44100, bits: 24, extensible: true, data }));
    expect(got.channels.map((ch) => Array.from(ch))).toEqual(expected);
  });

  it('reads 20-bit samples left-justified in 3-byte slots (extensible, valid bits 20)', () => {
    const data = Uint8Array.from([0x00, 0x00, 0x80, 0x10, 0x00, 0x00, 0xf0, 0xff, 0x7f]); // -1, 1 step of 20 bits, max
    const got = decodeWav(buildWav({ format: 1, channels: 1, rate: 8000, bits: 20, slot: 3, extensible: true, data }));
    expect(Array.from(got.channels[0])).toEqual([-1, 1 / 2 ** 19, Math.fround((2 ** 19 - 1) / 2 ** 19)]);
  });

  it('decodes big-endian RIFX and skips odd-sized chunks before the data', () => {
    const data = Uint8Array.from([0x40, 0x00, 0xc0, 0x00]); // 0.5, -0.5 as big-endian int16
    const list = Uint8Array.from([...'junk'].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 3, 1, 2, 3, 0]));
    const got = decodeWav(buildWav({ format: 1, channels: 1, rate: 8000, bits: 16, bigEndian: true, data, chunksBeforeData: list }));
    expect(Array.from(got.channels[0])).toEqual([0.5, -0.5]);
  });

  it.each([0xffffffff, 0x7fffffff, 0x7ffff000])('reads a streamed WAV (data size %s, as streaming writers leave it) up to the end of the file', (declared) => {
    const data = Uint8Array.from([0x00, 0x40, 0x00, 0xc0, 0x00]); // 2 frames and a stray byte
    const got = decodeWav(buildWav({ format: 1, channels: 1, rate: 8000, bits: 16, data, declaredDataBytes: declared }));
    expect(Array.from(got.channels[0])).toEqual([0.5, -0.5]);
  });

  it('decodes the G.711 reference points', () => {
    expect([alawToLinear(0xd5), alawToLinear(0x55), alawToLinear(0xaa), alawToLinear(0x2a)]).toEqual([8, -8, 32256, -32256]);
    expect([mulawToLinear(0xff), mulawToLinear(0x7f), mulawToLinear(0x80), mulawToLinear(0x00)]).toEqual([0, 0, 32124, -32124]);
  });
});

describe('decodeWav failures', () => {
  it('reports truncation with declared and present durations', () => {
    const full = encodeWav16(new Float32Array(16000).fill(0.25), 8000); // 2 s
    const err = errorOf(() => decodeWav(full.subarray(0, 44 + 8000))); // 0.5 s present
    expect(err.code).toBe('FILE_TRUNCATED');
    expect(err.detail).toBe('The header declares 2.00 s of audio but the file holds only 0.50 s.');
    expect(decodeWav(full).channels[0]).toHaveLength(16000);
  });

  it('calls garbage, a missing fmt or data chunk, and impossible fmt values corrupt', () => {
    const noise = new Uint8Array(1000).map((_, i) => (i * 7919) % 251);
    expect(codeOf(() => decodeWav(noise))).toBe('FILE_CORRUPT');
    expect(codeOf(() => decodeWav(new Uint8Array(0)))).toBe('FILE_CORRUPT');
    const good = encodeWav16(new Float32Array(10), 8000);
    const noFmt = good.slice();
    noFmt.set([0x66, 0x6d, 0x74, 0x78], 12); // 'fmtx'
    expect(codeOf(() => decodeWav(noFmt))).toBe('FILE_CORRUPT');
    expect(codeOf(() => decodeWav(good.subarray(0, 36)))).toBe('FILE_CORRUPT'); // no data chunk
    const noChannels = good.slice();
    noChannels[22] = 0;
    expect(codeOf(() => decodeWav(noChannels))).toBe('FILE_CORRUPT');
    const badAlign = good.slice();
    badAlign[32] = 1; // block align 1 cannot hold a 16-bit sample
    expect(codeOf(() => decodeWav(badAlign))).toBe('FILE_CORRUPT');
    const stereo = buildWav({ format: 1, channels: 2, rate: 8000, bits: 16, data: new Uint8Array(8) });
    stereo[32] = 3; // block align 3 for two channels
    expect(codeOf(() => decodeWav(stereo))).toBe('FILE_CORRUPT');
    const shortFmt = buildWav({ format: 1, channels: 1, rate: 8000, bits: 16, data: new Uint8Array(4) });
    new DataView(shortFmt.buffer).setUint32(16, 12, true);
    expect(codeOf(() => decodeWav(shortFmt))).toBe('FILE_CORRUPT');
  });

  it('names compressed formats it does not decode', () => {
    const adpcm = buildWav({ format: 2, channels: 1, rate: 8000, bits: 4, slot: 1, data: new Uint8Array(8) });
    const err = errorOf(() => decodeWav(adpcm));
    expect(err.code).toBe('CODEC_UNSUPPORTED');
    expect(err.detail).toContain('0x0002 (MS ADPCM)');
  });

  it('decodes the sox-written sweep fixture', () => {
    const got = decodeWav(new Uint8Array(readFileSync(join(__dirname, 'testdata', 'sweep24k.wav'))));
    expect(got.sampleRate).toBe(24000);
    expect(got.channels[0]).toHaveLength(24000);
    const peak = got.channels[0].reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    expect(peak).toBeGreaterThan(0.49);
    expect(peak).toBeLessThan(0.51);
  });
});
