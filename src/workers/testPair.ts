/**
 * Test helper (Node): an engine client and host joined by a real MessageChannel, so messages are
 * structured-cloned and transfers detach buffers exactly as they do across a Worker boundary.
 */
import { createEngineClient, type ClientOptions, type WorkerLike } from './client';
import { serveEngine, type HostPort } from './host';
import type { EngineClient, EngineHandlers } from './protocol';

/** A Worker stand-in over one end of a MessageChannel; `crash()` fires the Worker's `error` event. */
export class ChannelWorker implements WorkerLike {
  readonly posted: { message: unknown; transfer: Transferable[] }[] = [];
  terminated = false;
  readonly #port: MessagePort;
  readonly #errors = new EventTarget();

  constructor(port: MessagePort) {
    this.#port = port;
  }

  postMessage(message: unknown, transfer: Transferable[]): void {
    this.posted.push({ message, transfer });
    this.#port.postMessage(message, transfer);
  }

  addEventListener(type: 'message' | 'error', listener: (ev: never) => void): void {
    const target: EventTarget = type === 'message' ? this.#port : this.#errors;
    target.addEventListener(type, listener as EventListener);
  }

  removeEventListener(type: 'message' | 'error', listener: (ev: never) => void): void {
    const target: EventTarget = type === 'message' ? this.#port : this.#errors;
    target.removeEventListener(type, listener as EventListener);
  }

  terminate(): void {
    this.terminated = true;
    this.#port.close();
  }

  /** What a browser does on an uncaught exception in the worker (Node has no ErrorEvent). */
  crash(message: string): void {
    this.#errors.dispatchEvent(Object.assign(new Event('error'), { message }));
  }
}

export interface Pair {
  client: EngineClient;
  worker: ChannelWorker;
  /** Every message the host posted, with its transfer list. */
  hostPosted: { message: unknown; transfer: Transferable[] }[];
  close(): void;
}

/** A Worker stand-in whose other end serves `handlers`, as the engine worker does. */
export function hostWorker(handlers: EngineHandlers): { worker: ChannelWorker; hostPosted: Pair['hostPosted']; close(): void } {
  const { port1, port2 } = new MessageChannel();
  const hostPosted: Pair['hostPosted'] = [];
  const hostPort: HostPort = {
    postMessage(message, transfer) {
      hostPosted.push({ message, transfer });
      port2.postMessage(message, transfer);
    },
    addEventListener: (type, listener) => port2.addEventListener(type, listener),
  };
  serveEngine(handlers, hostPort);
  return {
    worker: new ChannelWorker(port1),
    hostPosted,
    close() {
      port1.close();
      port2.close();
    },
  };
}

export function connectPair(handlers: EngineHandlers, options?: ClientOptions): Pair {
  const { worker, hostPosted, close } = hostWorker(handlers);
  return { client: createEngineClient(worker, options), worker, hostPosted, close };
}
