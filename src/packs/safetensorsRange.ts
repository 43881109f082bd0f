/**
 * Reading only some tensors of a remote safetensors file (facebook/musicgen-small's 2.4 GB
 * model.safetensors holds T5, EnCodec and the decoder; the LM needs the decoder alone):
 *   1. bytes 0-7: the header length N (u64 little-endian); 2. bytes 8..8+N: the JSON header;
 *   3. the wanted tensors, in as few Range requests as possible (neighbours coalesced), each
 *      streamed straight into its Float32Array (F16/BF16 widened on the fly), so the file is never
 *      held in memory, not even once; only the converted tensors are.
 * A server that ignores Range (200 instead of 206) still works: the file is streamed from the
 * start and everything outside the wanted tensors is skipped (RANGE_UNSUPPORTED notice).
 */
import { StudioError } from '../errors/StudioError';
import type { NamedTensor } from '../lm/safetensors';
import { fromHalf } from '../util/half';
import type { Fetcher } from './fetchFile';
import { isAbort, pump, readRange as readRangeOnce, requestRange, TransferError } from './httpRange';

/** One tensor of the header; `start`/`end` are absolute file offsets (end exclusive). */
export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  start: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Length N of the JSON header. */
  headerLength: number;
  /** File offset of the data section (8 + N). */
  dataStart: number;
  /** Whole file size, when known. */
  fileSize: number | null;
  /** Sorted by start offset. */
  entries: TensorEntry[];
  metadata: Record<string, string>;
  /** The raw header bytes (8-byte length + JSON), e.g. to cache for offline starts. */
  raw: Uint8Array;
}

/** HF refuses headers over 100 MB; musicgen-small's is ~0.2 MB. */
const MAX_HEADER = 100_000_000;
const WIDTH: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };

const invalid = (detail: string): never => { throw new StudioError('WEIGHTS_INVALID', detail); };

