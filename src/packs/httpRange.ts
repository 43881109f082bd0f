/**
 * HTTP Range requests over an injected fetch, for resumable downloads and for reading parts of a
 * large safetensors file. Servers differ: some ignore `Range` and answer 200 with the whole file
 * (then `partial` is false and the body starts at byte 0), some expose no `Content-Range` to
 * scripts (cross-origin without Access-Control-Expose-Headers). Everything here copes with both.
 */
import { StudioError } from '../errors/StudioError';
import type { Fetcher } from './fetchFile';

export interface RangeResponse {
  /** true: the body is the requested range (206); false: the server ignored Range and sends the whole file (200). */
  partial: boolean;
  /** File offset of the body's first byte. */
  offset: number;
  /** Size of the whole file when the server said so (Content-Range total, or a 200's Content-Length). */
  fileSize: number | null;
  reader: ReadableStreamDefaultReader<Uint8Array>;
}

/** A cancel: the platform's AbortError, or the CANCELLED StudioError the engine host aborts its calls with (the signal's reason). */
export const isAbort = (e: unknown): boolean =>
  (e as { name?: string } | null)?.name === 'AbortError' || (e instanceof StudioError && e.code === 'CANCELLED');

/** `bytes a-b/total` (total may be `*`), as numbers; null when absent or malformed. */
export function parseContentRange(h: string | null): { start: number; end: number; total: number | null } | null {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(h?.trim() ?? '');
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]) + 1, total: m[3] === '*' ? null : Number(m[3]) };
}

function lengthHeader(res: Response): number | null {
  const v = res.headers.get('content-length');
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

/** A network-level failure (no HTTP answer, or a body that broke off): worth retrying. */
export class TransferError extends StudioError {
  constructor(detail: string) {
    super('MODEL_FETCH_FAILED', detail);
  }
}

/**
 * GETs bytes [start, end) of `url` (`end` omitted: to the end of the file). Never sends a
 * suffix range or `bytes=0-0`: some static servers (Vite's sirv) read those as "the whole file".
 */
export async function requestRange(fetcher: Fetcher, url: string, start: number, end: number | undefined, what: string,
  signal?: AbortSignal): Promise<RangeResponse> {
  const headers: Record<string, string> = {};
  if (start > 0 || end !== undefined) headers.Range = `bytes=${start}-${end === undefined ? '' : end - 1}`;
  let res: Response;
  try {
    res = await fetcher(url, { headers, signal });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new TransferError(`${what}: ${(e as Error).message}`);
  }
  if (res.status === 416) throw new StudioError('MODEL_FETCH_FAILED', `${what}: bytes ${start}-${end ?? ''} lie beyond the end of the file`);
  if (res.status !== 200 && res.status !== 206) throw new StudioError('MODEL_FETCH_FAILED', `${what}: HTTP ${res.status}`);
  if (!res.body) throw new TransferError(`${what}: the response has no body`);
  const reader = res.body.getReader();
  if (res.status === 200) return { partial: false, offset: 0, fileSize: lengthHeader(res), reader };
  const cr = parseContentRange(res.headers.get('content-range'));
  if (cr && cr.start !== start) {
    await reader.cancel().catch(() => {});
    throw new StudioError('MODEL_FETCH_FAILED', `${what}: asked for bytes from ${start}, the server sent bytes from ${cr.start}`);
  }
  return { partial: true, offset: start, fileSize: cr?.total ?? null, reader };
}

/**
 * Reads the body from file offset `offset` (where the reader stands) and hands every chunk that
 * overlaps [from, to) to `sink` as (file offset, bytes); stops reading at `to` and cancels the
 * rest. A body that ends before `to` is a TransferError (the caller may resume from where it got).
 */
export async function pump(reader: ReadableStreamDefaultReader<Uint8Array>, offset: number, from: number, to: number,
  sink: (at: number, bytes: Uint8Array) => void | Promise<void>, what: string, signal?: AbortSignal): Promise<void> {
  let pos = offset;
  try {
    while (pos < to) {
      signal?.throwIfAborted();
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (isAbort(e) || signal?.aborted) throw e;
        throw new TransferError(`${what}: the connection broke at byte ${pos} (${(e as Error).message})`);
      }
      if (r.done) throw new TransferError(`${what}: the server stopped sending at byte ${pos} of ${to}`);
      const chunk = r.value;
      const a = Math.max(pos, from);
      const b = Math.min(pos + chunk.length, to);
      if (b > a) await sink(a, chunk.subarray(a - pos, b - pos));
      pos += chunk.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Reads exactly bytes [start, end) into one array (small reads: the safetensors header). */
export async function readRange(fetcher: Fetcher, url: string, start: number, end: number, what: string,
  signal?: AbortSignal): Promise<{ bytes: Uint8Array; partial: boolean; fileSize: number | null }> {
  const res = await requestRange(fetcher, url, start, end, what, signal);
  const bytes = new Uint8Array(end - start);
  await pump(res.reader, res.offset, start, end, (at, b) => void bytes.set(b, at - start), what, signal);
  return { bytes, partial: res.partial, fileSize: res.fileSize };
}

/**
 * The size (and ETag, when exposed) of a remote file without downloading it: HEAD first, else a
 * one-byte Range request (`bytes=1-1`, whose Content-Range carries the total).
 */
export async function probeSize(fetcher: Fetcher, url: string, what: string, signal?: AbortSignal): Promise<{ size: number; etag: string | null }> {
  const etagOf = (res: Response) => res.headers.get('x-linked-etag') ?? res.headers.get('etag');
  try {
    const res = await fetcher(url, { method: 'HEAD', signal });
    const size = res.ok ? lengthHeader(res) : null;
    if (res.status === 404) throw new StudioError('MODEL_FETCH_FAILED', `${what}: HTTP 404 (not on the server)`);
    if (size !== null) return { size, etag: etagOf(res) };
  } catch (e) {
    if (isAbort(e) || e instanceof StudioError) throw e;
    // HEAD not allowed or failed: try a Range request below
  }
  let res: Response;
  try {
    res = await fetcher(url, { headers: { Range: 'bytes=1-1' }, signal });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new TransferError(`${what}: ${(e as Error).message}`);
  }
  await res.body?.cancel().catch(() => {});
  const total = res.status === 206 ? parseContentRange(res.headers.get('content-range'))?.total ?? null : res.ok ? lengthHeader(res) : null;
  if (total === null) throw new StudioError('MODEL_FETCH_FAILED', `${what}: the server does not say how large the file is (HTTP ${res.status})`);
  return { size: total, etag: etagOf(res) };
}
