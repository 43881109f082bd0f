// The only module that imports onnxruntime-web. The default entry is the JSEP build: one
// ort-wasm-simd-threaded.jsep.wasm with both the webgpu and wasm providers (browser-setup.md §3).
import * as ort from 'onnxruntime-web';
import type { BackendName } from './backend';
import { createError, executionProviders, wasmThreads, wrapOrtSession } from './ortWrap';
import type { SessionRunner, TensorData } from './sessionRunner';

function toOrt(t: TensorData): ort.Tensor {
  switch (t.type) {
    case 'float32':
      return new ort.Tensor('float32', t.data, t.dims);
    case 'int64':
      return new ort.Tensor('int64', t.data, t.dims);
    case 'int32':
      return new ort.Tensor('int32', t.data, t.dims);
  }
}

/**
 * Creates an ONNX session on `backend` ('cpu' is the wasm provider on one thread). ORT reads
 * `env.wasm.numThreads` once, when its wasm first starts, so the first session in a worker fixes
 * the thread count for the worker's life.
 */
export async function createOrtSession(bytes: Uint8Array, backend: BackendName): Promise<SessionRunner> {
  ort.env.wasm.numThreads = wasmThreads(backend, {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency,
  });
  ort.env.wasm.proxy = false; // we already run inside the engine worker
  // ORT prints warnings (e.g. "Some nodes were not assigned to the preferred execution providers"
  // for the shape ops WebGPU leaves to the CPU) through console.error; keep only real errors.
  ort.env.logLevel = 'error';
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: executionProviders(backend),
      logSeverityLevel: 3, // errors only
    });
  } catch (e) {
    throw createError(e, backend);
  }
  return wrapOrtSession(session, toOrt);
}
