import { mulberry32, gaussian } from '../../src/util/rng.ts';

/**
 * A deterministic training corpus for the codec's vector quantizers: short synthesized
 * segments of notes, chords, drums and mixtures over the whole pitch range and many levels.
 * It only needs to cover the space of spectra music produces; it is not music.
 */
const SR = 32000;

function note(out: Float32Array, rand: () => number, start: number, len: number, midi: number, amp: number): void {
  const f0 = 440 * 2 ** ((midi - 69) / 12);
  const harmonics = Math.max(1, Math.min(40, Math.floor(14000 / f0)));
  const tilt = 0.5 + rand() * 2.2; // spectral slope
  const oddOnly = rand() < 0.2;
  const attack = 0.002 + rand() * 0.08;
  const decay = 0.2 + rand() * 2.5;
  const sustain = rand() < 0.5;
  const phases = Array.from({ length: harmonics }, () => rand() * 2 * Math.PI);
  const detune = 1 + (rand() - 0.5) * 0.004;
  for (let h = 1; h <= harmonics; h++) {
    if (oddOnly && h % 2 === 0) continue;
    const a = amp / h ** tilt;
    const w = (2 * Math.PI * f0 * h * detune) / SR;
    for (let i = 0; i < len && start + i < out.length; i++) {
      const t = i / SR;
      const env = Math.min(1, t / attack) * (sustain ? Math.exp(-t / (decay * 4)) : Math.exp(-t / decay));
      out[start + i] += a * env * Math.sin(w * i + phases[h - 1]);
    }
  }
}

function drum(out: Float32Array, rand: () => number, start: number, kind: number, amp: number): void {
  const len = Math.floor(SR * (kind === 0 ? 0.4 : kind === 1 ? 0.25 : 0.08));
  let lp = 0;
  const cut = kind === 2 ? 0.9 : 0.3 + rand() * 0.4;
  for (let i = 0; i < len && start + i < out.length; i++) {
    const t = i / SR;
    let v: number;
    if (kind === 0) v = Math.sin(2 * Math.PI * (50 + 120 * Math.exp(-t * 30)) * t) * Math.exp(-t * 9);
    else {
      lp += cut * (gaussian(rand) - lp);
      const n = kind === 2 ? gaussian(rand) - lp : lp;
      v = n * Math.exp(-t * (kind === 1 ? 18 : 60)) + (kind === 1 ? 0.5 * Math.sin(2 * Math.PI * 190 * t) * Math.exp(-t * 25) : 0);
    }
    out[start + i] += amp * v;
  }
}

/** Schroeder reverb (4 combs + 2 allpasses), mixed in at `wet`: real recordings have rooms. */
function reverb(x: Float32Array, rand: () => number, wet: number): void {
  const size = 0.6 + rand() * 0.8;
  const combs = [1557, 1617, 1491, 1422].map((d) => ({ buf: new Float32Array(Math.floor(d * size * 1.45)), i: 0 }));
  const aps = [225, 556].map((d) => ({ buf: new Float32Array(Math.floor(d * 1.45)), i: 0 }));
  const fb = 0.7 + rand() * 0.25;
  for (let n = 0; n < x.length; n++) {
    let y = 0;
    for (const c of combs) {
      const out = c.buf[c.i];
      c.buf[c.i] = x[n] + fb * out;
      c.i = (c.i + 1) % c.buf.length;
      y += out;
    }
    y *= 0.25;
    for (const a of aps) {
      const b = a.buf[a.i];
      const v = y + 0.5 * b;
      a.buf[a.i] = v;
      a.i = (a.i + 1) % a.buf.length;
      y = b - 0.5 * v;
    }
    x[n] = (1 - wet) * x[n] + wet * y;
  }
}

/** A coloured noise floor (hiss, hum, room tone) at `level` RMS. */
function noiseFloor(x: Float32Array, rand: () => number, level: number): void {
  let lp = 0;
  const a = 0.02 + rand() * 0.9;
  const hum = rand() < 0.3 ? (rand() < 0.5 ? 50 : 60) : 0;
  for (let n = 0; n < x.length; n++) {
    lp += a * (gaussian(rand) - lp);
    x[n] += level * (lp + (hum ? 0.5 * Math.sin((2 * Math.PI * hum * n) / SR) : 0));
  }
}

function segment(rand: () => number, seconds: number): Float32Array {
  const n = Math.floor(SR * seconds);
  const out = new Float32Array(n);
  const kind = rand();
  const level = 10 ** ((-35 + rand() * 32) / 20);
  const root = 28 + Math.floor(rand() * 60);
  const melody = () => {
    let t = 0;
    while (t < n) {
      const len = Math.floor(SR * (0.1 + rand() * 0.6));
      note(out, rand, t, len + SR / 4, root + 12 + Math.floor(rand() * 24), level);
      t += len;
    }
  };
  const chord = (amp: number) => {
    const count = 2 + Math.floor(rand() * 3);
    const chordLen = Math.floor(SR * (0.5 + rand() * 1.5));
    for (let t = 0; t < n; t += chordLen) {
      const base = root + Math.floor(rand() * 12);
      const ivs = [0, rand() < 0.5 ? 3 : 4, 7, rand() < 0.5 ? 10 : 12].slice(0, count);
      for (const iv of ivs) note(out, rand, t, chordLen, base + iv, amp / count);
    }
  };
  const drums = (amp: number) => {
    const beat = Math.floor((SR * 60) / (70 + rand() * 110) / 2);
    for (let t = 0, i = 0; t < n; t += beat, i++) {
      drum(out, rand, t, 2, amp * 0.3);
      if (i % 4 === 0) drum(out, rand, t, 0, amp);
      if (i % 4 === 2) drum(out, rand, t, 1, amp * 0.7);
    }
  };
  if (kind < 0.3) melody();
  else if (kind < 0.55) chord(level);
  else if (kind < 0.7) drums(level);
  else if (kind < 0.95) { chord(level * 0.6); melody(); drums(level * 0.5); }
  else for (let i = 0; i < n; i++) out[i] = level * 0.05 * gaussian(rand) * (rand() < 0.5 ? 0 : 1);
  if (rand() < 0.7) reverb(out, rand, 0.1 + rand() * 0.5);
  if (rand() < 0.8) noiseFloor(out, rand, level * 10 ** ((-25 - rand() * 45) / 20));
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  if (peak > 0.99) for (let i = 0; i < n; i++) out[i] *= 0.99 / peak;
  return out;
}

/** `count` segments of `seconds` each, from `seed`. */
export function codecCorpus(seed: number, count: number, seconds = 2): Float32Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => segment(rand, seconds));
}