/** Parses and bounds-checks a header (`raw` = 8-byte length + JSON). Every entry must lie inside the data section. */
export function parseHeader(raw: Uint8Array, fileSize: number | null, what = 'safetensors'): SafetensorsHeader {
  if (raw.length < 8) invalid(`${what}: ${raw.length} bytes is shorter than the 8-byte header length`);
  const n = Number(new DataView(raw.buffer, raw.byteOffset, 8).getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER) invalid(`${what}: header length ${n} is not plausible`);
  if (fileSize !== null && 8 + n > fileSize) invalid(`${what}: a ${n}-byte header does not fit a ${fileSize}-byte file`);
  if (raw.length < 8 + n) invalid(`${what}: header cut short (${raw.length - 8} of ${n} bytes)`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(raw.subarray(8, 8 + n)));
  } catch {
    invalid(`${what}: the header is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) invalid(`${what}: the header is not a JSON object`);
  const dataStart = 8 + n;
  const entries: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (v ?? {}) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offs } = (v ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string') invalid(`${what}: ${name} has no dtype`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) invalid(`${what}: ${name} has a bad shape`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[1] < offs[0]) {
      invalid(`${what}: ${name} has bad data_offsets`);
    }
    const [b, e] = offs as [number, number];
    const width = WIDTH[dtype as string];
    const count = (shape as number[]).reduce((a, d) => a * d, 1);
    if (width !== undefined && e - b !== count * width) invalid(`${what}: ${name} has ${e - b} bytes for ${count} ${dtype} values`);
    entries.push({ name, dtype: dtype as string, shape: shape as number[], start: dataStart + b, end: dataStart + e });
  }
  entries.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].start < entries[i - 1].end) invalid(`${what}: ${entries[i - 1].name} and ${entries[i].name} overlap`);
  }
  const last = entries.at(-1);
  if (last && fileSize !== null && last.end > fileSize) invalid(`${what}: ${last.name} ends at byte ${last.end}, beyond the ${fileSize}-byte file`);
  return { headerLength: n, dataStart, fileSize, entries, metadata, raw: raw.slice(0, 8 + n) };
}

/** Reads a remote header with two small Range requests. `fileSize`: when the caller knows it (manifest, probe). */
export async function readRemoteHeader(fetcher: Fetcher, url: string,
  opts: { what?: string; fileSize?: number | null; signal?: AbortSignal; retries?: number; sleep?: (ms: number) => Promise<void> } = {}):
  Promise<SafetensorsHeader & { rangeSupported: boolean }> {
  const what = opts.what ?? url;
  const readRange = async (start: number, end: number) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await readRangeOnce(fetcher, url, start, end, what, opts.signal);
      } catch (e) {
        if (!(e instanceof TransferError) || attempt >= (opts.retries ?? 3)) throw e;
        await (opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(500 * (attempt + 1));
      }
    }
  };
  const head = await readRange(0, 8);
  const n = Number(new DataView(head.bytes.buffer).getBigUint64(0, true));
  const fileSize = opts.fileSize ?? head.fileSize;
  if (n < 2 || n > MAX_HEADER || (fileSize !== null && 8 + n > fileSize)) invalid(`${what}: header length ${n} does not fit ${fileSize ?? 'the'} file`);
  const body = await readRange(8, 8 + n);
  const raw = new Uint8Array(8 + n);
  raw.set(head.bytes);
  raw.set(body.bytes, 8);
  return { ...parseHeader(raw, fileSize, what), rangeSupported: head.partial && body.partial };
}

/** Entries whose names start with one of `prefixes`. */
export function selectByPrefix(entries: readonly TensorEntry[], prefixes: readonly string[]): TensorEntry[] {
  return entries.filter((e) => prefixes.some((p) => e.name.startsWith(p)));
}

export interface FetchRange {
  start: number;
  end: number;
  entries: TensorEntry[];
}

/** Groups sorted entries into ranges, merging neighbours separated by at most `maxGap` unwanted bytes. */
export function coalesce(entries: readonly TensorEntry[], maxGap = 1 << 20): FetchRange[] {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  const out: FetchRange[] = [];
  for (const e of sorted) {
    const last = out.at(-1);
    if (last && e.start - last.end <= maxGap) {
      last.end = Math.max(last.end, e.end);
      last.entries.push(e);
    } else {
      out.push({ start: e.start, end: e.end, entries: [e] });
    }
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Receives one tensor's bytes in order and writes float32 values; a value split across chunks is carried over. */
class TensorSink {
  readonly data: Float32Array;
  private readonly width: number;
  private filled = 0;
  private readonly carry = new Uint8Array(4);
  private carried = 0;

  constructor(readonly entry: TensorEntry) {
    const count = entry.shape.reduce((a, d) => a * d, 1);
    this.width = WIDTH[entry.dtype];
    if (!['F32', 'F16', 'BF16'].includes(entry.dtype)) throw new StudioError('WEIGHTS_MISMATCH', `${entry.name} is ${entry.dtype}; only F32, F16 and BF16 load`);
    this.data = new Float32Array(count);
  }

  get done(): boolean {
    return this.filled === this.entry.end - this.entry.start;
  }

  /** File offset of the next byte this tensor needs. */
  get pos(): number {
    return this.entry.start + this.filled;
  }

  write(bytes: Uint8Array): void {
    if (this.width === 4 && LITTLE_ENDIAN) {
      new Uint8Array(this.data.buffer).set(bytes, this.filled); // float32 LE on an LE host: the bytes are the values
      this.filled += bytes.length;
      return;
    }
    let i = 0;
    const w = this.width;
    if (this.carried > 0) {
      while (this.carried < w && i < bytes.length) this.carry[this.carried++] = bytes[i++];
      if (this.carried < w) return void (this.filled += i);
      this.put(this.carry, 0, (this.filled + i - w) / w);
      this.carried = 0;
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const first = (this.filled + i) / w;
    const whole = Math.floor((bytes.length - i) / w);
    for (let j = 0; j < whole; j++) this.putFrom(dv, i + j * w, first + j);
    i += whole * w;
    while (i < bytes.length) this.carry[this.carried++] = bytes[i++];
    this.filled += bytes.length;
  }

  private put(b: Uint8Array, at: number, index: number): void {
    this.putFrom(new DataView(b.buffer, b.byteOffset, b.byteLength), at, index);
  }

  private putFrom(dv: DataView, at: number, index: number): void {
    if (this.width === 4) this.data[index] = dv.getFloat32(at, true);
    else if (this.entry.dtype === 'F16') this.data[index] = fromHalf(dv.getUint16(at, true));
    else this.data[index] = new Float32Array(new Uint32Array([dv.getUint16(at, true) << 16]).buffer)[0]; // bf16 = top half of f32
  }
}

export interface FetchTensorsOptions {
  signal?: AbortSignal;
  /** Wanted bytes received so far this call (gaps and skipped bytes are not counted). */
  onBytes?: (loaded: number, total: number) => void;
  /** Each tensor as soon as it is complete (awaited: the caller may cache it). */
  onTensor?: (name: string, t: NamedTensor) => void | Promise<void>;
  /** Non-fatal news: RANGE_UNSUPPORTED when the server ignores Range. */
  onNotice?: (e: StudioError) => void;
  /** Attempts to resume a range after the connection breaks (default 3). */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  maxGap?: number;
}

/**
 * Fetches `entries` of the safetensors file at `url` as float32 tensors. Broken connections are
 * resumed from the first byte not yet received (up to `retries` times per range); a tensor is
 * handed to `onTensor` once, when its last byte arrives.
 */
export async function fetchTensors(fetcher: Fetcher, url: string, entries: readonly TensorEntry[], what: string,
  opts: FetchTensorsOptions = {}): Promise<Map<string, NamedTensor>> {
  const out = new Map<string, NamedTensor>();
  const total = entries.reduce((s, e) => s + (e.end - e.start), 0);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retries = opts.retries ?? 3;
  const ranges = coalesce(entries, opts.maxGap);
  const sinks = new Map(ranges.flatMap((r) => r.entries).map((e) => [e, new TensorSink(e)]));
  const order = [...sinks.values()];
  let first = 0; // the first incomplete sink
  let loaded = 0;
  let warned = false;

  // Bytes at file offset `at`, from a stream that never skips a byte a sink still needs.
  const feed = async (at: number, bytes: Uint8Array) => {
    const end = at + bytes.length;
    for (let i = first; i < order.length && order[i].entry.start < end; i++) {
      const s = order[i];
      const a = Math.max(at, s.pos);
      const b = Math.min(end, s.entry.end);
      if (b <= a) continue;
      if (a !== s.pos) throw new StudioError('INTERNAL', `${what}: bytes of ${s.entry.name} were skipped`);
      s.write(bytes.subarray(a - at, b - at));
      loaded += b - a;
      opts.onBytes?.(loaded, total);
    }
    while (first < order.length && order[first].done) {
      const s = order[first++];
      const t = { shape: s.entry.shape, data: s.data };
      out.set(s.entry.name, t);
      await opts.onTensor?.(s.entry.name, t);
    }
  };
  const nextNeeded = (r: FetchRange): number | null => {
    const s = r.entries.map((e) => sinks.get(e)!).find((x) => !x.done);
    return s ? s.pos : null;
  };

  for (let ri = 0; ri < ranges.length; ri++) {
    const r = ranges[ri];
    for (let attempt = 0; ; attempt++) {
      const from = nextNeeded(r);
      if (from === null) break;
      try {
        const res = await requestRange(fetcher, url, from, r.end, what, opts.signal);
        if (res.partial) {
          await pump(res.reader, res.offset, from, r.end, feed, what, opts.signal);
          if (nextNeeded(r) !== null) throw new TransferError(`${what}: the range ended early`);
          break;
        }
        // The server ignores Range: stream the file once, up to the last wanted byte, skipping the rest.
        if (!warned) opts.onNotice?.(new StudioError('RANGE_UNSUPPORTED', what));
        warned = true;
        await pump(res.reader, 0, from, ranges.at(-1)!.end, feed, what, opts.signal);
        if (first < order.length) throw new TransferError(`${what}: the stream ended before every tensor arrived`);
        ri = ranges.length;
        break;
      } catch (e) {
        if (isAbort(e) || !(e instanceof TransferError) || attempt >= retries) throw e;
        await sleep(500 * (attempt + 1));
      }
    }
  }
  if (out.size !== order.length) throw new TransferError(`${what}: ${order.length - out.size} tensors did not arrive`);
  return out;
}
