/// <reference lib="webworker" />
// The ORT worker's entry: the ONNX graphs (codec, text encoder) run here, apart from the engine's
// tfjs (see src/runtime/ortRemote.ts). Its first message carries the port it serves the engine on.
import { serveOrt } from '../runtime/ortRemote';
import { createOrtSession } from '../runtime/ortSession';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.addEventListener('message', (ev: MessageEvent) => {
  const port = ev.ports[0];
  if (!port) return;
  serveOrt(createOrtSession, port);
  port.start();
}, { once: true });
