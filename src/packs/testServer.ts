// Test helper (Node): a fake static file server behind `fetch`, the only thing the packs tests fake.
// It honours single Range requests (206 + Content-Range) and HEAD, and can be told to ignore Range,
// hide Content-Range, refuse HEAD, break a body after N bytes, or serve corrupted bytes.
import type { Fetcher } from './fetchFile';

export interface ServerLogEntry {
  method: string;
  path: string;
  range: string | null;
  status: number;
  /** Body bytes actually delivered (a broken or cancelled body counts what got out). */
  sent: number;
}

export interface FakeServerOptions {
  ignoreRange?: boolean;
  hideContentRange?: boolean;
  noHead?: boolean;
  /** Body chunk size (default 4096). */
  chunk?: number;
  /** Break the next `times` bodies (longer than `afterBytes`) of files matching `path` after `afterBytes` bytes. */
  breakBody?: { path: RegExp; afterBytes: number; times: number };
  /** Flip one byte (at `at`, default the middle) of files matching. */
  corrupt?: { path: RegExp; at?: number };
}

export interface FakeServer {
  fetch: Fetcher;
  log: ServerLogEntry[];
  options: FakeServerOptions;
  /** Body bytes delivered for paths matching `path` (all when omitted). */
  sent(path?: RegExp): number;
}

/** `files` maps URL paths ('/org/repo/resolve/main/x.onnx') to their bytes; any host is accepted. */
export function fakeServer(files: Map<string, Uint8Array>, options: FakeServerOptions = {}): FakeServer {
  const log: ServerLogEntry[] = [];
  const server: FakeServer = {
    log,
    options,
    sent: (path) => log.filter((l) => !path || path.test(l.path)).reduce((s, l) => s + l.sent, 0),
    fetch: async (url, init = {}) => {
      const signal = init.signal ?? undefined;
      signal?.throwIfAborted();
      const path = decodeURIComponent(new URL(url).pathname);
      const method = (init.method ?? 'GET').toUpperCase();
      const headers = new Headers(init.headers);
      const range = headers.get('range');
      const entry: ServerLogEntry = { method, path, range, status: 0, sent: 0 };
      log.push(entry);
      const o = server.options;
      let bytes = files.get(path);
      if (!bytes) return respond(entry, 404, new Uint8Array(0), {});
      if (o.corrupt?.path.test(path)) {
        bytes = bytes.slice();
        bytes[o.corrupt.at ?? bytes.length >> 1] ^= 0xff;
      }
      if (method === 'HEAD') {
        if (o.noHead) return respond(entry, 405, new Uint8Array(0), {});
        return new Response(null, { status: 200, headers: { 'content-length': String(bytes.length), 'accept-ranges': 'bytes' } });
      }
      let start = 0;
      let end = bytes.length;
      let status = 200;
      const m = range && !o.ignoreRange ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
      if (m) {
        start = Number(m[1]);
        end = m[2] === '' ? bytes.length : Math.min(bytes.length, Number(m[2]) + 1);
        if (start >= bytes.length) return respond(entry, 416, new Uint8Array(0), { 'content-range': `bytes */${bytes.length}` });
        status = 206;
      }
      const h: Record<string, string> = { 'content-length': String(end - start) };
      if (status === 206 && !o.hideContentRange) h['content-range'] = `bytes ${start}-${end - 1}/${bytes.length}`;
      let breakAt = Infinity;
      if (o.breakBody && o.breakBody.times > 0 && o.breakBody.path.test(path) && end - start > o.breakBody.afterBytes) {
        o.breakBody.times--;
        breakAt = o.breakBody.afterBytes;
      }
      return respond(entry, status, bytes.subarray(start, end), h, breakAt, o.chunk ?? 4096, signal);
    },
  };
  return server;
}

function respond(entry: ServerLogEntry, status: number, body: Uint8Array, headers: Record<string, string>, breakAt = Infinity,
  chunk = 4096, signal?: AbortSignal): Response {
  entry.status = status;
  let pos = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (signal?.aborted) return c.error(signal.reason ?? new DOMException('aborted', 'AbortError'));
      if (pos >= breakAt) return c.error(new TypeError('network error: connection reset'));
      if (pos >= body.length) return c.close();
      const n = Math.min(chunk, body.length - pos, breakAt - pos);
      c.enqueue(body.slice(pos, pos + n));
      pos += n;
      entry.sent += n;
    },
  }, { highWaterMark: 0 });
  return new Response(status === 204 || status === 304 ? null : stream, { status, headers });
}
