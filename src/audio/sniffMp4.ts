import { ascii, u16be, u32be, u64be } from './bytes';

/**
 * ISO BMFF (MP4 / M4A / QuickTime): walks the box tree to the first sound track and reads its
 * sample entry (channel count, 16.16 sample rate) and media header timescale. Best effort: any
 * malformed box ends the walk with whatever was found so far.
 */

export interface Mp4Info {
  sampleRate?: number;
  channels?: number;
  /** A top-level box claims more bytes than the file has. */
  truncated: boolean;
  /** The movie's length (mvhd duration / timescale), when it gives one (not a fragmented file's 0). */
  seconds?: number;
}

interface Box {
  type: string;
  body: number;
  end: number;
  /** end > the file's length. */
  cut: boolean;
}

const TOP_LEVEL = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid']);

export function looksLikeMp4(b: Uint8Array): boolean {
  const type = ascii(b, 4, 4);
  return type === 'ftyp' || (TOP_LEVEL.has(type) && type !== 'uuid' && u32be(b, 0) >= 8 && hasMoovOrFtyp(b));
}

function hasMoovOrFtyp(b: Uint8Array): boolean {
  return boxes(b, 0, b.length).some((x) => x.type === 'moov' || x.type === 'ftyp');
}

/** The boxes in [from, to). A box running past `to` is returned once, flagged, and ends the list. */
function boxes(b: Uint8Array, from: number, to: number): Box[] {
  const out: Box[] = [];
  let o = from;
  while (o + 8 <= to && out.length < 10_000) {
    let size = u32be(b, o);
    const type = ascii(b, o + 4, 4);
    let header = 8;
    if (size === 1) {
      size = u64be(b, o + 8);
      header = 16;
    } else if (size === 0) {
      size = to - o;
    }
    if (size < header || !/^[\x20-\x7e]{4}$/.test(type)) break;
    const end = o + size;
    out.push({ type, body: o + header, end: Math.min(end, to), cut: end > to });
    if (end > to) break;
    o = end;
  }
  return out;
}

function plausibleRate(r: number): boolean {
  return r >= 1000 && r <= 768_000;
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** An MPEG-4 descriptor: tag byte, then a size in up to four 7-bit groups. */
function descriptor(b: Uint8Array, o: number): { tag: number; body: number; end: number } | null {
  if (o >= b.length) return null;
  let size = 0;
  let p = o + 1;
  for (let i = 0; i < 4 && p < b.length; i++) {
    const byte = b[p++];
    size = (size << 7) | (byte & 0x7f);
    if (!(byte & 0x80)) return { tag: b[o], body: p, end: p + size };
  }
  return null;
}

/**
 * esds > ES_Descriptor (3) > DecoderConfigDescriptor (4) > DecoderSpecificInfo (5), whose
 * first bits are the AAC AudioSpecificConfig: object type (5 bits), rate index (4; 15 = explicit
 * 24-bit rate), channel configuration (4). Explicit SBR/PS (types 5, 29) add the output rate.
 */
function audioSpecificConfig(b: Uint8Array, esds: Box): { sampleRate?: number; channels?: number } | null {
  const es = descriptor(b, esds.body + 4);
  if (!es || es.tag !== 3) return null;
  const flags = b[es.body + 2];
  let o = es.body + 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x20 ? 2 : 0);
  if (flags & 0x40) o += 1 + b[o];
  const dcd = descriptor(b, o);
  if (!dcd || dcd.tag !== 4) return null;
  const dsi = descriptor(b, dcd.body + 13);
  if (!dsi || dsi.tag !== 5 || dsi.body + 2 > b.length) return null;
  let bit = dsi.body * 8;
  const read = (n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++, bit++) v = (v << 1) | ((b[bit >> 3] >> (7 - (bit & 7))) & 1);
    return v;
  };
  let objectType = read(5);
  if (objectType === 31) objectType = 32 + read(6);
  const rateOf = () => {
    const index = read(4);
    return index === 15 ? read(24) : (AAC_RATES[index] ?? -1);
  };
  let sampleRate = rateOf();
  const channelConfig = read(4);
  if (objectType === 5 || objectType === 29) sampleRate = rateOf();
  const out: { sampleRate?: number; channels?: number } = {};
  if (plausibleRate(sampleRate)) out.sampleRate = sampleRate;
  if (channelConfig > 0) out.channels = objectType === 29 ? 2 : channelConfig === 7 ? 8 : channelConfig;
  return out;
}

