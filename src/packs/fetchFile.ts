import { StudioError } from '../errors/StudioError';
import type { PackFile } from './manifest';

/** `fetch` as the packs code uses it; `init` carries Range headers and the abort signal. */
export type Fetcher = (url: string, init?: RequestInit) => Promise<Response>;

/** SHA-256 of bytes as lowercase hex (Web Crypto: in browsers, workers and Node). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Downloads one pack file, streaming so progress is reported in bytes, then checks its size
 * and SHA-256 against the manifest. Any mismatch is MODEL_INTEGRITY; never a silent load.
 * (A file listed without size or SHA-256 is taken at the size the server sends; the resumable,
 * cached download of such files is src/packs/download.ts.)
 */
export async function fetchPackFile(fetcher: Fetcher, url: string, file: PackFile, opts: {
  signal?: AbortSignal;
  onBytes?: (loaded: number, total: number) => void;
} = {}): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetcher(url);
  } catch (e) {
    throw new StudioError('MODEL_FETCH_FAILED', `${file.path}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new StudioError('MODEL_FETCH_FAILED', `${file.path}: HTTP ${res.status}`);
  if (file.bytes === undefined) return new Uint8Array(await res.arrayBuffer());
  const bytes = new Uint8Array(file.bytes);
  let loaded = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      opts.signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > file.bytes) throw new StudioError('MODEL_INTEGRITY', `${file.path} is larger than the ${file.bytes} bytes the manifest lists`);
      bytes.set(value, loaded);
      loaded += value.length;
      opts.onBytes?.(loaded, file.bytes);
    }
  } else {
    const all = new Uint8Array(await res.arrayBuffer());
    if (all.length > file.bytes) throw new StudioError('MODEL_INTEGRITY', `${file.path} is larger than the ${file.bytes} bytes the manifest lists`);
    bytes.set(all);
    loaded = all.length;
  }
  if (loaded !== file.bytes) throw new StudioError('MODEL_INTEGRITY', `${file.path} has ${loaded} bytes, the manifest lists ${file.bytes}`);
  if (file.sha256 === undefined) return bytes;
  const hash = await sha256Hex(bytes);
  if (hash !== file.sha256) throw new StudioError('MODEL_INTEGRITY', `${file.path} has SHA-256 ${hash.slice(0, 12)}…, the manifest lists ${file.sha256.slice(0, 12)}…`);
  return bytes;
}
