/**
 * Two fixes to tfjs-backend-wasm, installed once by `patchWasmKernels` (the engine does it when it
 * picks wasm; Node scripts that train on wasm call it themselves).
 *
 * 1. tfjs-backend-wasm's BatchMatMul is fast only without transpose flags: with transposeA or
 * transposeB it runs 5-20x slower (measured on this repo's shapes: [502, 2048]ᵀ x [502, 128]
 * 515 ms vs 35 ms transposing first). Every `linear` (torch-layout weights, x · Wᵀ) and every
 * matmul gradient sets a flag, so training and decoding pay it everywhere.
 *
 *    So BatchMatMul is re-registered as: transpose a flagged operand with the backend's own
 *    Transpose kernel when the product is big enough to pay for it (see MIN_ROWS; one-row decode
 *    steps are not), then the original kernel without that flag. Same values (a transpose only moves
 *    numbers), forward and backward, with no change to the model code.
 * 2. UnsortedSegmentSum (the gradient of gather) is missing from tfjs-backend-wasm, so embeddings
 *    and target-logit picks could not train there by gather. It is registered here as a plain
 *    loop over the wasm heap: out[ids[i]] += x[i], one row of `inner` values at a time.
 */
import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];
/** Measured break-even (this repo's shapes, 2-core x86): below it the flagged kernel is faster. */
const MIN_ROWS = 16;
let installed = false;

/** Install both fixes (idempotent; a no-op where the wasm backend is not registered). */
export function patchWasmKernels(): void {
  if (installed) return;
  fixMatMul();
  addSegmentSum();
  installed = true;
}

function fixMatMul(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return; // wasm backend not registered here
  const plain = original.kernelFunc;
  const swapLast = (x: tf.TensorInfo, backend: object): tf.TensorInfo => {
    const rank = x.shape.length;
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
  };
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const { a: a0, b: b0 } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const m = a0.shape[transposeA ? a0.shape.length - 1 : a0.shape.length - 2];
    const n = b0.shape[transposeB ? b0.shape.length - 2 : b0.shape.length - 1];
    // The flagged product costs ~1.5 ns per multiply-add against ~0.2 plain, and the transpose
    // ~10 ns per element it moves: it pays once the other side has >= MIN_ROWS rows.
    const swapA = transposeA && n >= MIN_ROWS;
    const swapB = transposeB && m >= MIN_ROWS;
    if (!swapA && !swapB) return plain({ inputs, backend, attrs });
    const a = swapA ? swapLast(a0, backend) : a0;
    const b = swapB ? swapLast(b0, backend) : b0;
    const out = plain({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: transposeA && !swapA, transposeB: transposeB && !swapB } });
    const disposeData = (backend as { disposeData(id: object): void }).disposeData.bind(backend);
    if (swapA) disposeData(a.dataId);
    if (swapB) disposeData(b.dataId);
    return out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
}

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

function addSegmentSum(): void {
  if (!tf.getKernel('Transpose', 'wasm') || tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const heap = backend as unknown as WasmHeapBackend;
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const segments = (attrs as unknown as { numSegments: number }).numSegments;
      const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
      const out = heap.makeOutput([segments, ...x.shape.slice(1)], x.dtype); // [segments, ...inner]
      // views after makeOutput: allocating may grow (and move) the heap
      const o = heap.typedArrayFromHeap(out);
      const xv = heap.typedArrayFromHeap(x);
      const ids = heap.typedArrayFromHeap(segmentIds);
      o.fill(0);
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i];
        if (s < 0 || s >= segments) continue; // TF drops out-of-range ids
        for (let j = 0; j < inner; j++) o[s * inner + j] += xv[i * inner + j];
      }
      return out;
    },
  });
}
