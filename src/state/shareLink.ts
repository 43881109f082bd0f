import { DEFAULT_PACK_ID } from './packsSlice';
import type { GenerationParams } from './types';

/**
 * A take's recipe as a link: the pack, prompt, seed and sampling settings in the query string
 * (`?pack=…&prompt=…&seed=7&seconds=8&temperature=1&topk=250&topp=0&cfg=3`). Opening it fills the
 * Generate panel; with the same pack and backend the same seed gives the same take (the studio's
 * sampler is seeded). A continuation's source audio is not part of a link.
 */
export interface SharedSettings extends Partial<GenerationParams> {
  prompt?: string;
  seed?: number;
}

const KEYS = { seconds: 'seconds', temperature: 'temperature', topK: 'topk', topP: 'topp', cfg: 'cfg' } as const;
/** Sane bounds; the panel clamps further to what the pack's LM allows. */
const RANGE: Record<keyof GenerationParams, [number, number]> = {
  seconds: [1, 300], temperature: [0.05, 5], topK: [0, 100_000], topP: [0, 1], cfg: [0, 30],
};
const MAX_PROMPT = 2000;

export function shareSearch(t: { prompt: string; seed: number; params: GenerationParams }, packId: string): string {
  const p = new URLSearchParams();
  p.set('pack', packId); // also the bundled one: else the opener's own stored pack would be used
  p.set('prompt', t.prompt);
  p.set('seed', String(t.seed));
  for (const [k, q] of Object.entries(KEYS) as [keyof GenerationParams, string][]) p.set(q, String(t.params[k]));
  return `?${p.toString()}`;
}

/** The settings a link carries; anything missing, malformed or out of range is left out. */
export function sharedSettings(search: string): SharedSettings | null {
  const p = new URLSearchParams(search);
  const out: SharedSettings = {};
  const prompt = p.get('prompt');
  if (prompt !== null) out.prompt = prompt.slice(0, MAX_PROMPT);
  const seed = p.get('seed');
  if (seed !== null && /^\d{1,10}$/.test(seed) && Number(seed) <= 0xffffffff) out.seed = Number(seed);
  for (const [k, q] of Object.entries(KEYS) as [keyof GenerationParams, string][]) {
    const raw = p.get(q);
    if (raw === null || raw.trim() === '') continue;
    const v = Number(raw);
    const [lo, hi] = RANGE[k];
    if (Number.isFinite(v) && v >= lo && v <= hi) out[k] = k === 'topK' ? Math.round(v) : v;
  }
  return Object.keys(out).length ? out : null;
}

/** The query string without a link's settings (so a reload does not put them back over later edits). */
export function withoutShared(search: string): string {
  const p = new URLSearchParams(search);
  for (const k of ['prompt', 'seed', ...Object.values(KEYS)]) p.delete(k);
  if (p.get('pack') === DEFAULT_PACK_ID) p.delete('pack'); // the address bar names only other packs
  const s = p.toString();
  return s ? `?${s}` : '';
}
