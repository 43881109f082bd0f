import { looksLikeAiff, readAiffHeader } from './aiff';
import { hasBytes, u16le, u32le, u64le } from './bytes';
import { sniffMp4, looksLikeMp4 } from './sniffMp4';
import { sniffMpeg, skipId3v2 } from './sniffMpeg';
import { looksLikeWebm, sniffWebm } from './sniffWebm';
import { readWavHeader, looksLikeWav } from './wavHeader';

/**
 * Identifies an audio container from its first bytes and reads the native sample rate and
 * channel count from its headers, so the browser can decode without resampling. Pure and
 * total: never throws; fields it cannot read are left out.
 */

export type Container = 'wav' | 'flac' | 'ogg' | 'mp3' | 'aac' | 'mp4' | 'webm' | 'aiff' | 'unknown';

export interface SniffResult {
  container: Container;
  /** The rate the stream decodes at (48000 for Opus, whatever its header says). */
  sampleRate?: number;
  channels?: number;
  /** The headers promise more bytes than the file holds (cut download, partial copy). */
  truncated?: boolean;
  /** The stream's length in seconds when the container says (Ogg: the last page's granule position). */
  seconds?: number;
}

/** FLAC STREAMINFO (the block body, 34 bytes at `at`). */
function streamInfo(b: Uint8Array, at: number): { sampleRate?: number; channels?: number } {
  if (at + 18 > b.length) return {};
  const sampleRate = (b[at + 10] << 12) | (b[at + 11] << 4) | (b[at + 12] >> 4);
  const channels = ((b[at + 12] >> 1) & 7) + 1;
  return sampleRate > 0 ? { sampleRate, channels } : { channels };
}

function sniffFlac(b: Uint8Array, start: number): SniffResult {
  // Metadata blocks: 1 byte (last flag, type), 3 bytes length. STREAMINFO (type 0) comes first.
  const result: SniffResult = { container: 'flac' };
  if ((b[start + 4] & 0x7f) === 0) Object.assign(result, streamInfo(b, start + 8));
  let o = start + 4;
  for (let n = 0; n < 1000 && o + 4 <= b.length; n++) {
    const last = b[o] & 0x80;
    o += 4 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
    if (last) break;
  }
  if (o > b.length) result.truncated = true;
  return result;
}

function sniffOgg(b: Uint8Array): SniffResult {
  const result: SniffResult = { container: 'ogg' };
  const segments = b[26] ?? 0;
  const p = 27 + segments; // first packet of the first page
  let preSkip = 0;
  if (hasBytes(b, p, '\x01vorbis')) {
    result.channels = b[p + 11];
    result.sampleRate = u32le(b, p + 12);
  } else if (hasBytes(b, p, 'OpusHead')) {
    result.channels = b[p + 9];
    result.sampleRate = 48000;
    preSkip = Math.max(0, u16le(b, p + 10));
  } else if (hasBytes(b, p, '\x7fFLAC') && hasBytes(b, p + 9, 'fLaC')) {
    Object.assign(result, streamInfo(b, p + 17));
  } else if (hasBytes(b, p, 'Speex   ')) {
    result.sampleRate = u32le(b, p + 36);
    result.channels = u32le(b, p + 48);
  }
  // Walk the pages: a last page that runs past the end means the file was cut; the last granule
  // position of the first stream (samples at its rate, Opus's at 48 kHz after its pre-skip) is its
  // length. A stream cut from a longer one (a radio capture) starts at a large granule: its first
  // page's granule is subtracted then, which leaves a lower bound (that page's own samples uncounted).
  let o = 0;
  let first = -1;
  let granule = -1;
  const serial = u32le(b, 14);
  while (hasBytes(b, o, 'OggS') && o + 27 <= b.length) {
    const n = b[o + 26];
    const g = u64le(b, o + 6);
    if (g >= 0 && g < 2 ** 53 && u32le(b, o + 14) === serial) { // all ones (-1): no packet ends on this page
      if (first < 0 && g > 0) first = g;
      granule = g;
    }
    if (o + 27 + n > b.length) {
      result.truncated = true;
      break;
    }
    let body = 0;
    for (let i = 0; i < n; i++) body += b[o + 27 + i];
    o += 27 + n + body;
    if (o > b.length) result.truncated = true;
  }
  if (granule >= 0 && result.sampleRate && result.sampleRate > 0) {
    const start = first > 60 * result.sampleRate ? first : 0; // no page of a stream that starts at 0 holds a minute
    result.seconds = Math.max(0, granule - start - preSkip) / result.sampleRate;
  }
  return clean(result);
}

function sniffAiff(b: Uint8Array): SniffResult {
  try {
    const h = readAiffHeader(b);
    const truncated = h.dataBytesDeclared > h.dataBytesPresent;
    return clean({ container: 'aiff', sampleRate: Math.round(h.sampleRate), channels: h.channels, truncated });
  } catch {
    return { container: 'aiff' };
  }
}

function sniffWav(b: Uint8Array): SniffResult {
  try {
    const h = readWavHeader(b);
    const truncated = h.dataBytesDeclared !== null && h.dataBytesDeclared > h.dataBytesPresent;
    return clean({ container: 'wav', sampleRate: h.sampleRate, channels: h.channels, truncated });
  } catch {
    return { container: 'wav' };
  }
}

/** Drops fields that are zero, negative or not numbers; and `truncated: false`. */
function clean(r: SniffResult): SniffResult {
  const out: SniffResult = { container: r.container };
  if (r.sampleRate !== undefined && Number.isFinite(r.sampleRate) && r.sampleRate > 0) out.sampleRate = r.sampleRate;
  if (r.channels !== undefined && Number.isInteger(r.channels) && r.channels > 0) out.channels = r.channels;
  if (r.truncated) out.truncated = true;
  if (r.seconds !== undefined && Number.isFinite(r.seconds) && r.seconds > 0) out.seconds = r.seconds;
  return out;
}

export function sniffAudio(bytes: Uint8Array): SniffResult {
  const b = bytes;
  if (looksLikeWav(b)) return sniffWav(b);
  if (looksLikeAiff(b)) return sniffAiff(b);
  if (hasBytes(b, 0, 'OggS')) return sniffOgg(b);
  if (looksLikeWebm(b)) return clean({ container: 'webm', ...sniffWebm(b) });
  if (looksLikeMp4(b)) return clean({ container: 'mp4', ...sniffMp4(b) });
  // FLAC may sit behind an ID3v2 tag; so may MP3 and ADTS.
  const afterId3 = skipId3v2(b);
  if (hasBytes(b, afterId3, 'fLaC')) return clean(sniffFlac(b, afterId3));
  const mpeg = sniffMpeg(b);
  if (mpeg) return clean({ container: mpeg.kind, sampleRate: mpeg.sampleRate, channels: mpeg.channels });
  return { container: 'unknown' };
}
