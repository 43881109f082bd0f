import { readAiffHeader } from './aiff';
import type { SniffResult } from './sniff';
import { readWavHeader } from './wavHeader';

/**
 * A lower bound on a file's duration in seconds, read from headers before decoding, so a
 * 2-hour file is refused before the browser spends gigabytes decoding it. Exact for WAV, AIFF,
 * FLAC (STREAMINFO), Ogg (its last granule position) and MP4 with a movie duration; otherwise, for
 * lossy formats, bytes / the format's highest bitrate (a lossless stream in such a container,
 * ALAC in a fragmented MP4, FLAC in WebM, could be refused early: rare). 0 when unknown.
 */
const MAX_BITS_PER_SECOND: Partial<Record<SniffResult['container'], number>> = {
  mp3: 320_000,
  aac: 640_000,
  mp4: 640_000,
  ogg: 640_000,
  webm: 640_000,
};

export function minDurationSeconds(bytes: Uint8Array, sniff: SniffResult): number {
  try {
    switch (sniff.container) {
      case 'wav': {
        const h = readWavHeader(bytes);
        return h.blockAlign > 0 && h.sampleRate > 0 ? h.dataBytesPresent / h.blockAlign / h.sampleRate : 0; // a 0 Hz header is the decoder's to report
      }
      case 'aiff': {
        const h = readAiffHeader(bytes);
        return h.sampleRate > 0 ? h.frames / h.sampleRate : 0;
      }
      case 'flac':
        return flacSeconds(bytes);
      default: {
        if (sniff.seconds !== undefined) return sniff.seconds; // the container says (Ogg, MP4)
        const bps = MAX_BITS_PER_SECOND[sniff.container];
        return bps ? (bytes.length * 8) / bps : 0;
      }
    }
  } catch {
    return 0; // a damaged header is reported by the decoder, with its own message
  }
}

/** FLAC STREAMINFO: 20-bit sample rate, 36-bit total samples (0 = unknown). */
function flacSeconds(b: Uint8Array): number {
  if (b.length < 8 + 18 || String.fromCharCode(b[0], b[1], b[2], b[3]) !== 'fLaC' || (b[4] & 0x7f) !== 0) return 0;
  const s = 8 + 10; // after the block header and the 10 bytes of block/frame sizes
  const rate = (b[s] << 12) | (b[s + 1] << 4) | (b[s + 2] >> 4);
  const total = (b[s + 3] & 0x0f) * 2 ** 32 + ((b[s + 4] << 24) >>> 0) + (b[s + 5] << 16) + (b[s + 6] << 8) + b[s + 7];
  return rate > 0 ? total / rate : 0;
}
