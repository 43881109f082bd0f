import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

export interface DropFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

export function fixture(name: string, type = 'audio/flac'): DropFile {
  return { name, type, bytes: new Uint8Array(readFileSync(FIXTURES + name)) };
}

/** Drops files on the drop zone the way a browser does (DataTransfer with File objects). */
export async function dropFiles(page: Page, files: DropFile[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.type, b64: Buffer.from(f.bytes).toString('base64') }));
  const dt = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const it of items) {
      const bin = atob(it.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], it.name, { type: it.type }));
    }
    return dt;
  }, payload);
  await page.dispatchEvent('[data-testid=drop-zone]', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer: dt });
}

/** Drops one file built inside the page by repeating `seed` until it is `bytes` long (big files, cheaply). */
export async function dropRepeated(page: Page, name: string, type: string, seed: Uint8Array, bytes: number): Promise<void> {
  const dt = await page.evaluateHandle(([b64, name, type, size]) => {
    const bin = atob(b64);
    const unit = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) unit[i] = bin.charCodeAt(i);
    const big = new Uint8Array(size);
    for (let o = 0; o < size; o += unit.length) big.set(unit.subarray(0, Math.min(unit.length, size - o)), o);
    const dt = new DataTransfer();
    dt.items.add(new File([big], name, { type }));
    return dt;
  }, [Buffer.from(seed).toString('base64'), name, type, bytes] as const);
  await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer: dt });
}

/** A little-endian PCM WAV file: 8/16/24/32-bit int or 32-bit float, any channel count. */
export function makeWav(channels: Float32Array[], sampleRate: number, bits: 8 | 16 | 24 | 32, float = false): Uint8Array {
  const n = channels[0]?.length ?? 0;
  const ch = channels.length;
  const bps = bits / 8;
  const data = n * ch * bps;
  const buf = new ArrayBuffer(44 + data);
  const v = new DataView(buf);
  const str = (o: number, s: string) => { for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); };
  str(0, 'RIFF'); v.setUint32(4, 36 + data, true); str(8, 'WAVE'); str(12, 'fmt ');
  v.setUint32(16, 16, true); v.setUint16(20, float ? 3 : 1, true); v.setUint16(22, ch, true);
  v.setUint32(24, sampleRate, true); v.setUint32(28, sampleRate * ch * bps, true); v.setUint16(32, ch * bps, true);
  v.setUint16(34, bits, true); str(36, 'data'); v.setUint32(40, data, true);
  let o = 44;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < ch; c++) {
      const s = Math.max(-1, Math.min(1, channels[c][i]));
      if (float) v.setFloat32(o, s, true);
      else if (bits === 8) v.setUint8(o, Math.round(s * 127) + 128);
      else if (bits === 16) v.setInt16(o, Math.round(s * 32767), true);
      else if (bits === 24) { const x = Math.round(s * 8388607); v.setUint8(o, x & 255); v.setUint8(o + 1, (x >> 8) & 255); v.setUint8(o + 2, (x >> 16) & 255); }
      else v.setInt32(o, Math.round(s * 2147483647), true);
      o += bps;
    }
  }
  return new Uint8Array(buf);
}

export function tone(seconds: number, sampleRate: number, hz: number, amp = 0.3): Float32Array {
  const x = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / sampleRate);
  return x;
}

/** Parses a PCM16 WAV from a download: format fields and sample count. */
export function parseWav16(bytes: Uint8Array): { sampleRate: number; channels: number; bits: number; samples: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let o = 12;
  let fmt: { sampleRate: number; channels: number; bits: number } | null = null;
  while (o + 8 <= bytes.length) {
    const id = tag(o);
    const size = v.getUint32(o + 4, true);
    if (id === 'fmt ') fmt = { channels: v.getUint16(o + 10, true), sampleRate: v.getUint32(o + 12, true), bits: v.getUint16(o + 22, true) };
    if (id === 'data') {
      if (!fmt) throw new Error('data before fmt');
      if (o + 8 + size > bytes.length) throw new Error('data chunk runs past the end of the file');
      return { ...fmt, samples: size / (fmt.channels * (fmt.bits / 8)) };
    }
    o += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}
