import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { minDurationSeconds } from './durationBound';
import { sniffAudio } from './sniff';
import { encodeWav16 } from './wav';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../e2e/fixtures/${name}`, import.meta.url)));

describe('minDurationSeconds', () => {
  it('is exact for WAV', () => {
    const wav = encodeWav16(new Float32Array(8000 * 3), 8000);
    expect(minDurationSeconds(wav, sniffAudio(wav))).toBeCloseTo(3, 6);
  });
  it('reads FLAC STREAMINFO (the 12 s fixtures)', () => {
    const flac = fixture('drums.flac');
    expect(minDurationSeconds(flac, sniffAudio(flac))).toBeCloseTo(12, 3);
  });
  it('bounds lossy files from below by their highest bitrate', () => {
    const mp3 = fixture('demo-stereo-44k.mp3'); // 4 s at 96 kbps
    const s = minDurationSeconds(mp3, sniffAudio(mp3));
    expect(s).toBeGreaterThan(0.5);
    expect(s).toBeLessThanOrEqual(4);
  });
  it('reads an Ogg stream\'s length from its last granule position (not a bitrate guess, which refused lossless Ogg)', () => {
    const ogg = fixture('daramud.opus.ogg'); // 3 s of Opus (opusinfo: playback length 3.000 s)
    expect(minDurationSeconds(ogg, sniffAudio(ogg))).toBeCloseTo(3, 3);
  });
  it('counts an Ogg stream cut from a longer one (granules starting an hour in) from its first page, not from zero', () => {
    const page = (granule: bigint, body: Uint8Array, seq: number) => {
      const out = new Uint8Array(28 + body.length);
      out.set([0x4f, 0x67, 0x67, 0x53]);
      out[5] = seq === 0 ? 2 : 0;
      const v = new DataView(out.buffer);
      v.setBigUint64(6, granule, true);
      v.setUint32(14, 1234, true);
      v.setUint32(18, seq, true);
      out[26] = 1;
      out[27] = body.length;
      out.set(body, 28);
      return out;
    };
    const head = new Uint8Array(19);
    head.set([...'OpusHead'].map((c) => c.charCodeAt(0)));
    head[8] = 1;
    head[9] = 2;
    new DataView(head.buffer).setUint16(10, 312, true);
    const start = 48000n * 3600n;
    const pages = [page(0n, head, 0), page(0n, new Uint8Array(16), 1)];
    for (let i = 1; i <= 10; i++) pages.push(page(start + BigInt(i) * 48000n, new Uint8Array(200), i + 1)); // 10 s of audio
    const ogg = new Uint8Array(pages.flatMap((p) => [...p]));
    const s = minDurationSeconds(ogg, sniffAudio(ogg));
    expect(s).toBeGreaterThan(8);
    expect(s).toBeLessThanOrEqual(10);
  });
  it('reads an MP4\'s movie duration (mvhd)', () => {
    const box = (type: string, body: Uint8Array) => {
      const out = new Uint8Array(8 + body.length);
      new DataView(out.buffer).setUint32(0, out.length);
      [...type].forEach((c, i) => (out[4 + i] = c.charCodeAt(0)));
      out.set(body, 8);
      return out;
    };
    const mvhd = new Uint8Array(100);
    const v = new DataView(mvhd.buffer);
    v.setUint32(12, 44100); // timescale
    v.setUint32(16, 44100 * 480); // duration: 8 minutes
    const ftyp = box('ftyp', new Uint8Array([...'M4A '].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 0])));
    const m4a = new Uint8Array([...ftyp, ...box('moov', box('mvhd', mvhd)), ...box('mdat', new Uint8Array(50_000_000 / 1000))]);
    expect(minDurationSeconds(m4a, sniffAudio(m4a))).toBeCloseTo(480, 6);
  });
  it('a 0 Hz WAV header is left to the decoder (FILE_CORRUPT), not called endless', () => {
    const wav = encodeWav16(new Float32Array(800), 8000);
    new DataView(wav.buffer).setUint32(24, 0, true);
    expect(minDurationSeconds(wav, sniffAudio(wav))).toBe(0);
  });
  it('says 0 (unknown) for a damaged header rather than throwing', () => {
    const junk = new Uint8Array([82, 73, 70, 70, 0, 0, 0, 0, 87, 65, 86, 69]);
    expect(minDurationSeconds(junk, sniffAudio(junk))).toBe(0);
  });
});
