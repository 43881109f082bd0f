import { CODEC_DESIGN } from '../../src/codec/design.ts';
import { codecCorpus } from './codecCorpus.ts';
import { codecFeatures } from './features.ts';
import { kmeans } from './kmeans.ts';
import type { Codebooks } from './codecGraphs.ts';
import { fromHalf, toHalf } from './onnx.ts';

/** Codebooks are stored as float16; train with the values the graphs will really use. */
const half = (a: Float32Array): Float32Array => a.map((v) => fromHalf(toHalf(v)));

export interface RvqOptions {
  seed: number;
  segments: number;
  iters: number;
  /** 'level': stage 0 is a gain quantizer; 'kmeans': every stage is learned. */
  stage0?: 'level' | 'kmeans';
  card?: number;
  /** Per-band scale applied before quantization (weighted k-means); undone by the decoder. */
  scale?: Float32Array;
  /**
   * Split stages: stage k >= (K - groups.length) only quantizes bands [from, to) of the residual
   * (its codewords are zero elsewhere), so later codebooks refine one frequency region each.
   */
  groups?: [number, number][];
  log?: (msg: string) => void;
}

/**
 * Trains the residual vector quantizer on the synthetic corpus. Stage 0 is a gain stage
 * (codeword j = a constant log level across all bands, so it picks the frame's mean level);
 * stages 1..K-1 are k-means on what the earlier stages left over.
 */
export function trainRvq(o: RvqOptions): { codebooks: Codebooks; dims: number } {
  const d = CODEC_DESIGN;
  const log = o.log ?? (() => {});
  const corpus = codecCorpus(o.seed, o.segments);
  const parts = corpus.map((x) => codecFeatures(x));
  const dims = parts[0].dims;
  const n = parts.reduce((s, p) => s + p.frames, 0);
  const r = new Float32Array(n * dims);
  let off = 0;
  for (const p of parts) { r.set(p.feats, off); off += p.feats.length; }
  log(`codec corpus: ${corpus.length} segments, ${n} frames x ${dims} bands`);

  if (o.scale) for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) r[i * dims + j] *= o.scale[j];
  const card = o.card ?? d.cardinality;
  const codebooks: Codebooks = [];
  if ((o.stage0 ?? 'level') === 'level') {
    const lo = Math.log(d.logFloor);
    const hi = -1;
    const levels = new Float32Array(card * dims);
    for (let j = 0; j < card; j++) levels.fill(lo + ((hi - lo) * j) / (card - 1), j * dims, (j + 1) * dims);
    codebooks.push(half(levels));
    subtractNearestLevel(r, n, dims, lo, hi, card);
  }
  const groups = o.groups ?? [];
  for (let k = codebooks.length; k < d.codebooks; k++) {
    const gi = k - (d.codebooks - groups.length);
    const [from, to] = gi >= 0 ? groups[gi] : [0, dims];
    const w = to - from;
    const sub = new Float32Array(n * w);
    for (let i = 0; i < n; i++) sub.set(r.subarray(i * dims + from, i * dims + to), i * w);
    const fit = kmeans(sub, n, w, card, o.iters, o.seed + k);
    const centroids = new Float32Array(card * dims);
    for (let j = 0; j < card; j++) centroids.set(half(fit.centroids.subarray(j * w, (j + 1) * w)), j * dims + from);
    for (let i = 0; i < n; i++) {
      const a = fit.assign[i];
      for (let j = from; j < to; j++) r[i * dims + j] -= centroids[a * dims + j];
    }
    let err = 0;
    for (const v of r) err += v * v;
    log(`stage ${k}: residual rms ${Math.sqrt(err / r.length).toFixed(4)}`);
    codebooks.push(centroids);
  }
  return { codebooks, dims };
}

function subtractNearestLevel(r: Float32Array, n: number, dims: number, lo: number, hi: number, card: number): void {
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < dims; j++) mean += r[i * dims + j];
    mean /= dims;
    const idx = Math.min(card - 1, Math.max(0, Math.round(((mean - lo) / (hi - lo)) * (card - 1))));
    const level = fromHalf(toHalf(lo + ((hi - lo) * idx) / (card - 1)));
    for (let j = 0; j < dims; j++) r[i * dims + j] -= level;
  }
}
