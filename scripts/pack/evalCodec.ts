import { resample } from '../../src/audio/resample.ts';
import { chromagram, dominantPitchClassAgreement, nonSilentMask } from '../../src/audio/chroma.ts';
import { fixtureNames, fixturePath, readFlac } from './fixtures.ts';
import type { Codec } from '../../src/codec/encodec.ts';

/** Chroma settings for the reconstruction check (the pack manifest's melody chroma). */
export const EVAL_CHROMA = { nFft: 16384, hopLength: 4096 };

export interface CodecScore {
  name: string;
  seconds: number;
  chromaAgreement: number;
  siSnrDb: number;
}

/** Scale-invariant SNR of `est` against `ref` (dB). */
export function siSnr(ref: Float32Array, est: Float32Array): number {
  const n = Math.min(ref.length, est.length);
  let dot = 0, rr = 0;
  for (let i = 0; i < n; i++) { dot += ref[i] * est[i]; rr += ref[i] * ref[i]; }
  const a = rr > 0 ? dot / rr : 0;
  let s = 0, e = 0;
  for (let i = 0; i < n; i++) { const t = a * ref[i]; s += t * t; e += (est[i] - t) ** 2; }
  return 10 * Math.log10(Math.max(s, 1e-20) / Math.max(e, 1e-20));
}

/** Share of `x`'s non-silent chroma frames whose dominant pitch class `y` keeps (y cut to x's length). */
export function chromaAgreement(x: Float32Array, y: Float32Array, sampleRate: number): number {
  const a = chromagram(x, sampleRate, EVAL_CHROMA);
  const b = chromagram(y.subarray(0, x.length), sampleRate, EVAL_CHROMA);
  const mask = nonSilentMask(x, sampleRate, EVAL_CHROMA.hopLength, EVAL_CHROMA.nFft);
  return dominantPitchClassAgreement(a.argmax, b.argmax, mask);
}

/** A shared fixture, mono, at `sampleRate`. */
export async function fixtureAt(name: string, sampleRate: number): Promise<Float32Array> {
  const f = await readFlac(fixturePath(name));
  return resample(f.pcm, f.sampleRate, sampleRate);
}

/** Encodes and decodes each shared fixture (through the Codec, as the studio does) and scores the reconstruction. */
export async function scoreFixtures(codec: Codec): Promise<CodecScore[]> {
  const { sampleRate } = codec.spec;
  const out: CodecScore[] = [];
  for (const name of fixtureNames()) {
    const x = await fixtureAt(name, sampleRate);
    const y = (await codec.decode(await codec.encode(x))).subarray(0, x.length);
    out.push({ name, seconds: x.length / sampleRate, chromaAgreement: chromaAgreement(x, y, sampleRate), siSnrDb: siSnr(x, y) });
  }
  return out;
}
