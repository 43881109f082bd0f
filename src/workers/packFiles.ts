import { StudioError } from '../errors/StudioError';
import { fetchPackFile, type Fetcher } from '../packs/fetchFile';
import { fileUrl, parseManifest, type Manifest } from '../packs/manifest';
import type { CallContext } from './protocol';

/** Reads and validates a pack's manifest. */
export async function fetchManifest(fetcher: Fetcher, manifestUrl: string): Promise<Manifest> {
  let res: Response;
  try {
    res = await fetcher(manifestUrl);
  } catch (e) {
    throw new StudioError('MODEL_FETCH_FAILED', `manifest: ${(e as Error).message}`);
  }
  if (!res.ok) throw new StudioError('MODEL_FETCH_FAILED', `manifest: HTTP ${res.status}`);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new StudioError('MANIFEST_INVALID', 'manifest.json is not valid JSON');
  }
  return parseManifest(json);
}

/** Downloads the files named by `roles` (checked against the manifest), reporting total progress up to `share`. */
export async function fetchRoles(fetcher: Fetcher, manifestUrl: string, manifest: Manifest, roles: string[], ctx: CallContext,
  share: number): Promise<Map<string, Uint8Array>> {
  const total = roles.reduce((s, r) => s + manifest.files[r].bytes, 0);
  const out = new Map<string, Uint8Array>();
  let before = 0;
  for (const role of roles) {
    const file = manifest.files[role];
    out.set(role, await fetchPackFile(fetcher, fileUrl(manifestUrl, file), file, {
      signal: ctx.signal,
      onBytes: (loaded) => ctx.progress({
        phase: 'load', value: (share * (before + loaded)) / total,
        label: `Downloading ${file.path} (${((before + loaded) / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB)`,
      }),
    }));
    before += file.bytes;
  }
  return out;
}
