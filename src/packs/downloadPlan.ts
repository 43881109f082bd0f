/**
 * Planning a pack download (see download.ts): the exact bytes each file will take, what the cache
 * already holds, and for safetensors files read tensor by tensor, the header and the tensors to
 * fetch. The only network use is small: HEAD/Range size probes and safetensors headers.
 */
import { StudioError } from '../errors/StudioError';
import type { NamedTensor } from '../lm/safetensors';
import { sha256Hex, type Fetcher } from './fetchFile';
import { probeSize } from './httpRange';
import type { Manifest, PackFile } from './manifest';
import type { PackCache } from './packCache';
import { parseHeader, readRemoteHeader, selectByPrefix, type SafetensorsHeader, type TensorEntry } from './safetensorsRange';

export interface DownloadSpec {
  role: string;
  url: string;
  file: PackFile;
  /** Cache key of this file, e.g. `<pack id>/<version>/<role>` (see `cacheKeyOf`). */
  cacheKey: string;
  /** Tensor files: picks and checks the entries to fetch (throw to refuse the file). Default: all under `file.tensors`. */
  select?: (entries: TensorEntry[]) => TensorEntry[];
}

export interface FileProgress {
  role: string;
  path: string;
  /** Bytes done (from the network or the cache); never decreases. */
  loaded: number;
  total: number;
  /** Of `loaded`, bytes that came from the cache. */
  fromCache: number;
  done: boolean;
}

export interface DownloadProgress {
  loaded: number;
  total: number;
  /** 0..100. */
  percent: number;
  files: FileProgress[];
}

export interface DownloadOptions {
  fetch: Fetcher;
  cache?: PackCache | null;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Non-fatal news: STORAGE_FULL, CACHE_CORRUPT, RANGE_UNSUPPORTED. */
  onNotice?: (e: StudioError) => void;
  /** Resumes per file after a broken connection (default 3). */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Size of the cached parts of whole files (default 16 MiB). */
  partBytes?: number;
}

export interface WholePlan {
  kind: 'file';
  spec: DownloadSpec;
  size: number;
  etag: string | null;
  /** Bytes the cache says it holds, from the start of the file (verified while reading). */
  cachedBytes: number;
  complete: boolean;
}

export interface TensorPlan {
  kind: 'tensors';
  spec: DownloadSpec;
  header: SafetensorsHeader;
  wanted: TensorEntry[];
  cached: Set<string>;
  /** Bytes of the wanted tensors in the file (what the network would carry). */
  size: number;
  cachedBytes: number;
}

export interface DownloadPlan {
  items: (WholePlan | TensorPlan)[];
  /** Bytes of everything the pack needs: the total of the progress. */
  total: number;
  /** Of `total`, bytes the cache holds (if they verify). */
  cachedBytes: number;
}

export interface Downloaded {
  /** Whole files by role. */
  files: Map<string, Uint8Array>;
  /** Tensor files by role: float32 tensors by name. */
  tensors: Map<string, Map<string, NamedTensor>>;
}

export interface FileMeta {
  v: 1;
  url: string;
  bytes: number;
  sha256?: string;
  etag: string | null;
  partBytes: number;
  complete: boolean;
}

export interface TensorMeta {
  v: 1;
  url: string;
  headerSha256: string;
  complete: boolean;
}

export const PART_BYTES = 16 << 20;

/** The cache key of a pack file: pack id, version and role (independent of the server it came from). */
export function cacheKeyOf(manifest: Pick<Manifest, 'id' | 'version'>, role: string): string {
  return `${manifest.id}/${manifest.version}/${role}`;
}

export const partKey = (spec: DownloadSpec, i: number) => `${spec.cacheKey}/part/${i}`;
export const tensorKey = (spec: DownloadSpec, name: string) => `${spec.cacheKey}/tensor/${name}`;
export const count = (e: TensorEntry) => e.shape.reduce((a, d) => a * d, 1);

