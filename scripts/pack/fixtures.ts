import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FLACDecoder } from '@wasm-audio-decoders/flac';

/** Reads the shared FLAC fixtures in Node (mono mixdown, native rate). */
export const FIXTURE_DIR = new URL('../../e2e/fixtures/', import.meta.url).pathname;

export async function readFlac(path: string): Promise<{ pcm: Float32Array; sampleRate: number; channels: number }> {
  const dec = new FLACDecoder();
  await dec.ready;
  const out = await dec.decodeFile(new Uint8Array(readFileSync(path)));
  dec.free();
  const ch = out.channelData;
  const n = ch[0].length;
  const pcm = new Float32Array(n);
  for (const c of ch) for (let i = 0; i < n; i++) pcm[i] += c[i] / ch.length;
  return { pcm, sampleRate: out.sampleRate, channels: ch.length };
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.flac')).sort();
}

export function fixturePath(name: string): string {
  return join(FIXTURE_DIR, name);
}
