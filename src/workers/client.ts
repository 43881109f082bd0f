import { StudioError, fromWireError } from '../errors/StudioError';
import {
  ENGINE_METHODS,
  type Args,
  type CallOptions,
  type EngineClient,
  type Method,
  type Progress,
  type Request,
  type Response,
  type Result,
} from './protocol';

/** The parts of a `Worker` the client uses; a real Worker satisfies it, and so does a test fake. */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  /** A load failure fires a plain Event; an uncaught exception inside the worker fires an ErrorEvent. */
  addEventListener(type: 'error', listener: (ev: Event) => void): void;
  removeEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  removeEventListener(type: 'error', listener: (ev: Event) => void): void;
  terminate(): void;
}

export interface ClientOptions {
  /** Called once when the worker crashes, whether or not a call was pending (the app restarts it). */
  onCrash?: (err: StudioError) => void;
}

type ClientMethod<M extends Method> = (args: Args<M>, opts?: CallOptions) => Promise<Result<M>>;

interface Pending {
  resolve(value: unknown): void;
  reject(err: StudioError): void;
  onProgress?: (p: Progress) => void;
  /** Detaches the caller's abort listener. */
  cleanup(): void;
}

/**
 * Wraps an engine worker in the typed `EngineClient`. Each call gets a numeric id; the worker's
 * `result` / `error` / `progress` messages are matched back by id. Aborting a call rejects it at once
 * with CANCELLED and tells the worker to stop; anything the worker still sends for that id is dropped.
 * After a crash (the worker's `error` event) or `terminate()`, every call rejects with ENGINE_CRASHED.
 */
export function createEngineClient(worker: WorkerLike, options: ClientOptions = {}): EngineClient {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let dead: StudioError | null = null;

  function settle(id: number): Pending | undefined {
    const p = pending.get(id);
    if (p) {
      pending.delete(id);
      p.cleanup();
    }
    return p;
  }

  function onMessage(ev: MessageEvent): void {
    const msg = ev.data as Response;
    if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') return;
    switch (msg.kind) {
      case 'progress':
        pending.get(msg.id)?.onProgress?.(msg.progress);
        break;
      case 'result':
        settle(msg.id)?.resolve(msg.value);
        break;
      case 'error':
        settle(msg.id)?.reject(fromWireError(msg.error));
        break;
    }
  }

  function shutDown(err: StudioError): void {
    if (dead) return;
    dead = err;
    worker.removeEventListener('message', onMessage);
    worker.removeEventListener('error', onError);
    for (const id of [...pending.keys()]) settle(id)?.reject(err);
  }

  function onError(ev: Event): void {
    // An uncaught error leaves the engine in an unknown state, so the worker is treated as dead.
    const message = (ev as Partial<ErrorEvent>).message;
    const err = new StudioError('ENGINE_CRASHED', message || 'the worker failed to start or threw outside a call');
    shutDown(err);
    worker.terminate();
    options.onCrash?.(err);
  }

  worker.addEventListener('message', onMessage);
  worker.addEventListener('error', onError);

  function call<M extends Method>(method: M, args: Args<M>, opts: CallOptions = {}): Promise<Result<M>> {
    if (dead) return Promise.reject(dead);
    const { signal, onProgress, transfer = [] } = opts;
    if (signal?.aborted) return Promise.reject(new StudioError('CANCELLED'));
    const id = nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      const onAbort = (): void => {
        if (!settle(id)) return;
        worker.postMessage({ kind: 'cancel', id } satisfies Request, []);
        reject(new StudioError('CANCELLED'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      const request = { kind: 'call', id, method, args } as Request;
      try {
        worker.postMessage(request, transfer);
      } catch (e) {
        // e.g. DataCloneError: an argument cannot be cloned, or a buffer is already detached.
        settle(id);
        reject(new StudioError('INTERNAL', `could not send ${method}: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  }

  function bind<M extends Method>(method: M): ClientMethod<M> {
    return (args: Args<M>, opts?: CallOptions) => call(method, args, opts);
  }

  // ENGINE_METHODS is checked against EngineApi at compile time (protocol.ts), so this covers every method.
  const methods = Object.fromEntries(ENGINE_METHODS.map((m) => [m, bind(m)])) as { [M in Method]: ClientMethod<M> };

  return {
    ...methods,
    terminate(): void {
      shutDown(new StudioError('ENGINE_CRASHED', 'the engine was terminated'));
      worker.terminate();
    },
  };
}
