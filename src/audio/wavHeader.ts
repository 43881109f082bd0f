import { StudioError } from '../errors/StudioError';
import { ascii } from './bytes';

/**
 * RIFF/WAVE header parsing (RIFF little-endian, RIFX big-endian, RF64 with its ds64 chunk).
 * Only reads the header; the samples are converted in wavSamples.ts.
 */
export const WAV_FORMAT = {
  PCM: 0x0001,
  IEEE_FLOAT: 0x0003,
  ALAW: 0x0006,
  MULAW: 0x0007,
  EXTENSIBLE: 0xfffe,
} as const;

export interface WavHeader {
  littleEndian: boolean;
  /** The format code; for WAVE_FORMAT_EXTENSIBLE, the one from its SubFormat GUID. */
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Bytes per frame (all channels of one sample instant). */
  blockAlign: number;
  /** Where the data chunk's bytes start. */
  dataOffset: number;
  /** Bytes the header promises, or null when the writer left it unknown (streamed WAV). */
  dataBytesDeclared: number | null;
  /** Bytes of the data chunk actually present in the file. */
  dataBytesPresent: number;
}

const UNKNOWN_SIZE = 0xffffffff;
/** Sizes that streaming writers put in place of one they cannot know (arecord 0x7fffffff, SoX 0x7ffff000, others 0xffffffff). */
const STREAMED_SIZE = 0x7ffff000;

function corrupt(detail: string): never {
  throw new StudioError('FILE_CORRUPT', detail);
}

/** True when the bytes start like a WAV file (RIFF/RIFX/RF64 ... WAVE). */
export function looksLikeWav(b: Uint8Array): boolean {
  const id = ascii(b, 0, 4);
  return (id === 'RIFF' || id === 'RIFX' || id === 'RF64' || id === 'BW64') && ascii(b, 8, 4) === 'WAVE';
}

/** Parses the header; throws FILE_CORRUPT when the fmt or data chunk is missing or malformed. */
export function readWavHeader(b: Uint8Array): WavHeader {
  if (!looksLikeWav(b)) corrupt('The file does not start with a RIFF/WAVE header.');
  const littleEndian = ascii(b, 0, 4) !== 'RIFX';
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (at: number) => view.getUint16(at, littleEndian);
  const u32 = (at: number) => view.getUint32(at, littleEndian);

  let fmt: Omit<WavHeader, 'littleEndian' | 'dataOffset' | 'dataBytesDeclared' | 'dataBytesPresent'> | null = null;
  let ds64DataSize: number | null = null;
  let off = 12;
  while (off + 8 <= b.length) {
    const id = ascii(b, off, 4);
    const size = u32(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > b.length) corrupt(`The fmt chunk is ${size} bytes long; at least 16 are needed.`);
      let format = u16(body);
      if (format === WAV_FORMAT.EXTENSIBLE) {
        if (size < 40 || body + 40 > b.length) corrupt('The WAVE_FORMAT_EXTENSIBLE fmt chunk is too short.');
        format = u16(body + 24);
      }
      fmt = {
        format,
        channels: u16(body + 2),
        sampleRate: u32(body + 4),
        blockAlign: u16(body + 12),
        bitsPerSample: u16(body + 14),
      };
    } else if (id === 'ds64' && body + 16 <= b.length) {
      ds64DataSize = view.getUint32(body + 8, true) + view.getUint32(body + 12, true) * 0x100000000;
    } else if (id === 'data') {
      if (!fmt) corrupt('The data chunk comes before any fmt chunk.');
      let declared: number | null = size;
      if (size === UNKNOWN_SIZE) declared = ds64DataSize;
      else if (size >= STREAMED_SIZE && b.length - body < size) declared = null; // streamed: the audio runs to the end
      const present = Math.min(b.length - body, declared ?? Infinity);
      return { littleEndian, ...fmt, dataOffset: body, dataBytesDeclared: declared, dataBytesPresent: present };
    }
    off = body + size + (size & 1);
  }
  if (!fmt) corrupt('There is no fmt chunk.');
  corrupt('There is no data chunk.');
}
