import { StudioError } from '../errors/StudioError';
import { ascii, float80be, hasBytes, u16be, u32be } from './bytes';
import { isSupportedLayout, readInterleaved, type SampleEncoding } from './pcm';

/**
 * AIFF and AIFF-C (uncompressed, 'sowt', float, A-law/mu-law). Browsers' decodeAudioData does
 * not reliably read AIFF (Chrome's does not), and it is what Apple tools export, so it is
 * decoded here like WAV.
 */

export interface AiffHeader {
  channels: number;
  frames: number;
  bitsPerSample: number;
  sampleRate: number;
  /** AIFF-C compression type; 'NONE' for plain AIFF. */
  compression: string;
  /** Start of the sample data inside SSND, or -1 when there is no SSND chunk. */
  dataOffset: number;
  /** Bytes the SSND chunk declares for samples, and the bytes of them present. */
  dataBytesDeclared: number;
  dataBytesPresent: number;
}

export function looksLikeAiff(b: Uint8Array): boolean {
  return hasBytes(b, 0, 'FORM') && (hasBytes(b, 8, 'AIFF') || hasBytes(b, 8, 'AIFC'));
}

/** Parses FORM/COMM/SSND; FILE_CORRUPT when the COMM chunk is missing or short. */
export function readAiffHeader(b: Uint8Array): AiffHeader {
  if (!looksLikeAiff(b)) throw new StudioError('FILE_CORRUPT', 'The file does not start with a FORM/AIFF header.');
  const aifc = hasBytes(b, 8, 'AIFC');
  let comm: Omit<AiffHeader, 'dataOffset' | 'dataBytesDeclared' | 'dataBytesPresent'> | null = null;
  let data = { dataOffset: -1, dataBytesDeclared: 0, dataBytesPresent: 0 };
  for (let o = 12; o + 8 <= b.length; ) {
    const id = ascii(b, o, 4);
    const size = u32be(b, o + 4);
    const body = o + 8;
    if (id === 'COMM') {
      if (size < 18 || body + 18 > b.length) throw new StudioError('FILE_CORRUPT', `The COMM chunk is ${size} bytes long; 18 are needed.`);
      comm = {
        channels: u16be(b, body),
        frames: u32be(b, body + 2),
        bitsPerSample: u16be(b, body + 6),
        sampleRate: float80be(b, body + 8),
        compression: aifc && size >= 22 ? ascii(b, body + 18, 4) : 'NONE',
      };
    } else if (id === 'SSND' && body + 8 <= b.length) {
      const start = body + 8 + u32be(b, body); // skip offset and block size fields
      const declared = Math.max(0, size - 8 - u32be(b, body));
      data = { dataOffset: start, dataBytesDeclared: declared, dataBytesPresent: Math.max(0, Math.min(declared, b.length - start)) };
    }
    o = body + size + (size & 1);
  }
  if (!comm) throw new StudioError('FILE_CORRUPT', 'There is no COMM chunk.');
  return { ...comm, ...data };
}

const COMPRESSION: Record<string, { encoding: SampleEncoding; littleEndian: boolean; bytes?: number }> = {
  NONE: { encoding: 'int', littleEndian: false },
  twos: { encoding: 'int', littleEndian: false },
  'raw ': { encoding: 'uint8', littleEndian: false, bytes: 1 },
  sowt: { encoding: 'int', littleEndian: true },
  in24: { encoding: 'int', littleEndian: false, bytes: 3 },
  in32: { encoding: 'int', littleEndian: false, bytes: 4 },
  fl32: { encoding: 'float', littleEndian: false, bytes: 4 },
  FL32: { encoding: 'float', littleEndian: false, bytes: 4 },
  fl64: { encoding: 'float', littleEndian: false, bytes: 8 },
  FL64: { encoding: 'float', littleEndian: false, bytes: 8 },
  alaw: { encoding: 'alaw', littleEndian: false, bytes: 1 },
  ALAW: { encoding: 'alaw', littleEndian: false, bytes: 1 },
  ulaw: { encoding: 'mulaw', littleEndian: false, bytes: 1 },
  ULAW: { encoding: 'mulaw', littleEndian: false, bytes: 1 },
};

/** Decodes an AIFF/AIFF-C file. Throws FILE_CORRUPT, FILE_TRUNCATED or CODEC_UNSUPPORTED. */
export function decodeAiff(bytes: Uint8Array): { channels: Float32Array[]; sampleRate: number } {
  const h = readAiffHeader(bytes);
  const sampleRate = Math.round(h.sampleRate);
  if (h.channels < 1 || !(sampleRate > 0)) {
    throw new StudioError('FILE_CORRUPT', `The COMM chunk declares ${h.channels} channels at ${h.sampleRate} Hz.`);
  }
  const kind = COMPRESSION[h.compression];
  const bytesPerSample = kind?.bytes ?? Math.ceil(h.bitsPerSample / 8);
  if (!kind || !isSupportedLayout(kind.encoding, bytesPerSample)) {
    throw new StudioError('CODEC_UNSUPPORTED', `AIFF-C compression '${h.compression}' (${h.bitsPerSample}-bit) is not supported.`);
  }
  const blockAlign = h.channels * bytesPerSample;
  const declared = h.frames * blockAlign;
  if (h.frames > 0 && h.dataOffset < 0) throw new StudioError('FILE_CORRUPT', 'There is no SSND chunk.');
  const present = Math.min(h.dataBytesPresent, Math.max(0, bytes.length - h.dataOffset));
  if (declared > present) {
    const seconds = (n: number) => (n / blockAlign / sampleRate).toFixed(2);
    throw new StudioError(
      'FILE_TRUNCATED',
      `The header declares ${seconds(declared)} s of audio but the file holds only ${seconds(present)} s.`,
    );
  }
  const layout = { encoding: kind.encoding, bytesPerSample, littleEndian: kind.littleEndian, channels: h.channels, blockAlign, dataOffset: h.dataOffset };
  return { channels: readInterleaved(bytes, layout, h.frames), sampleRate };
}
