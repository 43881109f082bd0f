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
  it('says 0 (unknown) for a damaged header rather than throwing', () => {
    const junk = new Uint8Array([82, 73, 70, 70, 0, 0, 0, 0, 87, 65, 86, 69]);
    expect(minDurationSeconds(junk, sniffAudio(junk))).toBe(0);
  });
});
