/** Small bounds-checked readers shared by the container parsers. Out of range reads give -1 / ''. */

export function ascii(b: Uint8Array, at: number, len: number): string {
  if (at < 0 || at + len > b.length) return '';
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(b[at + i]);
  return s;
}

export function u16le(b: Uint8Array, at: number): number {
  return at >= 0 && at + 2 <= b.length ? b[at] | (b[at + 1] << 8) : -1;
}

export function u16be(b: Uint8Array, at: number): number {
  return at >= 0 && at + 2 <= b.length ? (b[at] << 8) | b[at + 1] : -1;
}

export function u32le(b: Uint8Array, at: number): number {
  if (at < 0 || at + 4 > b.length) return -1;
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
}

export function u32be(b: Uint8Array, at: number): number {
  if (at < 0 || at + 4 > b.length) return -1;
  return b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}

/** 64-bit big-endian unsigned, exact below 2^53. */
export function u64be(b: Uint8Array, at: number): number {
  const hi = u32be(b, at);
  const lo = u32be(b, at + 4);
  return hi < 0 || lo < 0 ? -1 : hi * 0x100000000 + lo;
}

/** 64-bit little-endian unsigned, exact below 2^53 (Ogg granule positions); -1 out of range. */
export function u64le(b: Uint8Array, at: number): number {
  const lo = u32le(b, at);
  const hi = u32le(b, at + 4);
  return lo < 0 || hi < 0 ? -1 : hi * 0x100000000 + lo;
}

/** True when `b` holds `sig` (a string of byte values) at `at`. */
export function hasBytes(b: Uint8Array, at: number, sig: string): boolean {
  return ascii(b, at, sig.length) === sig;
}

/** An 80-bit IEEE 754 extended float, big-endian (AIFF's sample rate field). */
export function float80be(b: Uint8Array, at: number): number {
  if (at < 0 || at + 10 > b.length) return -1;
  const sign = b[at] & 0x80 ? -1 : 1;
  const exp = ((b[at] & 0x7f) << 8) | b[at + 1];
  const mant = u64be(b, at + 2);
  if (exp === 0 && mant === 0) return 0;
  return sign * mant * 2 ** (exp - 16383 - 63);
}
