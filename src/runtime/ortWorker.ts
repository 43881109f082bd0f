// Browser glue (main thread): starts an ORT worker and returns a port to it, for the engine worker
// (src/workers/startEngine.ts) or a bench page. Each ORT worker loads one onnxruntime-web build
// and fixes its thread count on its first session (ortSession.ts), so every pack load gets a new one.
import { portAsOrtWorker, remoteOrt } from './ortRemote';
import type { CreateSession } from './sessionRunner';

export interface OrtWorker {
  worker: Worker;
  /** The engine's end of the channel (transfer it). */
  port: MessagePort;
}

export function startOrtWorker(onCrash?: (message: string) => void): OrtWorker {
  const worker = new Worker(new URL('../workers/ort.worker.ts', import.meta.url), { type: 'module', name: 'onnx' });
  worker.addEventListener('error', (ev) => onCrash?.(ev.message || 'the ONNX worker stopped'));
  const { port1, port2 } = new MessageChannel();
  worker.postMessage(null, [port2]);
  return { worker, port: port1 };
}

/** Sessions in a fresh ORT worker, used from this context (bench pages). */
export function ortWorkerSessions(): { create: CreateSession; terminate: () => void } {
  const { worker, port } = startOrtWorker();
  return { create: remoteOrt(portAsOrtWorker(port)), terminate: () => worker.terminate() };
}
