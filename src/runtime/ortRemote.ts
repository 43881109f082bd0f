import { StudioError, fromWireError, toWireError, type WireError } from '../errors/StudioError';
import type { BackendName } from './backend';
import type { CreateSession, SessionRunner, TensorMap } from './sessionRunner';

/**
 * ONNX sessions in a worker of their own. Beside tfjs in the engine worker, onnxruntime-web's
 * start (compiling its WASM keeps both cores of the CI machine busy for seconds) halved the LM's
 * speed, and a decode could not overlap the LM. So the engine keeps tfjs and hands every ONNX graph
 * to an ORT worker through this channel; the main thread starts that worker for each pack load and
 * gives the engine a port to it (a worker nested in the engine, with ORT's own thread workers
 * inside it, hung Playwright's request interception). Pure: no ORT import here; the worker side
 * gets its session factory injected (ortSession.ts in the browser, onnxruntime-node in tests).
 */
export interface OrtHostApi {
  create(a: { bytes: Uint8Array; backend: BackendName }): Promise<{ session: number; inputNames: string[]; outputNames: string[] }>;
  run(a: { session: number; feeds: TensorMap }): Promise<TensorMap>;
  release(a: { session: number }): Promise<void>;
}

type OrtMethod = keyof OrtHostApi;
export type OrtRequest = { [M in OrtMethod]: { id: number; method: M; args: Parameters<OrtHostApi[M]>[0] } }[OrtMethod];
export type OrtResponse =
  | { id: number; ok: true; value: Awaited<ReturnType<OrtHostApi[OrtMethod]>> }
  | { id: number; ok: false; error: WireError };

/** Either end of the channel: a Worker, the worker's `self`, or a MessagePort in tests. */
export interface OrtPort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

/** Every typed array buffer in a tensor map, to transfer rather than copy. */
function buffersOf(m: TensorMap): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of Object.values(m)) if (t.data.buffer instanceof ArrayBuffer) out.add(t.data.buffer);
  return [...out];
}

/** The worker side: sessions made by `create`, kept by number until released. */
export function serveOrt(create: CreateSession, port: OrtPort): void {
  const sessions = new Map<number, SessionRunner>();
  let next = 1;
  const need = (n: number): SessionRunner => {
    const s = sessions.get(n);
    if (!s) throw new StudioError('INTERNAL', `ONNX session ${n} does not exist (released?)`);
    return s;
  };
  const api: OrtHostApi = {
    async create({ bytes, backend }) {
      const s = await create(bytes, backend);
      const session = next++;
      sessions.set(session, s);
      return { session, inputNames: [...s.inputNames], outputNames: [...s.outputNames] };
    },
    run: async ({ session, feeds }) => need(session).run(feeds), // async: a missing session rejects, never throws past the reply
    async release({ session }) {
      const s = need(session);
      sessions.delete(session);
      await s.release();
    },
  };
  port.addEventListener('message', (ev: MessageEvent) => {
    const req = ev.data as OrtRequest;
    if (typeof req !== 'object' || req === null || typeof req.id !== 'number' || !Object.hasOwn(api, req.method)) return;
    const call = api[req.method] as (a: unknown) => Promise<unknown>;
    call(req.args).then(
      (value) => {
        const transfer = req.method === 'run' ? buffersOf(value as TensorMap) : [];
        port.postMessage({ id: req.id, ok: true, value } as OrtResponse, transfer);
      },
      (e: unknown) => port.postMessage({ id: req.id, ok: false, error: toWireError(e) } satisfies OrtResponse, []),
    );
  });
}

/** What a Worker adds to a port: its crash event. */
export interface OrtWorkerLike extends OrtPort {
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (ev: Event) => void): void;
}

/**
 * A MessagePort (to an ORT worker started elsewhere) as an OrtWorkerLike. A port has no crash
 * event: whoever started the worker watches it (src/workers/startEngine.ts ends the engine too).
 */
export function portAsOrtWorker(port: MessagePort): OrtWorkerLike {
  port.start();
  return {
    postMessage: (m, t) => port.postMessage(m, t),
    addEventListener: (type: 'message' | 'error', l: (ev: never) => void) => {
      if (type === 'message') port.addEventListener('message', l as (ev: MessageEvent) => void);
    },
  };
}

/**
 * The engine side: a session factory whose sessions run in the ORT worker behind `port`. Feeds are
 * copied (the caller may reuse its arrays); outputs are transferred. If the worker dies, every
 * pending and later call rejects with ENGINE_CRASHED.
 */
export function remoteOrt(port: OrtWorkerLike): CreateSession {
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: StudioError): void }>();
  let nextId = 1;
  let dead: StudioError | null = null;
  port.addEventListener('message', (ev: MessageEvent) => {
    const res = ev.data as OrtResponse;
    const p = pending.get(res.id);
    if (!p) return;
    pending.delete(res.id);
    if (res.ok) p.resolve(res.value);
    else p.reject(fromWireError(res.error));
  });
  port.addEventListener('error', (ev: Event) => {
    const why = (ev as Partial<ErrorEvent>).message || 'the ONNX worker stopped';
    dead = new StudioError('ENGINE_CRASHED', why);
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  });
  function call<M extends OrtMethod>(method: M, args: Parameters<OrtHostApi[M]>[0]): ReturnType<OrtHostApi[M]> {
    if (dead) return Promise.reject(dead) as ReturnType<OrtHostApi[M]>;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      try {
        port.postMessage({ id, method, args } as OrtRequest, []);
      } catch (e) {
        pending.delete(id); // never sent (a feed that cannot be cloned): nothing will answer it
        reject(new StudioError('INTERNAL', `ONNX ${method}: ${(e as Error).message}`));
      }
    }) as ReturnType<OrtHostApi[M]>;
  }

  return async (bytes, backend) => {
    const { session, inputNames, outputNames } = await call('create', { bytes, backend });
    let released = false;
    return {
      inputNames,
      outputNames,
      run(feeds) {
        if (released) return Promise.reject(new StudioError('INTERNAL', 'run on a released ONNX session'));
        return call('run', { session, feeds });
      },
      async release() {
        if (released) return;
        released = true;
        await call('release', { session });
      },
    };
  };
}
