import { StudioError, toWireError } from '../errors/StudioError';
import { ENGINE_METHODS, type CallContext, type EngineHandlers, type Method, type Request, type Response } from './protocol';

/** The worker side of the channel: `self` in a dedicated worker, or a MessagePort in tests. */
export interface HostPort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

const isMethod = (m: unknown): m is Method => (ENGINE_METHODS as readonly unknown[]).includes(m);

/**
 * Answers engine calls arriving on `port`. Each call runs with its own CallContext: `cancel` aborts
 * its signal (with a CANCELLED StudioError as the reason), `progress` posts progress events, and
 * `transfer` marks result buffers to move rather than copy. Calls run concurrently; handlers that
 * share a session serialise their own work.
 */
export function serveEngine(handlers: EngineHandlers, port: HostPort): void {
  const running = new Map<number, AbortController>();

  const post = (msg: Response, transfer: Transferable[] = []): void => port.postMessage(msg, transfer);

  async function run(id: number, method: Method, args: unknown): Promise<void> {
    const controller = new AbortController();
    running.set(id, controller);
    const transfers = new Set<ArrayBuffer>();
    const ctx: CallContext = {
      signal: controller.signal,
      progress(progress) {
        if (!controller.signal.aborted) post({ kind: 'progress', id, progress });
      },
      transfer(...buffers) {
        // A SharedArrayBuffer cannot be transferred (it is shared already); listing it would throw.
        for (const b of buffers) if (b instanceof ArrayBuffer) transfers.add(b);
      },
    };
    try {
      // The cast is safe: `isMethod` checked the name, and the client built args from EngineApi.
      const handler = handlers[method] as (a: unknown, c: CallContext) => Promise<unknown>;
      const value = await handler(args, ctx);
      try {
        post({ kind: 'result', id, value }, [...transfers]);
      } catch (e) {
        // e.g. DataCloneError: the result holds something that cannot cross the boundary.
        post({ kind: 'error', id, error: toWireError(e) });
      }
    } catch (e) {
      post({ kind: 'error', id, error: toWireError(e) });
    } finally {
      running.delete(id);
    }
  }

  port.addEventListener('message', (ev: MessageEvent) => {
    const msg = ev.data as Request;
    if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') return;
    if (msg.kind === 'cancel') {
      running.get(msg.id)?.abort(new StudioError('CANCELLED'));
    } else if (msg.kind === 'call') {
      if (!isMethod(msg.method)) {
        post({ kind: 'error', id: msg.id, error: toWireError(new StudioError('INTERNAL', `unknown engine method "${String(msg.method)}"`)) });
        return;
      }
      void run(msg.id, msg.method, msg.args);
    }
  });
}
