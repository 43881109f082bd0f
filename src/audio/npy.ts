/**
 * Minimal .npy (NumPy format v1/v2/v3) reader for tests and tools.
 * Supports little-endian float32/float64/int32/int64/uint8/int8/bool, C or Fortran order;
 * Fortran-ordered arrays are transposed to C (row-major) order on load.
 */

export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | BigInt64Array;

export interface NpyArray {
  dtype: string;
  shape: number[];
  /** Row-major (C order) data. */
  data: NpyData;
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  for (let i = 0; i < magic.length; i++) {
    if (bytes[i] !== magic[i]) throw new Error('parseNpy: not a .npy file');
  }
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new Error(`parseNpy: unsupported version ${major}`);
  }
  let header = '';
  for (let i = headerStart; i < headerStart + headerLen; i++) header += String.fromCharCode(bytes[i]);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] === 'True';
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeStr === undefined) throw new Error(`parseNpy: bad header ${header}`);
  const shape = shapeStr
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => parseInt(s, 10));
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  // Copy into a fresh, aligned buffer.
  const raw = bytes.slice(dataStart).buffer;
  let data: NpyData;
  switch (descr) {
    case '<f4':
      data = new Float32Array(raw, 0, count);
      break;
    case '<f8':
      data = new Float64Array(raw, 0, count);
      break;
    case '<i4':
      data = new Int32Array(raw, 0, count);
      break;
    case '<i8':
      data = new BigInt64Array(raw, 0, count);
      break;
    case '|u1':
    case '|b1':
      data = new Uint8Array(raw, 0, count);
      break;
    case '|i1':
      data = new Int8Array(raw, 0, count);
      break;
    default:
      throw new Error(`parseNpy: unsupported dtype ${descr}`);
  }
  if (fortran && shape.length > 1) data = fortranToC(data, shape);
  return { dtype: descr, shape, data };
}

function fortranToC<T extends NpyData>(src: T, shape: number[]): T {
  const n = shape.length;
  const count = src.length;
  const dst = new (src.constructor as { new (len: number): T })(count);
  // Fortran strides: first axis fastest.
  const fStride = new Array<number>(n);
  fStride[0] = 1;
  for (let i = 1; i < n; i++) fStride[i] = fStride[i - 1] * shape[i - 1];
  const idx = new Array<number>(n).fill(0);
  for (let c = 0; c < count; c++) {
    let f = 0;
    for (let i = 0; i < n; i++) f += idx[i] * fStride[i];
    dst[c] = src[f];
    // increment C-order multi-index (last axis fastest)
    for (let i = n - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
  return dst;
}
