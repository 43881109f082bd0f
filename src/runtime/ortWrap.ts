import { StudioError } from '../errors/StudioError';
import type { BackendName } from './backend';
import type { SessionRunner, TensorData, TensorMap } from './sessionRunner';

/**
 * What ortSession.ts (onnxruntime-web) and ortSessionNode.ts (onnxruntime-node) share, with no ORT
 * import: both packages' InferenceSession and Tensor fit these shapes, so the queueing, checks and
 * conversions are written and tested once.
 */
export interface OrtTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/** Wraps `new ort.Tensor(...)` of the package in use. */
export type MakeOrtTensor = (t: TensorData) => OrtTensorLike;

/** The `ort.Tensor` constructor of either package, for the three element types the studio feeds. */
export type OrtTensorClass<T extends OrtTensorLike> = new (type: TensorData['type'], data: TensorData['data'], dims: readonly number[]) => T;

/** A MakeOrtTensor from the package's Tensor class (onnxruntime-web or -node). */
export function tensorMaker<T extends OrtTensorLike>(Tensor: OrtTensorClass<T>): (t: TensorData) => T {
  return (t) => new Tensor(t.type, t.data, t.dims);
}

function fromOrt(name: string, t: OrtTensorLike): TensorData {
  const dims = Array.from(t.dims);
  if (t.type === 'float32' && t.data instanceof Float32Array) return { type: 'float32', data: t.data, dims };
  if (t.type === 'int64' && t.data instanceof BigInt64Array) return { type: 'int64', data: t.data, dims };
  if (t.type === 'int32' && t.data instanceof Int32Array) return { type: 'int32', data: t.data, dims };
  throw new StudioError('MODEL_INTERFACE', `output "${name}" is ${t.type}; the studio reads float32, int64 and int32 outputs`);
}

function checkFeeds(inputNames: readonly string[], feeds: TensorMap): void {
  const given = Object.keys(feeds);
  const missing = inputNames.filter((n) => !given.includes(n));
  const unknown = given.filter((n) => !inputNames.includes(n));
  if (missing.length || unknown.length) {
    const parts = [missing.length ? `missing ${missing.join(', ')}` : '', unknown.length ? `unknown ${unknown.join(', ')}` : ''];
    throw new StudioError('MODEL_INTERFACE', `inputs ${parts.filter(Boolean).join('; ')} (the graph takes ${inputNames.join(', ')})`);
  }
}

/** Runs jobs one after another, in call order; one failed job does not block the ones behind it. */
export type RunQueue = <T>(job: () => Promise<T>) => Promise<T>;

export function runQueue(): RunQueue {
  let chain: Promise<unknown> = Promise.resolve();
  return (job) => {
    const next = chain.then(job);
    chain = next.catch(() => undefined);
    return next;
  };
}

/**
 * A SessionRunner over an ORT session. Runs are queued so that two never overlap on one session
 * (ORT-web sessions are not re-entrant; the same pattern as transformers.js `webInferenceChain`).
 * Sessions that must not overlap with each other either share `queue`: onnxruntime-web's JSEP
 * build runs one session at a time per wasm module and fails a second concurrent run with
 * "Session already started", whichever session it belongs to.
 */
export function wrapOrtSession(session: OrtSessionLike, makeTensor: MakeOrtTensor, queue: RunQueue = runQueue()): SessionRunner {
  let last: Promise<unknown> = Promise.resolve();
  let released = false;

  function enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = queue(job);
    last = next.catch(() => undefined);
    return next;
  }

  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run(feeds) {
      if (released) return Promise.reject(new StudioError('INTERNAL', 'run on a released ONNX session'));
      try {
        checkFeeds(session.inputNames, feeds);
      } catch (e) {
        return Promise.reject(e);
      }
      return enqueue(async () => {
        const ortFeeds: Record<string, OrtTensorLike> = {};
        for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = makeTensor(t);
        const out = await session.run(ortFeeds);
        const result: TensorMap = {};
        for (const [name, t] of Object.entries(out)) result[name] = fromOrt(name, t);
        return result;
      });
    },
    release() {
      if (released) return last.then(() => undefined);
      released = true;
      return enqueue(() => session.release());
    },
  };
}

/**
 * WASM threads for ORT: one for `cpu`; otherwise up to 4, but only when the page is cross-origin
 * isolated (ORT silently runs one thread without it, after a console warning).
 */
export function wasmThreads(backend: BackendName, env: { crossOriginIsolated?: boolean; hardwareConcurrency?: number }): number {
  if (backend === 'cpu' || env.crossOriginIsolated !== true) return 1;
  return Math.max(1, Math.min(4, env.hardwareConcurrency ?? 1));
}

/**
 * Execution providers for a backend. WebGPU gets no explicit 'wasm' after it: ORT always keeps its
 * CPU provider as the fallback for nodes WebGPU lacks, so 'wasm' there adds nothing except a
 * silent fallback of the whole session when WebGPU fails to start (onnxruntime-common
 * resolveBackendAndExecutionProviders drops failed providers with only a console.warn). Without it,
 * that failure reaches us and becomes BACKEND_UNAVAILABLE, and the engine can report its fallback.
 */
export function executionProviders(backend: BackendName): ['webgpu'] | ['wasm'] {
  return backend === 'webgpu' ? ['webgpu'] : ['wasm'];
}

/** Names a session-creation failure: a provider that would not start is BACKEND_UNAVAILABLE. */
export function createError(err: unknown, backend: BackendName): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (/no available backend found/i.test(message)) return new StudioError('BACKEND_UNAVAILABLE', `${backend}: ${message}`);
  return err;
}
