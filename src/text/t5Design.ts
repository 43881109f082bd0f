/**
 * Pure facts about the T5 encoder architecture shared by the pack builder (scripts/pack/textEncoder.ts)
 * and the float64 reference forward (t5Reference.ts). No runtime code depends on these numbers:
 * the T5 wrapper reads everything from the session and the manifest.
 */
export interface T5Config {
  vocabSize: number;
  dModel: number;
  numHeads: number;
  /** Per-head width; T5 projects d_model -> numHeads * dKv (need not equal d_model). */
  dKv: number;
  dFf: number;
  numLayers: number;
  /** Bidirectional: half of the buckets per direction. T5: 32. */
  numBuckets: number;
  /** Distances at or beyond this share the last bucket. T5: 128. */
  maxDistance: number;
  /** RMS norm epsilon. T5: 1e-6. */
  eps: number;
}

/** Row-major weights; matrices are stored [in, out] (the ONNX MatMul layout, i.e. the transpose of torch Linear.weight). */
export interface T5Layer {
  ln1: Float32Array; // [d]
  q: Float32Array; // [d, h*dkv]
  k: Float32Array; // [d, h*dkv]
  v: Float32Array; // [d, h*dkv]
  o: Float32Array; // [h*dkv, d]
  ln2: Float32Array; // [d]
  wi: Float32Array; // [d, ff]
  wo: Float32Array; // [ff, d]
}

export interface T5Weights {
  config: T5Config;
  embed: Float32Array; // [vocab, d]
  /** Layer 0's relative_attention_bias: [numBuckets, numHeads]. Shared by every layer, as in T5. */
  relBias: Float32Array;
  layers: T5Layer[];
  finalLn: Float32Array; // [d]
}

/** Large finite negative added to masked keys (a fully masked row stays finite, no NaN). */
export const MASK_NEG = -1e9;

/**
 * T5's `_relative_position_bucket` for the encoder (bidirectional), with `rel = key_pos - query_pos`.
 * Half the buckets for each sign; |rel| < maxExact maps to itself, larger distances log-spaced up to
 * maxDistance. Float steps are rounded to float32 as torch computes them.
 */
export function relativePositionBucket(rel: number, numBuckets: number, maxDistance: number): number {
  const half = numBuckets / 2;
  const base = rel > 0 ? half : 0;
  const n = Math.abs(rel);
  const maxExact = half / 2;
  if (n < maxExact) return base + n;
  const f = Math.fround;
  const scaled = f(f(f(Math.log(f(n / maxExact))) / f(Math.log(maxDistance / maxExact))) * (half - maxExact));
  return base + Math.min(maxExact + Math.trunc(scaled), half - 1);
}

/**
 * The per-offset bias table [2*maxDistance + 1, numHeads] for rel = -maxDistance..maxDistance.
 * Buckets saturate before |rel| reaches maxDistance, so clamping rel into this range is exact for any S.
 */
export function relativeBiasTable(relBias: Float32Array, cfg: T5Config): Float32Array {
  const { numBuckets, maxDistance, numHeads } = cfg;
  const rows = 2 * maxDistance + 1;
  const out = new Float32Array(rows * numHeads);
  for (let r = 0; r < rows; r++) {
    const b = relativePositionBucket(r - maxDistance, numBuckets, maxDistance);
    for (let h = 0; h < numHeads; h++) out[r * numHeads + h] = relBias[b * numHeads + h];
  }
  return out;
}
