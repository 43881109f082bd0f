/**
 * safetensors read/write (https://github.com/huggingface/safetensors): 8-byte little-endian header
 * length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`,
 * then the raw little-endian data; offsets are relative to the end of the header.
 * Written here (about 100 lines) because npm has no small, maintained, browser-ready package for it.
 * Reading returns float32 for every tensor: F16 and BF16 are widened on read.
 */
import { StudioError } from '../errors/StudioError';
import { fromHalf, toHalf } from '../util/half';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Header larger than this is not a model we can load (HF caps it at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;
const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

function corrupt(detail: string): never {
  throw new StudioError('MODEL_INTEGRITY', `safetensors: ${detail}`);
}

const f16ToF32 = fromHalf;

/** Parse a safetensors file; every tensor comes back as float32 with its shape. */
export function readSafetensors(bytes: Uint8Array): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (bytes.byteLength < 8) corrupt(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.byteLength) {
    corrupt(`header length ${headerLen} does not fit a ${bytes.byteLength}-byte file`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch {
    corrupt('header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) corrupt('header is not an object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offs } = (entry ?? {}) as { dtype?: string; shape?: unknown; data_offsets?: unknown };
    const width = DTYPE_BYTES[dtype ?? ''];
    if (!width) corrupt(`${name}: dtype ${dtype} is not supported (F32, F16, BF16)`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) corrupt(`${name}: bad shape`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0)) corrupt(`${name}: bad data_offsets`);
    const [begin, end] = offs as [number, number];
    const count = (shape as number[]).reduce((a, d) => a * d, 1);
    if (end < begin || end > dataLen) corrupt(`${name}: data [${begin}, ${end}) lies outside the ${dataLen}-byte data section`);
    if (end - begin !== count * width) corrupt(`${name}: ${end - begin} bytes for ${count} ${dtype} values`);
    const data = new Float32Array(count);
    const base = dataStart + begin;
    if (dtype === 'F32') {
      for (let i = 0; i < count; i++) data[i] = dv.getFloat32(base + 4 * i, true);
    } else if (dtype === 'F16') {
      for (let i = 0; i < count; i++) data[i] = f16ToF32(dv.getUint16(base + 2 * i, true));
    } else {
      const u32 = new Uint32Array(1);
      const f32 = new Float32Array(u32.buffer);
      for (let i = 0; i < count; i++) {
        u32[0] = dv.getUint16(base + 2 * i, true) << 16; // bf16 = the top half of an f32
        data[i] = f32[0];
      }
    }
    tensors.set(name, { shape: shape as number[], data });
  }
  return { tensors, metadata };
}

/** Write float32 tensors as a safetensors file (names sorted, as the Python writer does), stored as F32 or F16. */
export function writeSafetensors(tensors: Map<string, NamedTensor>, metadata: Record<string, string> = {}, dtype: 'F32' | 'F16' = 'F32'): Uint8Array {
  const width = dtype === 'F16' ? 2 : 4;
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length) throw new StudioError('INTERNAL', `writeSafetensors: ${name} has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + width * count] };
    offset += width * count;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // pad with spaces so the data is 8-byte aligned
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const name of names) {
    const { data } = tensors.get(name)!;
    if (width === 2) for (let i = 0; i < data.length; i++) dv.setUint16(pos + 2 * i, toHalf(data[i]), true);
    else for (let i = 0; i < data.length; i++) dv.setFloat32(pos + 4 * i, data[i], true);
    pos += width * data.length;
  }
  return out;
}
