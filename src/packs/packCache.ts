/**
 * Where downloaded pack files are kept between visits: a key -> bytes store (Cache Storage in the
 * browser, a Map in tests) with integrity around it. Files are stored as pieces (fixed-size parts
 * of a file, or single tensors); each piece is read back after writing (its size must match) and
 * carries its SHA-256 in a small sidecar, checked on every read. A damaged piece is deleted and
 * reported (CACHE_CORRUPT), so the downloader fetches it again. When the store fails (quota, or
 * no Cache Storage at all) the cache reports STORAGE_FULL once and stops writing; the download
 * goes on in memory.
 */
import { StudioError } from '../errors/StudioError';
import { sha256Hex } from './fetchFile';

export interface BlobStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  /** The stored entry's size, read from the store (null when absent). */
  size(key: string): Promise<number | null>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
}

/** In-memory store for tests and for when the browser offers none; `quotaBytes` simulates a full disk. */
export function memoryBlobStore(opts: { quotaBytes?: number } = {}): BlobStore & { readonly entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  const used = () => [...entries.values()].reduce((s, b) => s + b.length, 0);
  return {
    entries,
    async put(key, bytes) {
      const old = entries.get(key)?.length ?? 0;
      if (opts.quotaBytes !== undefined && used() - old + bytes.length > opts.quotaBytes) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      entries.set(key, bytes.slice());
    },
    get: async (key) => entries.get(key)?.slice() ?? null,
    size: async (key) => entries.get(key)?.length ?? null,
    delete: async (key) => entries.delete(key),
    keys: async () => [...entries.keys()],
  };
}

/** Cache Storage (browser, window or worker). Keys become same-origin-looking URLs under a fixed prefix. */
export function cacheStorageBlobStore(cacheName = 'musicgen-studio-packs-v1'): BlobStore {
  const PREFIX = 'https://musicgen-studio.invalid/pack-cache/';
  let opened: Promise<Cache> | null = null;
  const open = () => (opened ??= caches.open(cacheName).catch((e) => { opened = null; throw e; }));
  const req = (key: string) => new Request(PREFIX + key.split('/').map(encodeURIComponent).join('/'));
  return {
    async put(key, bytes) {
      const body = new Blob([bytes as Uint8Array<ArrayBuffer>]);
      await (await open()).put(req(key), new Response(body, { headers: { 'content-type': 'application/octet-stream' } }));
    },
    async get(key) {
      const r = await (await open()).match(req(key));
      return r ? new Uint8Array(await r.arrayBuffer()) : null;
    },
    async size(key) {
      const r = await (await open()).match(req(key));
      return r ? (await r.blob()).size : null;
    },
    delete: async (key) => (await open()).delete(req(key)),
    async keys() {
      const all = await (await open()).keys();
      return all.map((r) => r.url).filter((u) => u.startsWith(PREFIX)).map((u) => u.slice(PREFIX.length).split('/').map(decodeURIComponent).join('/'));
    },
  };
}

export interface PieceMeta {
  bytes: number;
  sha256: string;
  shape?: number[];
}

const META = '.meta';

/** Integrity, failure handling and bookkeeping over a BlobStore. */
export class PackCache {
  private failed = false;

  constructor(private readonly store: BlobStore, private readonly onNotice: (e: StudioError) => void = () => {}) {}

  /** False once a write failed: nothing more is written this session. */
  get writable(): boolean {
    return !this.failed;
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const name = (e as { name?: string } | null)?.name ?? String(e);
    const why = name === 'QuotaExceededError' ? 'browser storage is full' : `browser storage failed (${name})`;
    this.onNotice(new StudioError('STORAGE_FULL', `${why}: the model runs from memory and will be downloaded again next time`));
  }

  /** Stores `bytes` under `key`, reads the size back, then records its SHA-256. False when it could not be stored. */
  async putPiece(key: string, bytes: Uint8Array, extra: { shape?: number[] } = {}): Promise<boolean> {
    if (this.failed) return false;
    try {
      await this.store.delete(key + META); // a piece without its sidecar is never trusted
      await this.store.put(key, bytes);
      const stored = await this.store.size(key);
      if (stored !== bytes.length) throw new DOMException(`wrote ${bytes.length} bytes, read back ${stored}`, 'WriteCheckError');
      const meta: PieceMeta = { bytes: bytes.length, sha256: await sha256Hex(bytes), ...extra };
      await this.store.put(key + META, new TextEncoder().encode(JSON.stringify(meta)));
      return true;
    } catch (e) {
      await this.store.delete(key).catch(() => false);
      this.fail(e);
      return false;
    }
  }

  /** The recorded size/hash of a piece without reading it (null when absent). */
  async pieceMeta(key: string): Promise<PieceMeta | null> {
    try {
      const raw = await this.store.get(key + META);
      if (!raw) return null;
      const m = JSON.parse(new TextDecoder().decode(raw)) as PieceMeta;
      return Number.isSafeInteger(m.bytes) && typeof m.sha256 === 'string' ? m : null;
    } catch {
      return null;
    }
  }

  /** A piece, verified (size and SHA-256); a damaged one is deleted, reported and returned as null. */
  async getPiece(key: string, what = key): Promise<{ bytes: Uint8Array; meta: PieceMeta } | null> {
    const meta = await this.pieceMeta(key);
    if (!meta) return null;
    let bytes: Uint8Array | null;
    try {
      bytes = await this.store.get(key);
    } catch {
      return null;
    }
    if (bytes && bytes.length === meta.bytes && (await sha256Hex(bytes)) === meta.sha256) return { bytes, meta };
    await this.deletePiece(key);
    this.onNotice(new StudioError('CACHE_CORRUPT', what));
    return null;
  }

  async deletePiece(key: string): Promise<void> {
    await this.store.delete(key).catch(() => false);
    await this.store.delete(key + META).catch(() => false);
  }

  async getJson<T>(key: string): Promise<T | null> {
    try {
      const raw = await this.store.get(key);
      return raw ? (JSON.parse(new TextDecoder().decode(raw)) as T) : null;
    } catch {
      return null;
    }
  }

  async putJson(key: string, value: unknown): Promise<boolean> {
    if (this.failed) return false;
    try {
      await this.store.put(key, new TextEncoder().encode(JSON.stringify(value)));
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  /** Bytes held under `prefix` (every pack when ''). */
  async usage(prefix = ''): Promise<number> {
    let total = 0;
    for (const k of await this.keysUnder(prefix)) total += (await this.store.size(k).catch(() => null)) ?? 0;
    return total;
  }

  /** Deletes everything under `prefix` (every pack when ''); returns the bytes freed. */
  async clear(prefix = ''): Promise<number> {
    let freed = 0;
    for (const k of await this.keysUnder(prefix)) {
      freed += (await this.store.size(k).catch(() => null)) ?? 0;
      await this.store.delete(k).catch(() => false);
    }
    return freed;
  }

  private async keysUnder(prefix: string): Promise<string[]> {
    try {
      return (await this.store.keys()).filter((k) => k.startsWith(prefix));
    } catch {
      return [];
    }
  }
}

/** The browser's pack cache, or one that keeps nothing (and says so) when Cache Storage is missing. */
export function browserPackCache(onNotice: (e: StudioError) => void): PackCache {
  if (typeof caches === 'undefined') {
    const store: BlobStore = {
      put: async () => { throw new DOMException('Cache Storage is not available here', 'NotSupportedError'); },
      get: async () => null, size: async () => null, delete: async () => false, keys: async () => [],
    };
    return new PackCache(store, onNotice);
  }
  return new PackCache(cacheStorageBlobStore(), onNotice);
}
