import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { patchWasmKernels } from './wasmKernels';

let prior = '';
beforeAll(async () => {
  prior = tf.getBackend();
  patchWasmKernels();
  patchWasmKernels(); // idempotent
  await tf.setBackend('wasm');
  await tf.ready();
});
afterAll(async () => {
  await tf.setBackend(prior || 'cpu');
});

/** Reference on plain JS arrays: a [.., m, k] (or its transpose), b likewise, batched. */
function reference(a: number[], aShape: number[], b: number[], bShape: number[], ta: boolean, tb: boolean): number[] {
  const [batch, ar, ac] = aShape;
  const [, br, bc] = bShape;
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const n = tb ? br : bc;
  const out: number[] = [];
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) s += a[z * ar * ac + (ta ? l * ac + i : i * ac + l)] * b[z * br * bc + (tb ? j * bc + l : l * bc + j)];
        out.push(s);
      }
    }
  }
  return out;
}

/** The values of `make()` computed on wasm, then on cpu (every intermediate freed). */
async function onWasmAndCpu(make: () => tf.Tensor): Promise<[number[], number[]]> {
  const read = async () => {
    const t = tf.tidy(make);
    const out = Array.from(await t.data());
    t.dispose();
    return out;
  };
  const onWasm = await read();
  await tf.setBackend('cpu');
  const onCpu = await read();
  await tf.setBackend('wasm');
  return [onWasm, onCpu];
}

describe('patched wasm BatchMatMul', () => {
  it.each([[false, false], [true, false], [false, true], [true, true]])('transposeA=%s transposeB=%s gives the textbook product and leaks nothing', async (ta, tb) => {
    const before = tf.memory().numTensors;
    // m = n = 17: both flags take the transposing path (>= 16 rows)
    const aShape = ta ? [2, 5, 17] : [2, 17, 5];
    const bShape = tb ? [2, 17, 5] : [2, 5, 17];
    const a = Array.from({ length: 170 }, (_, i) => Math.sin(i + 1));
    const b = Array.from({ length: 170 }, (_, i) => Math.cos(2 * i));
    const y = tf.tidy(() => tf.matMul(tf.tensor3d(a, aShape as [number, number, number]), tf.tensor3d(b, bShape as [number, number, number]), ta, tb));
    expect(y.shape).toEqual([2, 17, 17]);
    const got = Array.from(await y.data());
    const want = reference(a, aShape, b, bShape, ta, tb);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradients through a transposed matmul match the cpu backend', async () => {
    const before = tf.memory().numTensors;
    const x = Array.from({ length: 80 }, (_, i) => i / 70 - 0.5);
    const w = Array.from({ length: 72 }, (_, i) => Math.sin(i));
    const [onWasm, onCpu] = await onWasmAndCpu(() => {
      const f = (xt: tf.Tensor, wt: tf.Tensor) => tf.matMul(xt, wt, false, true).square().sum(); // x [20, 4], w [18, 4]
      const g = tf.grads(f)([tf.tensor2d(x, [20, 4]), tf.tensor2d(w, [18, 4])]);
      return tf.concat(g.map((t) => t.flatten()));
    });
    onWasm.forEach((v, i) => expect(v).toBeCloseTo(onCpu[i], 4));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('wasm UnsortedSegmentSum (gather gradient)', () => {
  it('sums rows into their segments, drops out-of-range ids, and equals the cpu backend', async () => {
    const before = tf.memory().numTensors;
    const [onWasm, onCpu] = await onWasmAndCpu(() => tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]), tf.tensor1d([2, 0, 2, 9], 'int32'), 3)); // [3, 2]
    expect(onWasm).toEqual([3, 4, 0, 0, 6, 8]);
    expect(onWasm).toEqual(onCpu);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives gather a gradient on wasm equal to the cpu one', async () => {
    const before = tf.memory().numTensors;
    const [onWasm, onCpu] = await onWasmAndCpu(() =>
      tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d([1, 1, 3, 0], 'int32')).mul(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2])).sum())(tf.zeros([5, 2])));
    expect(onWasm).toEqual(onCpu);
    expect(onWasm).toEqual([7, 8, 4, 6, 0, 0, 5, 6, 0, 0]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
