/**
 * The packs the studio offers: the bundled pack (shipped with the app, works offline) and the
 * pretrained musicgen-small pack (downloaded once from the Hugging Face hub, then cached). Both
 * manifests live in the repo, public/models/<id>/manifest.json (data, fetched by the engine);
 * this module holds what the picker shows before any fetch, kept equal to the manifests by
 * registry.test.ts. The hub base URL is configurable so a mirror, or a local folder laid out
 * like the hub, can serve the big files.
 */
import { DEFAULT_HUB_BASE, type Manifest } from './manifest';

export { DEFAULT_HUB_BASE };

export interface PackEntry {
  /** The folder under public/models/ (`?pack=<id>`). */
  id: string;
  name: string;
  /** Shipped with the app (false: fetched from the hub the first time, then cached). */
  bundled: boolean;
  /** Rough download in bytes (approxDownloadBytes of its manifest); the exact figure comes from the download plan. */
  approxBytes: number;
  /** Memory the loaded pack needs, for people (weights as held in memory, before the KV cache). */
  memory: string;
  /** What the user needs to know before choosing it. */
  notes: string;
  licence: string;
}

/** Where a user-chosen hub base is remembered (settings). */
export const HUB_STORAGE_KEY = 'musicgen-studio.hub';

export const PACKS: readonly PackEntry[] = [
  {
    id: 'studio',
    name: 'Studio (bundled)',
    bundled: true,
    approxBytes: 20_554_066,
    memory: 'under 100 MB',
    notes: 'Built into the app from code and seeds; works offline. Its small language model is only briefly pretrained on a synthetic corpus: takes have its textures but do not follow key or tempo yet.',
    licence: 'same as the app',
  },
  {
    id: 'musicgen-small',
    name: 'MusicGen small (pretrained, Meta)',
    bundled: false,
    approxBytes: 2_281_003_305,
    memory: 'about 1.7 GB of decoder weights (float32) plus about 0.6 GB for the text encoder and codec',
    notes: 'Real music from text prompts. Downloaded once from the Hugging Face hub (about 2.3 GB) and cached in the browser. '
      + 'The decoder weights take about 1.7 GB of memory as float32, so a desktop browser with WebGPU and 8 GB of RAM or more is recommended.',
    licence: 'CC-BY-NC 4.0 (non-commercial), Meta',
  },
];

export function findPack(id: string): PackEntry | undefined {
  return PACKS.find((p) => p.id === id);
}

/** The manifest URL of a pack, relative to the app's base URL (`document.baseURI`). */
export function manifestUrlOf(id: string, baseUrl: string): string {
  return new URL(`models/${encodeURIComponent(id)}/manifest.json`, baseUrl).href;
}

/**
 * Rough bytes to download (exact sizes, else the manifest's approximations). For a file read tensor
 * by tensor this is the part fetched, not the whole file. The exact figure comes from the download plan.
 */
export function approxDownloadBytes(m: Manifest): number {
  return Object.values(m.files).reduce((s, f) => s + (f.tensors ? f.approxBytes ?? 0 : f.bytes ?? f.approxBytes ?? 0), 0);
}

/**
 * The hub base URL: `?hub=<url>` wins, then the stored setting, then https://huggingface.co.
 * A relative value (`?hub=/hub/`, a local folder served with the app) resolves against `baseUrl`.
 * Anything that is not http(s) is ignored.
 */
export function resolveHubBase(search: string, stored: string | null, baseUrl: string): string {
  for (const candidate of [new URLSearchParams(search).get('hub'), stored]) {
    if (!candidate) continue;
    try {
      const u = new URL(candidate, baseUrl);
      if (u.protocol === 'https:' || u.protocol === 'http:') return u.href.replace(/\/+$/, '');
    } catch {
      // not a URL: try the next source
    }
  }
  return DEFAULT_HUB_BASE;
}

/** Bytes for people, in decimal units: 52 kB, 15.2 MB, 439 MB, 2.28 GB. */
export function formatBytes(n: number): string {
  if (!(n >= 0)) return '? MB';
  if (n < 1000) return `${Math.round(n)} B`;
  if (n < 1e6) return `${Math.round(n / 1e3)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e8 ? 1 : 0)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
