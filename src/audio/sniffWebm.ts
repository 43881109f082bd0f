import { ascii } from './bytes';

/**
 * Matroska / WebM: walks EBML elements Segment > Tracks > TrackEntry > Audio to the first
 * audio track's sampling frequency and channel count. Opus always decodes at 48 kHz.
 * Elements of unknown size (live recordings, e.g. MediaRecorder) are entered, not skipped;
 * the walk stops at the first Cluster, since the tracks come before the media data.
 */

export interface WebmInfo {
  sampleRate?: number;
  channels?: number;
  /** The Segment declares more bytes than the file has. */
  truncated: boolean;
}

const ID = {
  EBML: 0x1a45dfa3,
  SEGMENT: 0x18538067,
  TRACKS: 0x1654ae6b,
  TRACK_ENTRY: 0xae,
  TRACK_TYPE: 0x83,
  CODEC_ID: 0x86,
  AUDIO: 0xe1,
  SAMPLING_FREQUENCY: 0xb5,
  OUTPUT_SAMPLING_FREQUENCY: 0x78b5,
  CHANNELS: 0x9f,
  CLUSTER: 0x1f43b675,
} as const;

interface Element {
  id: number;
  body: number;
  /** End of the body; null for unknown size. */
  end: number | null;
}

export function looksLikeWebm(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3;
}

/** Reads an EBML element header at `o`, or null when it is not a valid one. */
function element(b: Uint8Array, o: number): Element | null {
  if (o >= b.length) return null;
  const idLen = Math.clz32(b[o]) - 23; // 1..4 for a valid first byte
  if (idLen < 1 || idLen > 4 || o + idLen >= b.length) return null;
  let id = 0;
  for (let i = 0; i < idLen; i++) id = id * 256 + b[o + i];
  const s = o + idLen;
  const sizeLen = Math.clz32(b[s]) - 23; // 1..8
  if (sizeLen < 1 || sizeLen > 8 || s + sizeLen > b.length) return null;
  let size = b[s] & (0xff >> sizeLen);
  let allOnes = size === 0xff >> sizeLen;
  for (let i = 1; i < sizeLen; i++) {
    size = size * 256 + b[s + i];
    allOnes &&= b[s + i] === 0xff;
  }
  const body = s + sizeLen;
  return { id, body, end: allOnes ? null : body + size };
}

function uint(b: Uint8Array, e: Element, limit: number): number {
  let v = 0;
  for (let i = e.body; i < Math.min(e.end ?? limit, limit); i++) v = v * 256 + b[i];
  return v;
}

function float(b: Uint8Array, e: Element): number {
  const len = (e.end ?? 0) - e.body;
  if (e.body + len > b.length) return NaN;
  const view = new DataView(b.buffer, b.byteOffset + e.body, len);
  return len === 4 ? view.getFloat32(0) : len === 8 ? view.getFloat64(0) : NaN;
}

/** The children of [from, to): unknown-size children are entered (their end is `to`). */
function* children(b: Uint8Array, from: number, to: number): Generator<Element> {
  let o = from;
  let count = 0;
  while (o < to && count++ < 100_000) {
    const e = element(b, o);
    if (!e) return;
    yield e;
    o = e.end === null ? e.body : e.end;
  }
}

interface Track {
  audio: boolean;
  codec: string;
  rate?: number;
  outputRate?: number;
  channels?: number;
}

function readTrack(b: Uint8Array, entry: Element, limit: number): Track {
  const t: Track = { audio: false, codec: '' };
  const end = Math.min(entry.end ?? limit, limit);
  for (const e of children(b, entry.body, end)) {
    if (e.id === ID.TRACK_TYPE) t.audio = uint(b, e, end) === 2;
    else if (e.id === ID.CODEC_ID) t.codec = ascii(b, e.body, Math.min(e.end ?? end, end) - e.body);
    else if (e.id === ID.AUDIO) {
      const audioEnd = Math.min(e.end ?? end, end);
      for (const a of children(b, e.body, audioEnd)) {
        if (a.id === ID.SAMPLING_FREQUENCY) t.rate = float(b, a);
        else if (a.id === ID.OUTPUT_SAMPLING_FREQUENCY) t.outputRate = float(b, a);
        else if (a.id === ID.CHANNELS) t.channels = uint(b, a, audioEnd);
      }
    }
  }
  return t;
}

export function sniffWebm(b: Uint8Array): WebmInfo {
  const info: WebmInfo = { truncated: false };
  const segment = [...children(b, 0, b.length)].find((e) => e.id === ID.SEGMENT);
  if (!segment) return info;
  info.truncated = segment.end !== null && segment.end > b.length;
  const segEnd = Math.min(segment.end ?? b.length, b.length);
  for (const e of children(b, segment.body, segEnd)) {
    if (e.id === ID.CLUSTER) break;
    if (e.id !== ID.TRACKS) continue;
    const tracksEnd = Math.min(e.end ?? segEnd, segEnd);
    for (const entry of children(b, e.body, tracksEnd)) {
      if (entry.id !== ID.TRACK_ENTRY) continue;
      const t = readTrack(b, entry, tracksEnd);
      if (!t.audio && !t.codec.startsWith('A_')) continue;
      const rate = t.codec === 'A_OPUS' ? 48000 : (t.outputRate ?? t.rate);
      if (rate !== undefined && Number.isFinite(rate) && rate > 0) info.sampleRate = Math.round(rate);
      if (t.channels) info.channels = t.channels;
      return info;
    }
  }
  return info;
}
