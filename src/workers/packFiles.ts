import { StudioError } from '../errors/StudioError';
import type { NamedTensor } from '../lm/safetensors';
import { downloadFiles, planDownload, runDownload, type DownloadProgress } from '../packs/download';
import type { Fetcher } from '../packs/fetchFile';
import { parseManifest, type Manifest } from '../packs/manifest';
import type { PackCache } from '../packs/packCache';
import { packDownloadSpecs } from '../packs/packSpecs';
import type { CallContext, PackPlan } from './protocol';

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

const mb = (n: number) => (n / 1e6).toFixed(1);

/** One line for people: the file being fetched and the total so far, e.g. "Downloading model.safetensors (12.0 of 2280.4 MB)". */
export function downloadLabel(p: DownloadProgress): string {
  const current = p.files.find((f) => !f.done) ?? p.files.at(-1);
  const fromCache = p.files.length > 0 && p.files.every((f) => f.fromCache === f.total);
  const verb = fromCache ? 'Reading from the cache' : 'Downloading';
  return `${verb} ${current?.path ?? 'files'} (${mb(p.loaded)} of ${mb(p.total)} MB)`;
}

export interface PackDownload {
  /** Whole files by role. */
  files: Map<string, Uint8Array>;
  /** Roles read tensor by tensor (LM weights from a full checkpoint): float32 tensors by name. */
  tensors: Map<string, Map<string, NamedTensor>>;
}

/**
 * Fetches the files named by `roles` through the download manager (cache first, resumable,
 * Range reads for tensor files), reporting progress in 0..share with per-file detail.
 * Non-fatal news (storage full, a damaged cache entry, a server without Range) goes to `onNotice`.
 */
export async function downloadRoles(fetcher: Fetcher, where: { manifestUrl: string; hubBase?: string }, manifest: Manifest, roles: string[],
  ctx: CallContext, share: number, cache: PackCache | null, onNotice: (e: StudioError) => void): Promise<PackDownload> {
  const specs = packDownloadSpecs(manifest, where, roles);
  const opts = {
    fetch: fetcher, cache, signal: ctx.signal, onNotice,
    onProgress: (p: DownloadProgress) => ctx.progress({
      phase: 'load', value: (share * p.percent) / 100, label: downloadLabel(p),
      download: { loaded: p.loaded, total: p.total, files: p.files.map(({ path, loaded, total, fromCache }) => ({ path, loaded, total, fromCache })) },
    }),
  };
  ctx.progress({ phase: 'load', value: 0, label: `Checking ${manifest.name}` });
  const plan = await planDownload(specs, opts);
  return runDownload(plan, opts);
}

/** Reads the LM tensors of a tensor-file pack again (from the cache when it holds them), e.g. to go back to the base model. */
export async function reloadTensors(fetcher: Fetcher, where: { manifestUrl: string; hubBase?: string }, manifest: Manifest, role: string,
  cache: PackCache | null, signal?: AbortSignal): Promise<Map<string, NamedTensor>> {
  const got = await downloadFiles(packDownloadSpecs(manifest, where, [role]), { fetch: fetcher, cache, signal });
  return got.tensors.get(role)!;
}

/** The manifest and download plan of a pack (see EngineApi.planPack); only small requests go out. */
export async function planPackDownload(fetcher: Fetcher, where: { manifestUrl: string; hubBase?: string }, cache: PackCache | null,
  signal?: AbortSignal): Promise<PackPlan> {
  const manifest = await fetchManifest(fetcher, where.manifestUrl);
  const plan = await planDownload(packDownloadSpecs(manifest, where), { fetch: fetcher, cache, signal });
  return {
    packId: manifest.id, packName: manifest.name, total: plan.total, cachedBytes: plan.cachedBytes,
    files: plan.items.map((it) => ({ path: it.spec.file.path, bytes: it.size, cachedBytes: it.cachedBytes })),
  };
}

/** A view of `m` whose entries are dropped as they are read, so each float32 array can be freed once the LM holds its copy. */
export function draining(m: Map<string, NamedTensor>): Map<string, NamedTensor> {
  return new (class extends Map<string, NamedTensor> {
    override get(k: string) {
      const v = super.get(k);
      this.delete(k);
      return v;
    }
  })(m);
}
