/**
 * Recording from the microphone, the parts that do not touch the browser: which container to ask
 * MediaRecorder for, what the recording is called, and which error a failure is. The recording
 * becomes a clip like a dropped file (same decoding, checks and messages); src/ui/micRecorder.ts
 * is the browser glue.
 */
import type { ErrorCode } from '../errors/codes';

/** Preferred first: Opus in WebM (Chromium, Firefox), then what Safari records. */
export const RECORDING_TYPES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'] as const;

/** The first type the recorder supports; undefined lets the browser choose. */
export function recordingType(isSupported: (type: string) => boolean): string | undefined {
  return RECORDING_TYPES.find((t) => {
    try {
      return isSupported(t);
    } catch {
      return false;
    }
  });
}

const EXTENSIONS: Record<string, string> = { 'audio/webm': 'webm', 'audio/ogg': 'ogg', 'audio/mp4': 'm4a', 'audio/mpeg': 'mp3', 'audio/wav': 'wav' };

/** "Recording 3.webm": numbered, with the extension of what the recorder produced ("audio/webm;codecs=opus" -> webm). */
export function recordingFileName(n: number, mimeType: string): string {
  const ext = EXTENSIONS[mimeType.split(';')[0].trim().toLowerCase()] ?? 'webm';
  return `Recording ${n}.${ext}`;
}

/** The next recording's number: one more than the highest "Recording N" among the clip names. */
export function nextRecordingNumber(names: readonly string[]): number {
  let n = 0;
  for (const name of names) {
    const m = /^Recording (\d+)\./.exec(name);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return n + 1;
}

/** getUserMedia / MediaRecorder failures (DOMException names) as the studio's error codes. */
export function micErrorCode(err: unknown): ErrorCode {
  const name = typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'MIC_DENIED';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'MIC_NOT_FOUND';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'MIC_BUSY';
    case 'NotSupportedError':
    case 'TypeError':
      return 'MIC_UNSUPPORTED';
    default:
      return 'INTERNAL';
  }
}
