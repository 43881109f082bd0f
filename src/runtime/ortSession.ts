// The only module that imports onnxruntime-web, in one of two builds (browser-setup.md §3):
// - webgpu: the default entry, the JSEP build (ort-wasm-simd-threaded.jsep.wasm, 28 MB) with both
//   the webgpu and wasm providers;
// - wasm / cpu: 'onnxruntime-web/wasm' (ort-wasm-simd-threaded.wasm, 14 MB), wasm provider only.
// Measured in Chromium on 2 cores: the codec's two sessions start in 2.0 s on the wasm build and
// 6.1 s on the JSEP one, and V8 keeps both cores busy compiling for 4 s vs 12 s afterwards (which
// is what slowed the LM beside it). Each ORT worker serves one backend, so it loads one build.
import type * as OrtWeb from 'onnxruntime-web';
import type { BackendName } from './backend';
import { createError, executionProviders, runQueue, tensorMaker, wasmThreads, wrapOrtSession, type OrtTensorClass, type RunQueue } from './ortWrap';
import { lossReason, raceLoss } from './gpuLoss';
import type { SessionRunner } from './sessionRunner';

type Ort = typeof OrtWeb;

let jsep: Promise<Ort> | null = null;
let wasmOnly: Promise<Ort> | null = null;
/** Settles with the reason when ORT's WebGPU device is lost (set by the first WebGPU session). */
let whenLost: Promise<string> | null = null;
/** One run queue per loaded ORT build: the JSEP build runs one session at a time (see wrapOrtSession). */
const queues = new WeakMap<Ort, RunQueue>();

/** ORT's WebGPU device's loss (never settles when ORT does not hand out its device). */
function watchOrtDevice(ort: Ort): Promise<string> {
  const never = new Promise<string>(() => {});
  try {
    return Promise.resolve(ort.env.webgpu.device).then((d) => (d ? lossReason(d as GPUDevice) : never), (e) => {
      console.warn('ORT WebGPU device not available to watch:', e);
      return never;
    });
  } catch (e) {
    console.warn('ORT WebGPU device not available to watch:', e);
    return never;
  }
}

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
  let queue = queues.get(ort);
  if (!queue) queues.set(ort, (queue = runQueue()));
  const runner = wrapOrtSession(session, tensorMaker(ort.Tensor as unknown as OrtTensorClass<OrtWeb.Tensor>), queue);
  if (backend !== 'webgpu') return runner;
  // After a GPU process crash a WebGPU run can stay pending for ever: fail it as GPU_DEVICE_LOST.
  whenLost ??= watchOrtDevice(ort);
  const lost = whenLost;
  return { ...runner, run: (feeds) => raceLoss(runner.run(feeds), lost) };
}
