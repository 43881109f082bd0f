/**
 * Test support: a WAV writer independent of the one under test, for headers that neither
 * encodeWav16 nor the wavefile package writes (extensible float, RIFX, odd chunks, bad sizes).
 */
export interface WavSpec {
  format: number;
  channels: number;
  rate: number;
  bits: number;
  /** Bytes per sample slot; defaults to ceil(bits / 8). */
  slot?: number;
  extensible?: boolean;
  bigEndian?: boolean;
  data: Uint8Array;
  declaredDataBytes?: number;
  chunksBeforeData?: Uint8Array;
}

export function buildWav(s: WavSpec): Uint8Array {
  const slot = s.slot ?? Math.ceil(s.bits / 8);
  const fmtSize = s.extensible ? 40 : 16;
  const extra = s.chunksBeforeData ?? new Uint8Array(0);
  const out = new Uint8Array(12 + 8 + fmtSize + extra.length + 8 + s.data.length);
  const v = new DataView(out.buffer);
  const le = !s.bigEndian;
  const tag = (at: number, t: string) => [...t].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  tag(0, s.bigEndian ? 'RIFX' : 'RIFF');
  v.setUint32(4, out.length - 8, le);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, fmtSize, le);
  v.setUint16(20, s.extensible ? 0xfffe : s.format, le);
  v.setUint16(22, s.channels, le);
  v.setUint32(24, s.rate, le);
  v.setUint32(28, s.rate * slot * s.channels, le);
  v.setUint16(32, slot * s.channels, le);
  v.setUint16(34, s.extensible ? slot * 8 : s.bits, le);
  if (s.extensible) {
    v.setUint16(36, 22, le);
    v.setUint16(38, s.bits, le); // valid bits
    v.setUint32(40, 0, le); // channel mask
    v.setUint16(44, s.format, le); // SubFormat GUID starts with the format code
    out.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 46);
  }
  let o = 20 + fmtSize;
  out.set(extra, o);
  o += extra.length;
  tag(o, 'data');
  v.setUint32(o + 4, s.declaredDataBytes ?? s.data.length, le);
  out.set(s.data, o + 8);
  return out;
}
