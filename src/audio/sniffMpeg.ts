import { hasBytes } from './bytes';

/**
 * MPEG audio elementary streams: ID3v2 tags, MP3 (MPEG-1/2/2.5 layer I-III) frame headers,
 * and AAC in ADTS framing. A match needs a valid header at the start (after any ID3v2 tags)
 * and, when the file is long enough, a second valid header right where the first frame ends.
 */

export interface MpegInfo {
  kind: 'mp3' | 'aac';
  sampleRate: number;
  channels: number;
}

/** Offset just past any ID3v2 tags at `at` (0 when there are none). */
export function skipId3v2(b: Uint8Array, at = 0): number {
  let o = at;
  while (hasBytes(b, o, 'ID3') && o + 10 <= b.length) {
    const flags = b[o + 5];
    const size = ((b[o + 6] & 0x7f) << 21) | ((b[o + 7] & 0x7f) << 14) | ((b[o + 8] & 0x7f) << 7) | (b[o + 9] & 0x7f);
    o += 10 + size + (flags & 0x10 ? 10 : 0);
  }
  return o;
}

const MP3_RATES = [44100, 48000, 32000];
// kbit/s by [MPEG-1 ? 0 : 1][layer 1..3 -> 0..2][index]
const MP3_BITRATES = [
  [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];
const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

interface Frame extends MpegInfo {
  /** Frame length in bytes (0 for free-format MP3, where it is unknown). */
  length: number;
}

function mp3Frame(b: Uint8Array, o: number): Frame | null {
  if (o + 4 > b.length || b[o] !== 0xff || (b[o + 1] & 0xe0) !== 0xe0) return null;
  const version = (b[o + 1] >> 3) & 3; // 0: 2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
  const layer = 4 - ((b[o + 1] >> 1) & 3); // 4 means reserved
  const brIndex = b[o + 2] >> 4;
  const srIndex = (b[o + 2] >> 2) & 3;
  if (version === 1 || layer === 4 || brIndex === 15 || srIndex === 3) return null;
  const sampleRate = MP3_RATES[srIndex] / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const kbps = MP3_BITRATES[version === 3 ? 0 : 1][layer - 1][brIndex];
  const pad = (b[o + 2] >> 1) & 1;
  let length = 0;
  if (kbps > 0) {
    const bps = kbps * 1000;
    if (layer === 1) length = (Math.floor((12 * bps) / sampleRate) + pad) * 4;
    else if (layer === 3 && version !== 3) length = Math.floor((72 * bps) / sampleRate) + pad;
    else length = Math.floor((144 * bps) / sampleRate) + pad;
  }
  const channels = b[o + 3] >> 6 === 3 ? 1 : 2;
  return { kind: 'mp3', sampleRate, channels, length };
}

function adtsFrame(b: Uint8Array, o: number): Frame | null {
  if (o + 7 > b.length || b[o] !== 0xff || (b[o + 1] & 0xf6) !== 0xf0) return null;
  const srIndex = (b[o + 2] >> 2) & 0xf;
  if (srIndex >= AAC_RATES.length) return null;
  const channelConfig = ((b[o + 2] & 1) << 2) | (b[o + 3] >> 6);
  const length = ((b[o + 3] & 3) << 11) | (b[o + 4] << 3) | (b[o + 5] >> 5);
  if (length < 7) return null;
  // Channel configuration 7 is 7.1 (8 channels); 0 means "described in the stream".
  const channels = channelConfig === 7 ? 8 : channelConfig;
  return { kind: 'aac', sampleRate: AAC_RATES[srIndex], channels, length };
}

const frameAt = (b: Uint8Array, o: number, kind?: MpegInfo['kind']): Frame | null =>
  kind === 'aac' ? adtsFrame(b, o) : kind === 'mp3' ? mp3Frame(b, o) : (adtsFrame(b, o) ?? mp3Frame(b, o));

/** `count` frames in a row, each where the previous one ends, all at the same rate. */
function chainAt(b: Uint8Array, o: number, count: number): Frame | null {
  const first = frameAt(b, o);
  if (!first) return null;
  let at = o;
  let frame: Frame | null = first;
  for (let i = 1; i < count; i++) {
    if (frame.length === 0) return null;
    at += frame.length;
    if (at + 4 > b.length) return i > 1 ? first : null;
    frame = frameAt(b, at, first.kind);
    if (!frame || frame.sampleRate !== first.sampleRate) return null;
  }
  return first;
}

/** How far past the tags to look for the first frame when the stream starts with junk. */
const SCAN_BYTES = 64 * 1024;

/**
 * Finds an MP3 or ADTS stream: a frame right after any ID3v2 tags, confirmed by the frame that
 * follows; or, when the stream starts with junk, three frames in a row within the first 64 KB.
 */
export function sniffMpeg(b: Uint8Array): MpegInfo | null {
  const start = skipId3v2(b);
  let first = chainAt(b, start, 2);
  if (!first && start > 0) {
    // A tagged file that is a single frame long.
    const only = frameAt(b, start);
    if (only && only.length > 0 && start + only.length <= b.length) first = only;
  }
  for (let o = start + 1; !first && o < Math.min(b.length, start + SCAN_BYTES); o++) {
    if (b[o] === 0xff) first = chainAt(b, o, 3);
  }
  return first && { kind: first.kind, sampleRate: first.sampleRate, channels: first.channels };
}
