import { StudioError } from '../errors/StudioError';
import { decodeAiff } from './aiff';
import { LIMITS, checkFileSize } from './checks';
import { minDurationSeconds } from './durationBound';
import { sniffAudio, type SniffResult } from './sniff';
import { decodeWav } from './wav';

/**
 * The only browser file in src/audio: File -> PCM channels at the file's native rate.
 * WAV and AIFF are decoded by our own exact decoders (any bit depth, any channel count); the rest
 * by the browser's decodeAudioData, in an OfflineAudioContext at the rate sniffed from the
 * headers so that the browser does not resample. Checks on the samples happen in the engine.
 */

export interface DecodedFile {
  channels: Float32Array[];
  sampleRate: number;
  container: string;
}

const FALLBACK_RATE = 48000;

/** Browsers accept different rate ranges (Chrome 3000-768000, Firefox 8000-192000). */
function offlineContext(rate: number): OfflineAudioContext {
  try {
    return new OfflineAudioContext(1, 1, rate);
  } catch {
    return new OfflineAudioContext(1, 1, FALLBACK_RATE);
  }
}

async function browserDecode(bytes: Uint8Array, rate: number): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  // decodeAudioData detaches the buffer it is given, so it gets a copy.
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const context = offlineContext(rate);
  const audio = await context.decodeAudioData(copy);
  const channels: Float32Array[] = [];
  for (let c = 0; c < audio.numberOfChannels; c++) channels.push(audio.getChannelData(c).slice());
  return { channels, sampleRate: audio.sampleRate };
}

function decodeFailure(sniff: SniffResult, name: string, reason: unknown): StudioError {
  const why = reason instanceof Error && reason.message ? ` The browser said: ${reason.message}` : '';
  if (sniff.truncated) {
    return new StudioError('FILE_TRUNCATED', `"${name}" (${sniff.container}) ends before its headers say it should.${why}`);
  }
  const code = sniff.container === 'mp4' || sniff.container === 'webm' ? 'CODEC_UNSUPPORTED' : 'FILE_CORRUPT';
  return new StudioError(code, `"${name}" (${sniff.container}) could not be decoded.${why}`);
}

export async function decodeAudioFile(file: File): Promise<DecodedFile> {
  checkFileSize(file.size);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sniff = sniffAudio(bytes);
  if (sniff.container === 'unknown') {
    throw new StudioError('FILE_NOT_AUDIO', `"${file.name}" does not start like any audio format we know.`);
  }
  const atLeast = minDurationSeconds(bytes, sniff);
  if (atLeast > LIMITS.maxSeconds) {
    throw new StudioError('AUDIO_TOO_LONG', `"${file.name}" lasts at least ${(atLeast / 60).toFixed(1)} min; the limit is ${LIMITS.maxSeconds / 60} min.`);
  }
  const ownDecoder = sniff.container === 'wav' ? decodeWav : sniff.container === 'aiff' ? decodeAiff : null;
  if (ownDecoder) {
    try {
      return { ...ownDecoder(bytes), container: sniff.container };
    } catch (err) {
      // Compressed payloads (ADPCM and the like) may still be decodable by the browser.
      if (!(err instanceof StudioError && err.code === 'CODEC_UNSUPPORTED')) throw err;
      try {
        return { ...(await browserDecode(bytes, sniff.sampleRate ?? FALLBACK_RATE)), container: sniff.container };
      } catch {
        throw err;
      }
    }
  }
  try {
    return { ...(await browserDecode(bytes, sniff.sampleRate ?? FALLBACK_RATE)), container: sniff.container };
  } catch (reason) {
    throw decodeFailure(sniff, file.name, reason);
  }
}
