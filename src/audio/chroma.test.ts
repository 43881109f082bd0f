import { describe, expect, it } from 'vitest';
import FFT from 'fft.js';
import { chromaFilterBank } from './chromaFilters';
import {
  chromagram,
  chromaFrameCount,
  dominantPitchClassAgreement,
  MELODY_CHROMA_HOP,
  MELODY_CHROMA_NFFT,
  nonSilentMask,
  oneHotChroma,
} from './chroma';
import { mulberry32 } from '../util/rng';

function tones(freqs: number[], seconds: number, sr: number, amp = 0.2): Float32Array {
  const n = Math.round(seconds * sr);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const f of freqs) s += Math.sin((2 * Math.PI * f * i) / sr);
    out[i] = amp * s;
  }
  return out;
}

const midiHz = (m: number) => 440 * Math.pow(2, (m - 69) / 12);


/** Mean of the normalised chroma over frames. */
function meanChroma(norm: Float32Array, frames: number): number[] {
  const m = new Array<number>(12).fill(0);
  for (let t = 0; t < frames; t++) for (let c = 0; c < 12; c++) m[c] += norm[t * 12 + c] / frames;
  return m;
}
function topClasses(v: number[], k: number): number[] {
  return v
    .map((x, i) => [x, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map((p) => p[1])
    .sort((a, b) => a - b);
}

describe('chromagram on synthetic signals', () => {
  const sr = 32000;
  const opts = { nFft: MELODY_CHROMA_NFFT, hopLength: MELODY_CHROMA_HOP };

  it('C major triad lights C, E and G', () => {
    const pcm = tones([midiHz(60), midiHz(64), midiHz(67)], 4, sr);
    const c = chromagram(pcm, sr, opts);
    expect(c.frames).toBe(1 + Math.floor(pcm.length / 4096));
    expect(topClasses(meanChroma(c.norm, c.frames), 3)).toEqual([0, 4, 7]);
    for (const a of c.argmax) expect([0, 4, 7]).toContain(a);
  });

  it('A minor triad dominant classes are A, C, E', () => {
    const pcm = tones([midiHz(57), midiHz(60), midiHz(64)], 4, sr);
    const c = chromagram(pcm, sr, opts);
    expect(topClasses(meanChroma(c.norm, c.frames), 3)).toEqual([0, 4, 9]);
    for (const a of c.argmax) expect([0, 4, 9]).toContain(a);
  });

  it('single tones map to their pitch class at 24 kHz / nFft 4096 too', () => {
    for (let pc = 0; pc < 12; pc++) {
      const pcm = tones([midiHz(60 + pc)], 1, 24000);
      const c = chromagram(pcm, 24000, { nFft: 4096, hopLength: 1024 });
      // skip the edge frames (reflect padding)
      for (let t = 2; t < c.frames - 2; t++) expect(c.argmax[t]).toBe(pc);
    }
  });

  it('silence gives zeros, argmax 0 and no NaN', () => {
    const pcm = new Float32Array(sr * 2);
    const c = chromagram(pcm, sr, opts);
    expect(c.frames).toBe(1 + Math.floor(pcm.length / 4096));
    for (let i = 0; i < c.raw.length; i++) {
      expect(c.raw[i]).toBe(0);
      expect(c.norm[i]).toBe(0);
    }
    expect(Array.from(c.argmax).every((a) => a === 0)).toBe(true);
    const oh = oneHotChroma(c.argmax);
    for (let t = 0; t < c.frames; t++) expect(Array.from(oh.subarray(t * 12, t * 12 + 12))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('empty input is padded to nFft (audiocraft) and stays finite', () => {
    const c = chromagram(new Float32Array(0), sr, opts);
    expect(c.frames).toBe(1 + 16384 / 4096);
    expect(c.norm.every((v) => v === 0)).toBe(true);
    expect(Array.from(c.argmax)).toEqual([0, 0, 0, 0, 0]);
  });

  it('very quiet input stays finite and is not amplified (eps = 1e-6)', () => {
    const pcm = tones([midiHz(69)], 1, sr, 1e-7);
    const c = chromagram(pcm, sr, opts);
    for (let i = 0; i < c.norm.length; i++) {
      expect(Number.isFinite(c.norm[i])).toBe(true);
      expect(c.norm[i]).toBeLessThan(1);
    }
  });

  it('NaN samples never produce NaN output', () => {
    const pcm = tones([midiHz(69)], 1, sr);
    pcm[1000] = NaN;
    const c = chromagram(pcm, sr, opts);
    for (let i = 0; i < c.norm.length; i++) {
      expect(Number.isFinite(c.raw[i])).toBe(true);
      expect(Number.isFinite(c.norm[i])).toBe(true);
    }
  });

  it('clip shorter than nFft works (centred zero padding as in audiocraft)', () => {
    const pcm = tones([midiHz(62)], 0.25, sr); // 8000 samples < 16384
    const c = chromagram(pcm, sr, opts);
    expect(c.frames).toBe(1 + Math.floor(16384 / 4096));
    expect(c.frames).toBe(chromaFrameCount(pcm.length, 16384, 4096));
    // the middle frame is centred on the tone: D
    expect(c.argmax[2]).toBe(2);
    for (const v of c.norm) expect(Number.isFinite(v)).toBe(true);

    // equivalent to padding by hand: pad//2 left, pad//2 + pad%2 right
    const odd = tones([midiHz(62)], 0.1, sr).subarray(0, 3201);
    const pad = 16384 - odd.length;
    const manual = new Float32Array(16384);
    manual.set(odd, pad >> 1);
    const a = chromagram(odd, sr, opts);
    const b = chromagram(manual, sr, opts);
    expect(Array.from(a.raw)).toEqual(Array.from(b.raw));
  });

  it('power spectrum matches a direct DFT (FFT sanity, incl. Nyquist bin)', () => {
    // frame 1 of a random signal: compare raw chroma against a naive DFT-based computation
    const n = 64;
    const hop = 16;
    const rng = mulberry32(7);
    const pcm = new Float32Array(200).map(() => rng() * 2 - 1);
    const c = chromagram(pcm, 8000, { nFft: n, hopLength: hop });
    const fb = chromaFilterBank(8000, n);
    const w = Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    const energy = w.reduce((s, v) => s + v * v, 0);
    const padded = new Float64Array(pcm.length + n);
    for (let i = 0; i < padded.length; i++) {
      let j = i - n / 2;
      if (j < 0) j = -j;
      else if (j >= pcm.length) j = 2 * (pcm.length - 1) - j;
      padded[i] = pcm[j];
    }
    for (const t of [0, 3, c.frames - 1]) {
      const power = new Float64Array(n / 2 + 1);
      for (let f = 0; f <= n / 2; f++) {
        let re = 0;
        let im = 0;
        for (let k = 0; k < n; k++) {
          const v = padded[t * hop + k] * w[k];
          re += v * Math.cos((2 * Math.PI * f * k) / n);
          im -= v * Math.sin((2 * Math.PI * f * k) / n);
        }
        power[f] = (re * re + im * im) / energy;
      }
      for (let ch = 0; ch < 12; ch++) {
        let s = 0;
        for (let f = 0; f <= n / 2; f++) s += fb[ch * (n / 2 + 1) + f] * power[f];
        expect(c.raw[t * 12 + ch]).toBeCloseTo(s, 4);
      }
    }
    // make sure FFT import works as expected
    expect(new FFT(8).size).toBe(8);
  });

  it('12 s at 32 kHz (nFft 16384, hop 4096) is fast', () => {
    const pcm = tones([midiHz(60), midiHz(64), midiHz(67)], 12, sr);
    chromagram(pcm.subarray(0, sr), sr, opts); // warm up (filter bank + plan cache)
    const t0 = performance.now();
    const c = chromagram(pcm, sr, opts);
    const ms = performance.now() - t0;
    console.log(`chromagram 12 s @ 32 kHz: ${c.frames} frames in ${ms.toFixed(1)} ms`);
    expect(c.frames).toBe(1 + Math.floor((12 * sr) / 4096));
    const t1 = performance.now();
    chromaFilterBank(sr, 16384);
    console.log(`chromaFilterBank(32000, 16384): ${(performance.now() - t1).toFixed(1)} ms`);
  });

  it('rejects bad arguments', () => {
    expect(() => chromagram(new Float32Array(10), sr, { nFft: 1000, hopLength: 100 })).toThrow(RangeError);
    expect(() => chromagram(new Float32Array(10), sr, { nFft: 1024, hopLength: 0 })).toThrow(RangeError);
    expect(() => chromagram(new Float32Array(10), 0, { nFft: 1024, hopLength: 256 })).toThrow(RangeError);
  });
});

describe('oneHotChroma', () => {
  it('encodes pitch classes', () => {
    const oh = oneHotChroma(new Uint8Array([0, 11, 4]));
    expect(oh.length).toBe(36);
    expect(oh[0]).toBe(1);
    expect(oh[12 + 11]).toBe(1);
    expect(oh[24 + 4]).toBe(1);
    expect(oh.reduce((s, v) => s + v, 0)).toBe(3);
    expect(() => oneHotChroma(new Uint8Array([12]))).toThrow(RangeError);
  });
});

describe('dominantPitchClassAgreement', () => {
  it('counts agreeing frames, optionally masked', () => {
    const a = new Uint8Array([0, 4, 7, 7, 2]);
    const b = new Uint8Array([0, 4, 5, 7, 3]);
    expect(dominantPitchClassAgreement(a, b)).toBeCloseTo(3 / 5);
    expect(dominantPitchClassAgreement(a, b, new Uint8Array([1, 1, 0, 1, 0]))).toBe(1);
    expect(dominantPitchClassAgreement(a, b, new Uint8Array([0, 0, 1, 0, 1]))).toBe(0);
    expect(dominantPitchClassAgreement(a, a)).toBe(1);
  });
  it('uses the common length and returns 0 when nothing is counted', () => {
    expect(dominantPitchClassAgreement(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(1);
    expect(dominantPitchClassAgreement(new Uint8Array([1]), new Uint8Array([1]), new Uint8Array([0]))).toBe(0);
    expect(dominantPitchClassAgreement(new Uint8Array(0), new Uint8Array(0))).toBe(0);
  });
  it('a clip agrees with itself and a transposed clip does not', () => {
    const sr = 32000;
    const opts = { nFft: 16384, hopLength: 4096 };
    const x = chromagram(tones([midiHz(60), midiHz(64), midiHz(67)], 3, sr), sr, opts);
    const y = chromagram(tones([midiHz(62), midiHz(66), midiHz(69)], 3, sr), sr, opts);
    expect(dominantPitchClassAgreement(x.argmax, x.argmax)).toBe(1);
    expect(dominantPitchClassAgreement(x.argmax, y.argmax)).toBe(0);
  });
});

describe('nonSilentMask', () => {
  const sr = 32000;
  it('has the chromagram frame count and marks silence as 0', () => {
    const pcm = new Float32Array(sr * 3);
    const m = nonSilentMask(pcm, sr, 4096, 16384);
    expect(m.length).toBe(chromagram(pcm, sr, { nFft: 16384, hopLength: 4096 }).frames);
    expect(m.every((v) => v === 0)).toBe(true);
  });
  it('marks the loud half only (frames centred like the STFT)', () => {
    // 0-2 s silence, 2-4 s tone at -20 dBFS RMS (amplitude 0.1·√2)
    const pcm = new Float32Array(sr * 4);
    const amp = 0.1 * Math.SQRT2;
    for (let i = 2 * sr; i < 4 * sr; i++) pcm[i] = amp * Math.sin((2 * Math.PI * 440 * i) / sr);
    const hop = 4096;
    const m = nonSilentMask(pcm, sr, hop, 16384);
    expect(m.length).toBe(1 + Math.floor(pcm.length / hop));
    for (let t = 0; t < m.length; t++) {
      const lo = t * hop - 8192;
      const hi = t * hop + 8192;
      if (hi <= 2 * sr) expect(m[t]).toBe(0); // window entirely silent
      if (lo >= 2 * sr) expect(m[t]).toBe(1); // window entirely tone
    }
    // threshold above the tone level: nothing passes
    expect(nonSilentMask(pcm, sr, hop, 16384, -10).every((v) => v === 0)).toBe(true);
    // threshold just below: the fully-toned frames pass
    expect(nonSilentMask(pcm, sr, hop, 16384, -20.5)[m.length - 3]).toBe(1);
    // and just above: they do not
    expect(nonSilentMask(pcm, sr, hop, 16384, -19.5)[m.length - 3]).toBe(0);
  });
  it('handles clips shorter than nFft like chromagram', () => {
    const pcm = tones([440], 0.1, sr, 0.5);
    const m = nonSilentMask(pcm, sr, 4096, 16384);
    expect(m.length).toBe(5);
    expect(m[2]).toBe(1);
  });
});
