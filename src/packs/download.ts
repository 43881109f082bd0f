/**
 * The pack download manager: plans (exact total size before any big transfer: manifest sizes, a
 * HEAD/Range probe, safetensors headers, what the cache already holds), then fetches each file
 * with per-file and total progress, cancellable through an AbortSignal and resumable:
 *   - whole files are cached in parts; a broken connection is resumed with a Range request from
 *     the byte where it stopped, and an interrupted download (abort, reload) leaves its parts,
 *     even the last incomplete one, so the next run continues from there;
 *   - tensor files (`tensors` in the manifest) are read tensor by tensor (safetensorsRange.ts),
 *     each tensor cached as float32 as soon as it is complete.
 * Cached data is verified on read (per piece SHA-256; the whole file's SHA-256 when the manifest
 * has one); damaged pieces are fetched again. Without storage everything still works from memory.
 * A completely cached file is used without asking the server (so a cached pack starts offline);
 * that is why hub files are pinned to a commit in the manifest where possible: a moving branch
 * ("main") would not be noticed until the pack's version or the file's size/hash changes. Partly
 * cached files are checked against the server (size, ETag, safetensors header) before resuming.
 */
import { StudioError } from '../errors/StudioError';
import type { NamedTensor } from '../lm/safetensors';
import { sha256Hex } from './fetchFile';
import { isAbort, pump, requestRange, TransferError } from './httpRange';
import {
  count, PART_BYTES, partKey, planDownload, tensorKey,
  type DownloadOptions, type DownloadPlan, type DownloadProgress, type DownloadSpec, type Downloaded, type FileMeta, type FileProgress,
  type TensorMeta, type TensorPlan, type WholePlan,
} from './downloadPlan';
import { fetchTensors, type TensorEntry } from './safetensorsRange';

export { cacheKeyOf, planDownload, type DownloadOptions, type DownloadPlan, type DownloadProgress, type DownloadSpec, type Downloaded, type FileProgress } from './downloadPlan';

/** Progress bookkeeping: per-file `loaded` only grows; events are thinned to about 1000 per download. */
class Tracker {
  readonly files: FileProgress[];
  private lastLoaded = -1;

  constructor(plan: DownloadPlan, private readonly total: number, private readonly onProgress?: (p: DownloadProgress) => void) {
    this.files = plan.items.map((it) => ({ role: it.spec.role, path: it.spec.file.path, loaded: 0, total: it.size, fromCache: 0, done: false }));
  }

  set(i: number, loaded: number, fromCache = 0): void {
    const f = this.files[i];
    f.loaded = Math.min(f.total, Math.max(f.loaded, loaded));
    f.fromCache = Math.max(f.fromCache, fromCache);
    this.emit(false);
  }

  finish(i: number): void {
    this.files[i].loaded = this.files[i].total;
    this.files[i].done = true;
    this.emit(true);
  }

  emit(force: boolean): void {
    const loaded = this.files.reduce((s, f) => s + f.loaded, 0);
    if (!this.onProgress || (!force && (loaded === this.lastLoaded || loaded - this.lastLoaded < this.total / 1000))) return;
    this.lastLoaded = loaded;
    const percent = this.total > 0 ? (100 * loaded) / this.total : 100;
    this.onProgress({ loaded, total: this.total, percent, files: this.files.map((f) => ({ ...f })) });
  }
}

