import { describe, expect, it } from 'vitest';
import { ERROR_TEXT } from '../errors/codes';
import { micErrorCode, nextRecordingNumber, recordingFileName, recordingType } from './micRecording';

describe('microphone recording helpers', () => {
  it('asks for the first container the recorder supports, or lets the browser choose', () => {
    expect(recordingType((t) => t.startsWith('audio/webm'))).toBe('audio/webm;codecs=opus');
    expect(recordingType((t) => t === 'audio/mp4')).toBe('audio/mp4');
    expect(recordingType(() => false)).toBeUndefined();
    expect(recordingType(() => { throw new Error('old browser'); })).toBeUndefined();
  });

  it('names recordings by number with the extension of what was recorded', () => {
    expect(recordingFileName(1, 'audio/webm;codecs=opus')).toBe('Recording 1.webm');
    expect(recordingFileName(2, 'audio/mp4')).toBe('Recording 2.m4a');
    expect(recordingFileName(3, 'Audio/Ogg; codecs=opus')).toBe('Recording 3.ogg');
    expect(recordingFileName(4, '')).toBe('Recording 4.webm');
  });

  it('numbers the next recording after the highest one among the clips', () => {
    expect(nextRecordingNumber([])).toBe(1);
    expect(nextRecordingNumber(['drums.flac', 'Recording 2.webm', 'Recording 9.m4a', 'Recording 10 take.wav'])).toBe(10);
  });

  it('maps the browser failures to codes with their own message', () => {
    const err = (name: string) => Object.assign(new Error(name), { name });
    expect(micErrorCode(err('NotAllowedError'))).toBe('MIC_DENIED');
    expect(micErrorCode(err('NotFoundError'))).toBe('MIC_NOT_FOUND');
    expect(micErrorCode(err('NotReadableError'))).toBe('MIC_BUSY');
    expect(micErrorCode(new TypeError('navigator.mediaDevices is undefined'))).toBe('MIC_UNSUPPORTED');
    expect(micErrorCode('weird')).toBe('INTERNAL');
    for (const code of ['MIC_DENIED', 'MIC_NOT_FOUND', 'MIC_BUSY', 'MIC_UNSUPPORTED'] as const) expect(ERROR_TEXT[code]).toMatch(/\w/);
  });
});
