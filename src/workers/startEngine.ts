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
 * The engine client over `worker`, with a new ORT worker per pack load. An old ORT worker is ended
 * only once the engine has answered a later init: each init starts by releasing the sessions of the
 * one before, so until then the engine may still call into it (a cancelled init is answered by the
 * client at once, before the engine has released anything). A crash of either worker ends both.
 */
export function pairEngine(worker: WorkerLike, startOrt: OrtStarter, options: ClientOptions = {}): EngineClient {
  let current: ReturnType<OrtStarter>['worker'] | null = null;
  let retired: ReturnType<OrtStarter>['worker'][] = [];
  let dead = false;
  const endOrt = () => {
    for (const w of [...retired, current]) w?.terminate();
    retired = [];
    current = null;
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
      if (current) retired.push(current);
      const next = startOrt(crash);
      current = next.worker;
      let answered = true;
      try {
        return await client.init({ ...a, ort: next.port }, { ...opts, transfer: [...(opts.transfer ?? []), next.port] });
      } catch (e) {
        if (e instanceof StudioError && e.code === 'CANCELLED') answered = false; // the engine may not have got to it yet
        throw e;
      } finally {
        if (answered) {
          for (const w of retired) w.terminate(); // released at the start of this init
          retired = [];
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
