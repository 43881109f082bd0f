import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { LIMITS, checkDecoded, checkFileSize, frameSamplesAt } from './checks';

const ENCODEC_32K = { hop: 640, rate: 32000 };

function failure(fn: () => void): { code: string; detail: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof StudioError) return { code: e.code, detail: e.detail };
    throw e;
  }
  return { code: 'passed', detail: '' };
}

const tone = (n: number, amp = 0.5) => new Float32Array(n).map((_, i) => amp * Math.sin(i * 0.05));

describe('checkFileSize', () => {
  it('rejects empty files and files over the limit, with both sizes', () => {
    expect(failure(() => checkFileSize(0)).code).toBe('FILE_EMPTY');
    expect(failure(() => checkFileSize(1)).code).toBe('passed');
    expect(failure(() => checkFileSize(LIMITS.maxFileBytes)).code).toBe('passed');
    expect(failure(() => checkFileSize(LIMITS.maxFileBytes + 1)).code).toBe('FILE_TOO_LARGE');
    expect(failure(() => checkFileSize(300 * 1024 * 1024))).toEqual({
      code: 'FILE_TOO_LARGE',
      detail: 'The file is 300.0 MB; the limit is 200.0 MB.',
    });
  });
});

describe('checkDecoded', () => {
  it('accepts ordinary audio', () => {
    expect(failure(() => checkDecoded([tone(48000), tone(48000)], 48000, ENCODEC_32K)).code).toBe('passed');
  });

  it('refuses a sample rate no audio has (a damaged header) as damaged, not as an internal error later', () => {
    expect(failure(() => checkDecoded([tone(48000)], 20_000_000, ENCODEC_32K)).code).toBe('FILE_CORRUPT');
  });

  it('limits the channel count', () => {
    const many = (n: number) => Array.from({ length: n }, () => tone(2000));
    expect(failure(() => checkDecoded(many(LIMITS.maxChannels), 32000, ENCODEC_32K)).code).toBe('passed');
    expect(failure(() => checkDecoded(many(LIMITS.maxChannels + 1), 32000, ENCODEC_32K))).toEqual({
      code: 'AUDIO_TOO_MANY_CHANNELS',
      detail: 'The file has 33 channels; the limit is 32.',
    });
  });

  it('states the duration and the limit when a clip is too long', () => {
    // 7200 s at 8 Hz keeps the array small; the check only looks at length / rate.
    expect(failure(() => checkDecoded([tone(7200 * 8)], 8, { hop: 1, rate: 8 }))).toEqual({
      code: 'AUDIO_TOO_LONG',
      detail: 'The clip lasts 7200.0 s; the limit is 600 s.',
    });
    expect(failure(() => checkDecoded([tone(600 * 100)], 100, { hop: 1, rate: 100 })).code).toBe('passed');
    expect(failure(() => checkDecoded([tone(600 * 100 + 1)], 100, { hop: 1, rate: 100 })).code).toBe('AUDIO_TOO_LONG');
  });

  it('needs one codec frame at the file rate', () => {
    // 640 samples at 32 kHz = 20 ms = 882 samples at 44.1 kHz.
    expect(frameSamplesAt(44100, ENCODEC_32K)).toBe(882);
    expect(failure(() => checkDecoded([tone(882)], 44100, ENCODEC_32K)).code).toBe('passed');
    expect(failure(() => checkDecoded([tone(881)], 44100, ENCODEC_32K))).toEqual({
      code: 'AUDIO_TOO_SHORT',
      detail: 'The clip has 881 samples (20.0 ms) at 44100 Hz; one codec frame needs 882 samples (20.0 ms).',
    });
    expect(failure(() => checkDecoded([new Float32Array(0)], 44100, ENCODEC_32K)).code).toBe('AUDIO_TOO_SHORT');
  });

  it('finds NaN and infinity in any channel and says where', () => {
    const bad = tone(8000);
    bad[4000] = NaN;
    expect(failure(() => checkDecoded([tone(8000), bad], 8000, ENCODEC_32K))).toEqual({
      code: 'AUDIO_INVALID_SAMPLES',
      detail: 'Channel 2 has the value NaN at sample 4000 (0.500 s).',
    });
    const inf = tone(8000);
    inf[7999] = -Infinity;
    expect(failure(() => checkDecoded([inf], 8000, ENCODEC_32K)).code).toBe('AUDIO_INVALID_SAMPLES');
  });

  it('calls a clip silent below -80 dBFS peak', () => {
    expect(failure(() => checkDecoded([new Float32Array(32000)], 32000, ENCODEC_32K))).toEqual({
      code: 'AUDIO_SILENT',
      detail: 'The loudest sample is at digital zero; anything below -80 dBFS is treated as silence.',
    });
    expect(failure(() => checkDecoded([tone(32000, 5e-5)], 32000, ENCODEC_32K))).toEqual({
      code: 'AUDIO_SILENT',
      detail: 'The loudest sample is at -86.0 dBFS; anything below -80 dBFS is treated as silence.',
    });
    const quiet = new Float32Array(32000);
    quiet[100] = -2e-4; // a single sample at -74 dBFS is enough
    expect(failure(() => checkDecoded([quiet], 32000, ENCODEC_32K)).code).toBe('passed');
  });

  it('rejects no channels and an invalid rate as corrupt', () => {
    expect(failure(() => checkDecoded([], 32000, ENCODEC_32K)).code).toBe('FILE_CORRUPT');
    expect(failure(() => checkDecoded([tone(1000)], NaN, ENCODEC_32K)).code).toBe('FILE_CORRUPT');
  });
});
