import FFT from 'fft.js';
import { CODEC_DESIGN, bandWeights, hann, leftPad, powerRef } from '../../src/codec/design.ts';
import { framesForSamples } from '../../src/codec/frames.ts';

/**
 * The encoder's feature transform in plain TypeScript (float64), mirroring the ONNX graph:
 * centred STFT -> one-sided power -> triangular band energies -> log. Used to train the RVQ
 * codebooks and to check the graph. Returns row-major [T, D].
 */
export function codecFeatures(x: Float32Array): { feats: Float32Array; frames: number; dims: number } {
  const d = CODEC_DESIGN;
  const { weights, bands: D, bins } = bandWeights(d);
  const T = framesForSamples(x.length, d.hopLength);
  const win = hann(d.windowLength);
  const fft = new FFT(d.nFft);
  const frame = new Array<number>(d.nFft).fill(0);
  const spec = fft.createComplexArray() as number[];
  const power = new Float64Array(bins);
  const feats = new Float32Array(T * D);
  const ref = powerRef(d);
  const pad = leftPad(d);
  // Sparse band rows: the weights are mostly zero.
  const rows = Array.from({ length: D }, (_, b) => {
    const ks: number[] = [];
    const ws: number[] = [];
    for (let k = 0; k < bins; k++) {
      const v = weights[b * bins + k];
      if (v > 0) { ks.push(k); ws.push(v); }
    }
    return { ks, ws };
  });
  for (let t = 0; t < T; t++) {
    const start = t * d.hopLength - pad;
    for (let i = 0; i < d.windowLength; i++) {
      const n = start + i;
      frame[i] = n >= 0 && n < x.length ? x[n] * win[i] : 0;
    }
    fft.realTransform(spec, frame);
    for (let k = 0; k < bins; k++) power[k] = spec[2 * k] ** 2 + spec[2 * k + 1] ** 2;
    const e = new Float64Array(D);
    let peak = 0;
    for (let b = 0; b < D; b++) {
      const { ks, ws } = rows[b];
      let s = 0;
      for (let j = 0; j < ks.length; j++) s += ws[j] * power[ks[j]];
      e[b] = s / ref;
      peak = Math.max(peak, e[b]);
    }
    for (let b = 0; b < D; b++) feats[t * D + b] = Math.log(e[b] + d.relFloor * peak + d.logFloor);
  }
  return { feats, frames: T, dims: D };
}
