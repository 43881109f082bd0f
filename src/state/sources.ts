import { heardFields, type SteadyTempo } from '../eval/describe';
import type { Key } from '../corpus/theory';
import type { AudioSource, Clip, StudioState, Take } from './types';

export function clipSource(c: Clip): AudioSource | null {
  if (c.status !== 'ready' || !c.result) return null;
  const r = c.result;
  return {
    id: c.id, kind: 'clip', name: c.name, pcm: r.pcm, sampleRate: r.sampleRate,
    codes: r.codes, k: r.k, t: r.t, durationSec: r.sampleRate > 0 ? r.pcm.length / r.sampleRate : 0, ...heardFields(r.facts),
  };
}

export function takeName(take: Pick<Take, 'number' | 'prompt'>): string {
  const p = take.prompt.trim();
  return `Take ${take.number}: ${p ? p : 'unconditional'}`;
}

export function takeSource(take: Take): AudioSource {
  const r = take.result;
  return {
    id: take.id, kind: 'take', name: takeName(take), pcm: r.pcm, sampleRate: r.sampleRate,
    codes: r.codes, k: r.k, t: r.t, durationSec: take.durationSec, ...heardFields(r.facts),
  };
}

/** Every usable source: ready clips (in order), then takes (newest first). */
export function listSources(s: Pick<StudioState, 'clips' | 'takes'>): AudioSource[] {
  const out: AudioSource[] = [];
  for (const c of s.clips) {
    const src = clipSource(c);
    if (src) out.push(src);
  }
  for (const t of s.takes) out.push(takeSource(t));
  return out;
}

export function findSource(s: Pick<StudioState, 'clips' | 'takes'>, id: string): AudioSource | null {
  const clip = s.clips.find((c) => c.id === id);
  if (clip) return clipSource(clip);
  const take = s.takes.find((t) => t.id === id);
  return take ? takeSource(take) : null;
}

/** Codec frames per second of a source (its own t over its duration), for when the codec is unknown. */
export function sourceFrameRate(src: Pick<AudioSource, 't' | 'durationSec'>): number {
  return src.durationSec > 0 ? src.t / src.durationSec : 50;
}

/**
 * The continuation prompt: the first `t` frames of the source's codes, row-major [k, t], where
 * t = the frames up to `startSec` (rounded, at least 1, at most the source's length).
 */
export function continuationArgs(
  src: Pick<AudioSource, 'codes' | 'k' | 't' | 'tempo' | 'key'>,
  startSec: number,
  frameRate: number,
): { codes: Int32Array; k: number; t: number; tempo?: SteadyTempo; key?: Key } {
  const T = src.t;
  const t = Math.max(1, Math.min(T, Math.round(Math.max(0, startSec) * frameRate)));
  const codes = new Int32Array(src.k * t);
  for (let q = 0; q < src.k; q++) codes.set(src.codes.subarray(q * T, q * T + t), q * t);
  return { codes, k: src.k, t, ...(src.tempo ? { tempo: src.tempo } : {}), ...(src.key ? { key: src.key } : {}) };
}

/** FNV-1a (32-bit) over the shape and the codes, as 8 hex digits: equal codes, equal hash. */
export function codesHash(codes: Int32Array, k: number, t: number): string {
  let h = 0x811c9dc5;
  const mix = (v: number) => {
    for (let b = 0; b < 4; b++) {
      h ^= (v >>> (b * 8)) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  };
  mix(k);
  mix(t);
  for (let i = 0; i < codes.length; i++) mix(codes[i]);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** "slow piano melody in D minor", 42 -> "slow-piano-melody-in-d-minor-seed-42.wav" (slug at most ~40 chars). */
export function takeFileName(prompt: string, seed: number, maxSlug = 40): string {
  const words = prompt
    .toLowerCase()
    .normalize('NFKD')
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1') // accents off Latin letters ("café" -> "cafe"); other scripts keep theirs
    .normalize('NFC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  let slug = '';
  for (const w of words) {
    const next = slug ? `${slug}-${w}` : w;
    if (next.length > maxSlug) {
      if (!slug) slug = w.slice(0, maxSlug);
      break;
    }
    slug = next;
  }
  return `${slug || (prompt.trim() ? 'take' : 'unconditional')}-seed-${seed}.wav`; // a prompt of emoji alone is still a prompt
}

export const MAX_SEED = 0xffffffff;

/** The seed box: '' (random) or a whole number 0..2^32-1; null when it is neither. */
export function parseSeed(text: string): number | 'random' | null {
  const s = text.trim();
  if (s === '') return 'random';
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_SEED ? n : null;
}
