/**
 * Interleaved uncompressed PCM (as stored in WAV and AIFF) to one Float32Array per channel.
 * Integers are scaled by their slot's full scale, so samples narrower than their slot (20 bits
 * in 3 bytes) come out right when left-justified, as both formats require. Floats pass through
 * unchanged (NaN and infinity are caught later by checks.ts).
 */

export type SampleEncoding = 'int' | 'uint8' | 'float' | 'alaw' | 'mulaw';

export interface SampleLayout {
  encoding: SampleEncoding;
  /** 1-4 for int, 1 for uint8/alaw/mulaw, 4 or 8 for float. */
  bytesPerSample: number;
  littleEndian: boolean;
  channels: number;
  /** Bytes per frame; at least channels * bytesPerSample. */
  blockAlign: number;
  dataOffset: number;
}

type Reader = (view: DataView, at: number, le: boolean) => number;

/** G.711 A-law byte to a 16-bit linear value. */
export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exp = (a & 0x70) >> 4;
  let mag = (a & 0x0f) << 4;
  mag = exp === 0 ? mag + 8 : (mag + 0x108) << (exp - 1);
  return a & 0x80 ? mag : -mag;
}

/** G.711 mu-law byte to a 16-bit linear value. */
export function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exp = (u & 0x70) >> 4;
  const mag = ((((u & 0x0f) << 3) + 0x84) << exp) - 0x84;
  return u & 0x80 ? 0 - mag : mag;
}

const READERS: Record<string, Reader> = {
  int1: (v, at) => v.getInt8(at) / 128,
  int2: (v, at, le) => v.getInt16(at, le) / 32768,
  int3: (v, at, le) => {
    const b0 = v.getUint8(at);
    const b1 = v.getUint8(at + 1);
    const b2 = v.getUint8(at + 2);
    const u = le ? b0 | (b1 << 8) | (b2 << 16) : b2 | (b1 << 8) | (b0 << 16);
    return ((u << 8) >> 8) / 8388608;
  },
  int4: (v, at, le) => v.getInt32(at, le) / 2147483648,
  uint81: (v, at) => (v.getUint8(at) - 128) / 128,
  float4: (v, at, le) => v.getFloat32(at, le),
  float8: (v, at, le) => v.getFloat64(at, le),
  alaw1: (v, at) => alawToLinear(v.getUint8(at)) / 32768,
  mulaw1: (v, at) => mulawToLinear(v.getUint8(at)) / 32768,
};

/** True when `readInterleaved` can read this encoding at this width. */
export function isSupportedLayout(encoding: SampleEncoding, bytesPerSample: number): boolean {
  return Object.hasOwn(READERS, `${encoding}${bytesPerSample}`);
}

/** Reads `frames` frames. The layout must be valid and the bytes present (callers check). */
export function readInterleaved(b: Uint8Array, layout: SampleLayout, frames: number): Float32Array[] {
  const { encoding, bytesPerSample, littleEndian: le, blockAlign } = layout;
  const read = READERS[`${encoding}${bytesPerSample}`];
  if (!read) throw new Error(`No PCM reader for ${encoding} in ${bytesPerSample} bytes.`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const channels: Float32Array[] = [];
  for (let c = 0; c < layout.channels; c++) {
    const out = new Float32Array(frames);
    const start = layout.dataOffset + c * bytesPerSample;
    if (read === READERS.int2) readInt16(view, start, blockAlign, le, out);
    else if (read === READERS.float4) readFloat32(view, start, blockAlign, le, out);
    else for (let i = 0, at = start; i < frames; i++, at += blockAlign) out[i] = read(view, at, le);
    channels.push(out);
  }
  return channels;
}

// Monomorphic loops for the two most common layouts (16-bit integer, 32-bit float).
function readInt16(view: DataView, start: number, step: number, le: boolean, out: Float32Array): void {
  for (let i = 0, at = start; i < out.length; i++, at += step) out[i] = view.getInt16(at, le) / 32768;
}

function readFloat32(view: DataView, start: number, step: number, le: boolean, out: Float32Array): void {
  for (let i = 0, at = start; i < out.length; i++, at += step) out[i] = view.getFloat32(at, le);
}