function soundTrack(b: Uint8Array, trak: Box): { sampleRate?: number; channels?: number } | null {
  const mdia = boxes(b, trak.body, trak.end).find((x) => x.type === 'mdia');
  if (!mdia) return null;
  const inMdia = boxes(b, mdia.body, mdia.end);
  const hdlr = inMdia.find((x) => x.type === 'hdlr');
  if (!hdlr || ascii(b, hdlr.body + 8, 4) !== 'soun') return null;
  const result: { sampleRate?: number; channels?: number } = {};
  const mdhd = inMdia.find((x) => x.type === 'mdhd');
  const timescale = mdhd ? u32be(b, mdhd.body + (b[mdhd.body] === 1 ? 20 : 12)) : -1;
  const minf = inMdia.find((x) => x.type === 'minf');
  const stbl = minf && boxes(b, minf.body, minf.end).find((x) => x.type === 'stbl');
  const stsd = stbl && boxes(b, stbl.body, stbl.end).find((x) => x.type === 'stsd');
  // stsd: version/flags (4), entry count (4), then sample entries laid out as boxes.
  const entry = stsd && boxes(b, stsd.body + 8, stsd.end)[0];
  if (entry) {
    // Audio sample entry: reserved (6), data ref index (2), version (2), revision (2),
    // vendor (4), channel count (2), sample size (2), pre-defined (2), reserved (2), rate 16.16.
    const channels = u16be(b, entry.body + 16);
    const rate = u16be(b, entry.body + 24);
    if (entry.type === 'Opus') result.sampleRate = 48000;
    else if (plausibleRate(rate)) result.sampleRate = rate;
    // The channel count of an mp4a entry is a template value (muxers write 2 for mono AAC);
    // the AudioSpecificConfig inside its esds box is authoritative when there is one.
    // Child boxes follow the 28-byte entry (QuickTime sound description v1: +16, v2: +36).
    const version = u16be(b, entry.body + 8);
    const children = entry.body + 28 + (version === 1 ? 16 : version === 2 ? 36 : 0);
    const esds = entry.type === 'mp4a' ? boxes(b, children, entry.end).find((x) => x.type === 'esds') : undefined;
    const asc = esds ? audioSpecificConfig(b, esds) : null;
    if (asc) Object.assign(result, asc);
    else if (channels > 0) result.channels = channels;
  }
  if (result.sampleRate === undefined && plausibleRate(timescale)) result.sampleRate = timescale;
  return result;
}

export function sniffMp4(b: Uint8Array): Mp4Info {
  const top = boxes(b, 0, b.length);
  const info: Mp4Info = { truncated: top.some((x) => x.cut) };
  const moov = top.find((x) => x.type === 'moov');
  if (!moov) return info;
  const mvhd = boxes(b, moov.body, moov.end).find((x) => x.type === 'mvhd');
  if (mvhd) {
    const v1 = b[mvhd.body] === 1; // version 1: 64-bit times
    const timescale = u32be(b, mvhd.body + (v1 ? 20 : 12));
    const duration = v1 ? u64be(b, mvhd.body + 24) : u32be(b, mvhd.body + 16);
    if (timescale > 0 && duration > 0 && duration < 2 ** 53 && (v1 || duration !== 0xffffffff)) info.seconds = duration / timescale;
  }
  for (const trak of boxes(b, moov.body, moov.end).filter((x) => x.type === 'trak')) {
    const sound = soundTrack(b, trak);
    if (sound) return { ...info, ...sound };
  }
  return info;
}
