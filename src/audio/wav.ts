import { StudioError } from '../errors/StudioError';
import { isSupportedLayout, readInterleaved, type SampleEncoding, type SampleLayout } from './pcm';
import { WAV_FORMAT, readWavHeader, type WavHeader } from './wavHeader';

/**
 * WAV bytes in and out. Decoding is exact for 8/16/24/32-bit integer (and narrower samples in
 * those slots), 32/64-bit float, A-law and mu-law, plain or WAVE_FORMAT_EXTENSIBLE,
 * RIFF/RIFX/RF64, any channel count.
 *
 * The `wavefile` package was considered for the parsing: under Node its UMD build has no named
 * ESM exports, it trusts chunk sizes (a cut file silently yields fewer samples), and it returns
 * unscaled Float64 samples through a per-sample generic unpacker, so a ~60-line parser is used
 * instead. wavefile remains useful in the tests as an independent writer.
 */

export interface DecodedWav {
  channels: Float32Array[];
  sampleRate: number;
}

/** 16-bit PCM mono. Samples are clipped to [-1, 1] and scaled by 32768 (the full scale the
 *  decoder divides by), rounded to nearest, +1.0 saturating at 32767; NaN is written as 0. */
export function encodeWav16(pcm: Float32Array, sampleRate: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff / 2) {
    throw new StudioError('INTERNAL', `A WAV file cannot have a sample rate of ${sampleRate} Hz.`);
  }
  const dataBytes = pcm.length * 2;
  if (dataBytes + 36 > 0xffffffff) {
    throw new StudioError('INTERNAL', `${pcm.length} samples do not fit in one WAV file.`);
  }
  const out = new Uint8Array(44 + dataBytes);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  tag(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true); // byte rate
  v.setUint16(32, 2, true); // block align
  v.setUint16(34, 16, true);
  tag(36, 'data');
  v.setUint32(40, dataBytes, true);
  for (let i = 0; i < pcm.length; i++) v.setInt16(44 + 2 * i, toInt16(pcm[i]), true);
  return out;
}

/** One sample as 16-bit PCM: clipped to [-1, 1], scaled by 32768, rounded, +1.0 saturating at 32767, NaN as 0. */
export function toInt16(x: number): number {
  const c = x > 1 ? 1 : x < -1 ? -1 : x === x ? x : 0;
  const q = Math.round(c * 32768);
  return q > 32767 ? 32767 : q;
}

function seconds(bytes: number, bytesPerSecond: number): string {
  return (bytes / bytesPerSecond).toFixed(2);
}

function formatName(code: number): string {
  const hex = `0x${code.toString(16).padStart(4, '0')}`;
  return code === 0x0002 ? `${hex} (MS ADPCM)` : code === 0x0011 ? `${hex} (IMA ADPCM)` : hex;
}

/** Maps the fmt chunk to a sample layout; CODEC_UNSUPPORTED for compressed payloads. */
function layoutOf(h: WavHeader): SampleLayout {
  const bytesPerSample = h.blockAlign / h.channels;
  const encodings: Record<number, SampleEncoding> = {
    [WAV_FORMAT.PCM]: bytesPerSample === 1 ? 'uint8' : 'int',
    [WAV_FORMAT.IEEE_FLOAT]: 'float',
    [WAV_FORMAT.ALAW]: 'alaw',
    [WAV_FORMAT.MULAW]: 'mulaw',
  };
  const encoding = encodings[h.format];
  const floatOk = encoding !== 'float' || h.bitsPerSample === bytesPerSample * 8;
  if (!encoding || !floatOk || !isSupportedLayout(encoding, bytesPerSample)) {
    throw new StudioError(
      'CODEC_UNSUPPORTED',
      `WAV format ${formatName(h.format)} with ${h.bitsPerSample}-bit samples in ${bytesPerSample}-byte slots is not supported.`,
    );
  }
  return { encoding, bytesPerSample, littleEndian: h.littleEndian, channels: h.channels, blockAlign: h.blockAlign, dataOffset: h.dataOffset };
}

/** Decodes a WAV file. Throws FILE_CORRUPT, FILE_TRUNCATED or CODEC_UNSUPPORTED. */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const h = readWavHeader(bytes);
  if (h.channels < 1) throw new StudioError('FILE_CORRUPT', 'The WAV header declares 0 channels.');
  if (h.sampleRate < 1) throw new StudioError('FILE_CORRUPT', 'The WAV header declares a sample rate of 0 Hz.');
  // The block size is checked for the formats read here; a compressed one (MP3 in WAV: 1-byte blocks)
  // goes on to CODEC_UNSUPPORTED, which lets the browser try it.
  const ours = h.format === WAV_FORMAT.PCM || h.format === WAV_FORMAT.IEEE_FLOAT || h.format === WAV_FORMAT.ALAW || h.format === WAV_FORMAT.MULAW;
  if (ours && (h.blockAlign === 0 || h.blockAlign % h.channels !== 0 || (h.blockAlign / h.channels) * 8 < h.bitsPerSample)) {
    throw new StudioError(
      'FILE_CORRUPT',
      `The WAV header's block size (${h.blockAlign} bytes) does not fit ${h.channels} channel(s) of ${h.bitsPerSample}-bit samples.`,
    );
  }
  const layout = layoutOf(h);
  const bytesPerSecond = h.blockAlign * h.sampleRate;
  if (h.dataBytesDeclared !== null && h.dataBytesDeclared > h.dataBytesPresent) {
    throw new StudioError(
      'FILE_TRUNCATED',
      `The header declares ${seconds(h.dataBytesDeclared, bytesPerSecond)} s of audio ` +
        `but the file holds only ${seconds(h.dataBytesPresent, bytesPerSecond)} s.`,
    );
  }
  const frames = Math.floor(h.dataBytesPresent / h.blockAlign);
  return { channels: readInterleaved(bytes, layout, frames), sampleRate: h.sampleRate };
}
