/**
 * What the engine downloads for a pack: one DownloadSpec per file role, with URLs resolved
 * (relative to the manifest, or in the hub for files with a `repo`), cache keys per pack version,
 * and, for LM weights read tensor by tensor, the check of the checkpoint's header against the
 * manifest's LM config (wrong checkpoint = WEIGHTS_MISMATCH before the big download).
 */
import type { DownloadSpec } from './download';
import { cacheKeyOf } from './download';
import { selectLmTensors } from './lmTensors';
import { fileUrl, type Manifest } from './manifest';

/** Every role the engine loads, in loading order: codec graphs, text encoder, tokenizer, LM weights. */
export function packRoles(m: Manifest): string[] {
  return [
    m.codec.encoder, m.codec.decoder,
    ...(m.text ? [m.text.encoder, m.text.tokenizer] : []),
    ...(m.lm ? [m.lm.weights] : []),
  ];
}

export function packDownloadSpecs(m: Manifest, where: { manifestUrl: string; hubBase?: string }, roles = packRoles(m)): DownloadSpec[] {
  return roles.map((role) => {
    const file = m.files[role];
    const spec: DownloadSpec = { role, url: fileUrl(where.manifestUrl, file, where.hubBase), file, cacheKey: cacheKeyOf(m, role) };
    if (m.lm && role === m.lm.weights && file.tensors) {
      const cfg = m.lm.config;
      spec.select = (entries) => selectLmTensors(cfg, entries);
    }
    return spec;
  });
}

/** The cache prefix holding every file of `m` (for usage and "clear cache"). */
export function packCachePrefix(m: Pick<Manifest, 'id' | 'version'>): string {
  return `${m.id}/${m.version}/`;
}
