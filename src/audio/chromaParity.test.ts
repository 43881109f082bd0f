// Parity with the original code: librosa's chroma filter banks and audiocraft's ChromaExtractor
// output for a C major triad (src/audio/testdata/parity, copied from the shared reference data).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromaFilterBank } from './chromaFilters';
import { chromagram, chromaFrameCount, MELODY_CHROMA_HOP, MELODY_CHROMA_NFFT, oneHotChroma } from './chroma';
import { parseNpy } from './npy';

const PARITY = new URL('./testdata/parity', import.meta.url).pathname;

function loadNpy(name: string) {
  return parseNpy(new Uint8Array(readFileSync(join(PARITY, name))));
}

/** Tiny RIFF/WAVE reader: IEEE float32 or PCM16, returns channel 0. */
function readWav(path: string): { sampleRate: number; pcm: Float32Array } {
  const buf = readFileSync(path);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number) => String.fromCharCode(buf[o], buf[o + 1], buf[o + 2], buf[o + 3]);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a wav');
  let fmt = 0;
  let channels = 1;
  let sampleRate = 0;
  let bits = 0;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = tag(off);
    const size = dv.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = dv.getUint16(body, true);
      channels = dv.getUint16(body + 2, true);
      sampleRate = dv.getUint32(body + 4, true);
      bits = dv.getUint16(body + 14, true);
    } else if (id === 'data') {
      const frames = Math.floor(size / (channels * (bits / 8)));
      const pcm = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        const p = body + i * channels * (bits / 8);
        if (fmt === 3 && bits === 32) pcm[i] = dv.getFloat32(p, true);
        else if (fmt === 1 && bits === 16) pcm[i] = dv.getInt16(p, true) / 32768;
        else throw new Error(`unsupported wav format ${fmt}/${bits}`);
      }
      return { sampleRate, pcm };
    }
    off = body + size + (size & 1);
  }
  throw new Error('no data chunk');
}


function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('chromaFilterBank vs librosa.filters.chroma', () => {
  for (const [sr, nFft] of [
    [32000, 16384],
    [24000, 4096],
  ] as const) {
    it(`matches librosa bank sr=${sr} nFft=${nFft}`, () => {
      const ref = loadNpy(`librosa_chroma_fb_sr${sr}_nfft${nFft}.npy`);
      expect(ref.shape).toEqual([12, nFft / 2 + 1]);
      const ours = chromaFilterBank(sr, nFft);
      expect(ours.length).toBe(ref.data.length);
      const err = maxAbsDiff(ours, ref.data as Float32Array);
      const rel = err / maxAbs(ref.data as Float32Array);
      console.log(`filterbank sr=${sr} nFft=${nFft}: max abs err ${err.toExponential(3)}, rel ${rel.toExponential(3)}`);
      expect(rel).toBeLessThan(1e-6);
    });
  }
});

describe('chromagram vs audiocraft ChromaExtractor (C major triad, 32 kHz)', () => {
  it('raw / norm / argmax match', () => {
    const { sampleRate, pcm } = readWav(join(PARITY, 'triad_c_major_32k.wav'));
    expect(sampleRate).toBe(32000);
    const refRaw = loadNpy('triad_c_major_chroma_unnorm.npy');
    const refNorm = loadNpy('triad_c_major_chroma_norm.npy');
    const refArg = loadNpy('triad_c_major_chroma_argmax.npy'); // one-hot [frames, 12]
    const c = chromagram(pcm, sampleRate, { nFft: MELODY_CHROMA_NFFT, hopLength: MELODY_CHROMA_HOP });
    expect([c.frames, 12]).toEqual(refRaw.shape);
    expect(c.frames).toBe(chromaFrameCount(pcm.length, MELODY_CHROMA_NFFT, MELODY_CHROMA_HOP));

    const rawRel = maxAbsDiff(c.raw, refRaw.data as Float32Array) / maxAbs(refRaw.data as Float32Array);
    const normErr = maxAbsDiff(c.norm, refNorm.data as Float32Array);
    console.log(`triad: raw max rel err ${rawRel.toExponential(3)}, norm max abs err ${normErr.toExponential(3)}`);
    expect(rawRel).toBeLessThan(1e-5);
    expect(normErr).toBeLessThan(1e-5);
    expect(Array.from(oneHotChroma(c.argmax))).toEqual(Array.from(refArg.data as Float32Array));
  });
});

