// The only module that imports onnxruntime-web, in one of two builds (browser-setup.md §3):
// - webgpu: the default entry, the JSEP build (ort-wasm-simd-threaded.jsep.wasm, 28 MB) with both
//   the webgpu and wasm providers;
// - wasm / cpu: 'onnxruntime-web/wasm' (ort-wasm-simd-threaded.wasm, 14 MB), wasm provider only.
// Measured in Chromium on 2 cores: the codec's two sessions start in 2.0 s on the wasm build and
// 6.1 s on the JSEP one, and V8 keeps both cores busy compiling for 4 s vs 12 s afterwards (which
// is what slowed the LM beside it). Each ORT worker serves one backend, so it loads one build.
import type * as OrtWeb from 'onnxruntime-web';
import type { BackendName } from './backend';
import { createError, executionProviders, tensorMaker, wasmThreads, wrapOrtSession, type OrtTensorClass } from './ortWrap';
import type { SessionRunner } from './sessionRunner';

type Ort = typeof OrtWeb;

let jsep: Promise<Ort> | null = null;
let wasmOnly: Promise<Ort> | null = null;

/** The JSEP build for webgpu, and for wasm/cpu once it is loaded here (after a WebGPU fallback); else the WASM-only build. */
function loadOrt(backend: BackendName): Promise<Ort> {
  if (backend === 'webgpu') return (jsep ??= import('onnxruntime-web'));
  return jsep ?? (wasmOnly ??= import('onnxruntime-web/wasm') as Promise<Ort>);
}

/** Use the JSEP build for every backend from now on (the GPU-machine harness in Node carries only that build). */
export function useOneOrtBuild(): void {
  jsep ??= import('onnxruntime-web');
}

/**
 * Creates an ONNX session on `backend` ('cpu' is the wasm provider on one thread). ORT reads
 * `env.wasm.numThreads` once, when its wasm first starts, so the first session in a context fixes
 * the thread count for the context's life (the app gives each backend its own ORT worker).
 */
export async function createOrtSession(bytes: Uint8Array, backend: BackendName): Promise<SessionRunner> {
  const ort = await loadOrt(backend);
  ort.env.wasm.numThreads = wasmThreads(backend, {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency,
  });
  ort.env.wasm.proxy = false; // we already run inside a worker (the ORT worker, or a bench page)
  // ORT prints warnings (e.g. "Some nodes were not assigned to the preferred execution providers"
  // for the shape ops WebGPU leaves to the CPU) through console.error; keep only real errors.
  ort.env.logLevel = 'error';
  let session: OrtWeb.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: executionProviders(backend),
      logSeverityLevel: 3, // errors only
    });
  } catch (e) {
    throw createError(e, backend);
  }
  return wrapOrtSession(session, tensorMaker(ort.Tensor as unknown as OrtTensorClass<OrtWeb.Tensor>));
}