async function runWhole(it: WholePlan, i: number, t: Tracker, o: DownloadOptions, partBytes: number): Promise<Uint8Array> {
  const { spec, size } = it;
  const { file } = spec;
  const cache = o.cache ?? null;
  const buf = new Uint8Array(size);
  let have = 0;
  if (cache && it.cachedBytes > 0) {
    for (let p = 0; have < it.cachedBytes; p++) {
      const piece = await cache.getPiece(partKey(spec, p), file.path);
      const expected = Math.min(partBytes, size - p * partBytes);
      if (!piece || piece.bytes.length > expected) break;
      buf.set(piece.bytes, p * partBytes);
      have += piece.bytes.length;
      t.set(i, have, have);
      if (piece.bytes.length < expected) break;
    }
    if (it.complete && have === size && file.sha256 !== undefined && (await sha256Hex(buf)) !== file.sha256) {
      o.onNotice?.(new StudioError('CACHE_CORRUPT', file.path));
      await cache.clear(`${spec.cacheKey}/`);
      have = 0;
    }
  }
  if (have < size) {
    const meta: FileMeta = { v: 1, url: spec.url, bytes: size, sha256: file.sha256, etag: it.etag, partBytes, complete: false };
    await cache?.putJson(`${spec.cacheKey}/file.json`, meta);
    let stored = Math.floor(have / partBytes); // whole parts in the cache; a partial one is rewritten when full
    const storeParts = async (final: boolean) => {
      if (!cache) return;
      while (stored * partBytes < have && (have - stored * partBytes >= partBytes || final)) {
        const end = Math.min(have, (stored + 1) * partBytes);
        await cache.putPiece(partKey(spec, stored), buf.subarray(stored * partBytes, end));
        if (end - stored * partBytes < partBytes && end < size) break; // keep the incomplete part's index
        stored++;
      }
    };
    let warned = false;
    for (let attempt = 0; have < size; attempt++) {
      try {
        const res = await requestRange(o.fetch, spec.url, have, undefined, file.path, o.signal);
        if (!res.partial && have > 0 && !warned) {
          warned = true;
          o.onNotice?.(new StudioError('RANGE_UNSUPPORTED', `${file.path}: restarting from the beginning, skipping the ${have} bytes already here`));
        }
        if (res.fileSize !== null && res.fileSize !== size) {
          throw new StudioError('MODEL_INTEGRITY', `${file.path} has ${res.fileSize} bytes on the server, expected ${size}`);
        }
        await pump(res.reader, res.offset, have, size, async (at, bytes) => {
          buf.set(bytes, at);
          have = at + bytes.length;
          t.set(i, have);
          await storeParts(false);
        }, file.path, o.signal);
      } catch (e) {
        const transfer = e instanceof TransferError;
        if (isAbort(e) || transfer) await storeParts(true); // keep what arrived, for the next try
        if (isAbort(e) || !transfer) throw e;
        if (attempt >= (o.retries ?? 3)) {
          throw new StudioError('DOWNLOAD_INTERRUPTED', `${file.path}: ${have} of ${size} bytes (${e.detail})`);
        }
        await (o.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))))(500 * (attempt + 1));
      }
    }
    await storeParts(true);
    if (file.sha256 !== undefined) {
      const hash = await sha256Hex(buf);
      if (hash !== file.sha256) {
        await cache?.clear(`${spec.cacheKey}/`);
        throw new StudioError('MODEL_INTEGRITY', `${file.path} has SHA-256 ${hash.slice(0, 12)}…, the manifest lists ${file.sha256.slice(0, 12)}…`);
      }
    }
    await cache?.putJson(`${spec.cacheKey}/file.json`, { ...meta, complete: true });
  }
  t.finish(i);
  return buf;
}

async function runTensors(it: TensorPlan, i: number, t: Tracker, o: DownloadOptions): Promise<Map<string, NamedTensor>> {
  const { spec } = it;
  const { file } = spec;
  const cache = o.cache ?? null;
  const out = new Map<string, NamedTensor>();
  const missing: TensorEntry[] = [];
  let done = 0;
  for (const e of it.wanted) {
    const piece = it.cached.has(e.name) && cache ? await cache.getPiece(tensorKey(spec, e.name), `${file.path}: ${e.name}`) : null;
    if (!piece || piece.bytes.length !== 4 * count(e)) {
      missing.push(e);
      continue;
    }
    const b = piece.bytes;
    const data = b.byteOffset % 4 === 0 ? new Float32Array(b.buffer, b.byteOffset, count(e)) : new Float32Array(b.slice().buffer);
    out.set(e.name, { shape: e.shape, data });
    done += e.end - e.start;
    t.set(i, done, done);
  }
  if (missing.length) {
    if (cache) {
      await cache.putPiece(`${spec.cacheKey}/header`, it.header.raw);
      await cache.putJson(`${spec.cacheKey}/tensors.json`, { v: 1, url: spec.url, headerSha256: await sha256Hex(it.header.raw), complete: false } satisfies TensorMeta);
    }
    const before = done;
    try {
      await fetchTensors(o.fetch, spec.url, missing, file.path, {
        signal: o.signal, retries: o.retries, sleep: o.sleep, onNotice: o.onNotice,
        onBytes: (loaded) => t.set(i, before + loaded),
        onTensor: async (name, tensor) => {
          out.set(name, tensor);
          const d = tensor.data;
          await cache?.putPiece(tensorKey(spec, name), new Uint8Array(d.buffer, d.byteOffset, d.byteLength), { shape: tensor.shape });
        },
      });
    } catch (e) {
      if (e instanceof TransferError) {
        throw new StudioError('DOWNLOAD_INTERRUPTED', `${file.path}: ${out.size} of ${it.wanted.length} tensors (${e.detail})`);
      }
      throw e;
    }
    await cache?.putJson(`${spec.cacheKey}/tensors.json`, { v: 1, url: spec.url, headerSha256: await sha256Hex(it.header.raw), complete: true } satisfies TensorMeta);
  }
  t.finish(i);
  return out;
}

/** Fetches everything `plan` lists (cache first, then the network), one file after another. */
export async function runDownload(plan: DownloadPlan, o: DownloadOptions): Promise<Downloaded> {
  const t = new Tracker(plan, plan.total, o.onProgress);
  t.emit(true);
  const result: Downloaded = { files: new Map(), tensors: new Map() };
  for (const [i, it] of plan.items.entries()) {
    o.signal?.throwIfAborted();
    if (it.kind === 'file') result.files.set(it.spec.role, await runWhole(it, i, t, o, o.partBytes ?? PART_BYTES));
    else result.tensors.set(it.spec.role, await runTensors(it, i, t, o));
  }
  return result;
}

/** Plans and runs in one go. */
export async function downloadFiles(specs: readonly DownloadSpec[], o: DownloadOptions): Promise<Downloaded> {
  return runDownload(await planDownload(specs, o), o);
}