async function planWhole(spec: DownloadSpec, o: DownloadOptions, partBytes: number): Promise<WholePlan> {
  const { cache, file } = { cache: o.cache, file: spec.file };
  const metaKey = `${spec.cacheKey}/file.json`;
  let meta = (await cache?.getJson<FileMeta>(metaKey)) ?? null;
  const fits = (m: FileMeta) => m.v === 1 && m.partBytes === partBytes && (file.bytes === undefined || m.bytes === file.bytes)
    && (file.sha256 === undefined || m.sha256 === file.sha256);
  if (meta && !fits(meta)) {
    await cache!.clear(`${spec.cacheKey}/`);
    meta = null;
  }
  if (meta?.complete) return { kind: 'file', spec, size: meta.bytes, etag: meta.etag, cachedBytes: meta.bytes, complete: true };
  let size = file.bytes;
  let etag: string | null = null;
  if (size === undefined) ({ size, etag } = await probeSize(o.fetch, spec.url, file.path, o.signal));
  if (meta && (meta.bytes !== size || (etag && meta.etag && etag !== meta.etag))) {
    await cache!.clear(`${spec.cacheKey}/`); // the file changed on the server since the partial download
    meta = null;
  }
  let cachedBytes = 0;
  if (meta && cache) {
    for (let i = 0; cachedBytes < size; i++) {
      const pm = await cache.pieceMeta(partKey(spec, i));
      const expected = Math.min(partBytes, size - i * partBytes);
      if (!pm || pm.bytes > expected) break;
      cachedBytes += pm.bytes;
      if (pm.bytes < expected) break; // the incomplete last part of an interrupted download
    }
  }
  return { kind: 'file', spec, size, etag: etag ?? meta?.etag ?? null, cachedBytes, complete: false };
}

async function planTensors(spec: DownloadSpec, o: DownloadOptions): Promise<TensorPlan> {
  const { cache, file } = { cache: o.cache, file: spec.file };
  const metaKey = `${spec.cacheKey}/tensors.json`;
  let meta = (await cache?.getJson<TensorMeta>(metaKey)) ?? null;
  let header: SafetensorsHeader | null = null;
  if (meta?.complete && cache) {
    const cached = await cache.getPiece(`${spec.cacheKey}/header`, `${file.path} (header)`);
    if (cached) header = parseHeader(cached.bytes, file.bytes ?? null, file.path); // offline start
  }
  if (!header) {
    header = await readRemoteHeader(o.fetch, spec.url, { what: file.path, fileSize: file.bytes ?? null, signal: o.signal });
    if (meta && meta.headerSha256 !== (await sha256Hex(header.raw))) {
      await cache!.clear(`${spec.cacheKey}/`); // a different file now: its cached tensors are not ours
      meta = null;
    }
  }
  let wanted = selectByPrefix(header.entries, file.tensors ?? ['']);
  if (spec.select) wanted = spec.select(wanted);
  const bad = wanted.find((e) => !['F32', 'F16', 'BF16'].includes(e.dtype));
  if (bad) throw new StudioError('WEIGHTS_MISMATCH', `${file.path}: ${bad.name} is ${bad.dtype}; only F32, F16 and BF16 load`);
  const cached = new Set<string>();
  let size = 0;
  let cachedBytes = 0;
  for (const e of wanted) {
    size += e.end - e.start;
    const pm = meta && cache ? await cache.pieceMeta(tensorKey(spec, e.name)) : null;
    if (pm && pm.bytes === 4 * count(e)) {
      cached.add(e.name);
      cachedBytes += e.end - e.start;
    }
  }
  return { kind: 'tensors', spec, header, wanted, cached, size, cachedBytes };
}

/** Works out sizes and cache state; the only network use is small (HEAD/Range probes, safetensors headers). */
export async function planDownload(specs: readonly DownloadSpec[], o: DownloadOptions): Promise<DownloadPlan> {
  const partBytes = o.partBytes ?? PART_BYTES;
  const items: DownloadPlan['items'] = [];
  for (const spec of specs) {
    o.signal?.throwIfAborted();
    items.push(spec.file.tensors ? await planTensors(spec, o) : await planWhole(spec, o, partBytes));
  }
  return {
    items,
    total: items.reduce((s, it) => s + it.size, 0),
    cachedBytes: items.reduce((s, it) => s + it.cachedBytes, 0),
  };
}
