// Browser glue (main thread): the engine worker and, for each pack load, a fresh ORT worker beside
// it (not inside it; see src/runtime/ortRemote.ts). `init` carries the engine's port to that worker.
import { StudioError } from '../errors/StudioError';
import { startOrtWorker } from '../runtime/ortWorker';
import { createEngineClient, type ClientOptions, type WorkerLike } from './client';
import type { EngineClient } from './protocol';

export function startEngine(options: ClientOptions = {}): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
  return pairEngine(worker, startOrtWorker, options);
}

/** Starts an ORT worker; `onCrash` when it dies. */
export type OrtStarter = (onCrash: (message: string) => void) => { worker: { terminate(): void }; port: MessagePort };

/**
 * The engine client over `worker`, with a new ORT worker per pack load. The engine runs inits in
 * order and each starts by releasing the sessions of the one before, so once it has answered init k
 * the workers of inits before k are done with; init k's own and later ones' are not (two loads can
 * overlap: a pack switch confirmed while the first pack still loads). A cancelled init is answered by
 * the client at once, before the engine got to it, so it ends nothing. A crash of either worker ends all.
 */
export function pairEngine(worker: WorkerLike, startOrt: OrtStarter, options: ClientOptions = {}): EngineClient {
  const workers = new Map<number, ReturnType<OrtStarter>['worker']>(); // by init number
  let inits = 0;
  let dead = false;
  const endOrt = () => {
    for (const w of workers.values()) w.terminate();
    workers.clear();
  };
  const client = createEngineClient(worker, {
    ...options,
    onCrash: (err) => {
      dead = true;
      endOrt(); // its sessions belong to the engine that died
      options.onCrash?.(err);
    },
  });
  const crash = (message: string) => {
    // The engine cannot go on without its graphs: end it, so the app starts a fresh pair.
    if (dead) return;
    dead = true;
    client.terminate();
    endOrt();
    options.onCrash?.(new StudioError('ENGINE_CRASHED', `the ONNX worker stopped: ${message}`));
  };
  return {
    ...client,
    async init(a, opts = {}) {
      const k = ++inits;
      const next = startOrt(crash);
      workers.set(k, next.worker);
      let answered = true;
      try {
        return await client.init({ ...a, ort: next.port }, { ...opts, transfer: [...(opts.transfer ?? []), next.port] });
      } catch (e) {
        if (e instanceof StudioError && e.code === 'CANCELLED') answered = false; // the engine may not have got to it yet
        throw e;
      } finally {
        if (answered) {
          for (const [j, w] of workers) {
            if (j >= k) continue;
            w.terminate(); // released by the engine at the start of init k (or never used)
            workers.delete(j);
          }
        }
      }
    },
    terminate() {
      dead = true;
      client.terminate();
      endOrt();
    },
  };
}
