// Browser glue (main thread): the engine worker and, for each pack load, a fresh ORT worker beside
// it (not inside it; see src/runtime/ortRemote.ts). `init` carries the engine's port to that worker.
import { StudioError } from '../errors/StudioError';
import { startOrtWorker } from '../runtime/ortWorker';
import { createEngineClient, type ClientOptions } from './client';
import type { EngineClient } from './protocol';

export function startEngine(options: ClientOptions = {}): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
  const client = createEngineClient(worker, options);
  let ort: Worker | null = null;
  let dead = false;
  const crash = (message: string) => {
    // The engine cannot go on without its graphs: end it, so the app starts a fresh pair.
    if (dead) return;
    dead = true;
    client.terminate();
    ort?.terminate();
    options.onCrash?.(new StudioError('ENGINE_CRASHED', `the ONNX worker stopped: ${message}`));
  };
  return {
    ...client,
    async init(a, opts = {}) {
      const previous = ort;
      const next = startOrtWorker(crash);
      ort = next.worker;
      try {
        return await client.init({ ...a, ort: next.port }, { ...opts, transfer: [...(opts.transfer ?? []), next.port] });
      } finally {
        previous?.terminate(); // its sessions were released at the start of this init
      }
    },
    terminate() {
      dead = true;
      client.terminate();
      ort?.terminate();
    },
  };
}
