// Test helper: a plain float64 forward of the T5 encoder, written from the HF T5 definition, to check the
// ONNX graph built by scripts/pack/textEncoder.ts. Deliberately naive loops; not used at runtime.
import { MASK_NEG, relativePositionBucket, type T5Weights } from './t5Design';

type Mat = Float64Array; // row-major [rows, cols]

function rmsNorm(x: Mat, rows: number, d: number, w: Float32Array, eps: number): Mat {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < d; i++) ss += x[r * d + i] ** 2;
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let i = 0; i < d; i++) out[r * d + i] = w[i] * x[r * d + i] * inv;
  }
  return out;
}

function matmul(x: Mat, rows: number, n: number, w: Float32Array, m: number): Mat {
  const out = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const a = x[r * n + i];
      if (a === 0) continue;
      for (let j = 0; j < m; j++) out[r * m + j] += a * w[i * m + j];
    }
  }
  return out;
}

/** One sequence: ids [S], mask [S] (1 = token, 0 = padding) -> last_hidden_state [S, d] in float64. */
export function t5ReferenceForward(wts: T5Weights, ids: readonly number[], mask: readonly number[]): Float64Array {
  const { dModel: d, numHeads: H, dKv, dFf, eps, numBuckets, maxDistance } = wts.config;
  const S = ids.length;
  const inner = H * dKv;
  let x: Mat = new Float64Array(S * d);
  ids.forEach((id, s) => { for (let i = 0; i < d; i++) x[s * d + i] = wts.embed[id * d + i]; });

  // Position bias [H, S, S] from layer 0's table, plus the additive key mask; shared by all layers.
  const bias = new Float64Array(H * S * S);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) {
        const b = relativePositionBucket(j - i, numBuckets, maxDistance);
        bias[(h * S + i) * S + j] = wts.relBias[b * H + h] + (mask[j] ? 0 : MASK_NEG);
      }
    }
  }

  for (const L of wts.layers) {
    const hN = rmsNorm(x, S, d, L.ln1, eps);
    const q = matmul(hN, S, d, L.q, inner);
    const k = matmul(hN, S, d, L.k, inner);
    const v = matmul(hN, S, d, L.v, inner);
    const ctx = new Float64Array(S * inner);
    const p = new Float64Array(S);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < S; i++) {
        let mx = -Infinity;
        for (let j = 0; j < S; j++) {
          let s = bias[(h * S + i) * S + j]; // T5: no 1/sqrt(d_kv) scaling
          for (let t = 0; t < dKv; t++) s += q[i * inner + h * dKv + t] * k[j * inner + h * dKv + t];
          p[j] = s;
          mx = Math.max(mx, s);
        }
        let sum = 0;
        for (let j = 0; j < S; j++) sum += (p[j] = Math.exp(p[j] - mx));
        for (let j = 0; j < S; j++) {
          const a = p[j] / sum;
          for (let t = 0; t < dKv; t++) ctx[i * inner + h * dKv + t] += a * v[j * inner + h * dKv + t];
        }
      }
    }
    const att = matmul(ctx, S, inner, L.o, d);
    x = x.map((val, i) => val + att[i]);
    const f = matmul(rmsNorm(x, S, d, L.ln2, eps), S, d, L.wi, dFf).map((val) => Math.max(0, val));
    const ff = matmul(f, S, dFf, L.wo, d);
    x = x.map((val, i) => val + ff[i]);
  }
  return rmsNorm(x, S, d, wts.finalLn, eps);
}
