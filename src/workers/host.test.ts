import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { serveEngine, type HostPort } from './host';
import { ENGINE_METHODS, type EngineHandlers, type Request, type Response } from './protocol';

// Compile-time: a dedicated worker's global scope can serve the engine.
export const scopeIsHostPort = (s: DedicatedWorkerGlobalScope): HostPort => s;

/** A port that records what the host posts and lets the test deliver requests. */
class FakePort implements HostPort {
  readonly posted: { message: Response; transfer: Transferable[] }[] = [];
  #listener?: (ev: MessageEvent) => void;

  postMessage(message: unknown, transfer: Transferable[]): void {
    // Like a real port, refuse what structured clone refuses.
    structuredClone(message, { transfer: transfer as Transferable[] });
    this.posted.push({ message: message as Response, transfer });
  }

  addEventListener(_type: 'message', listener: (ev: MessageEvent) => void): void {
    this.#listener = listener;
  }

  send(msg: Request | Record<string, unknown>): void {
    this.#listener?.({ data: msg } as MessageEvent);
  }

  kinds(): string[] {
    return this.posted.map((p) => p.message.kind);
  }
}

const unused = (): Promise<never> => Promise.reject(new Error('not used in this test'));
const handlers = (over: Partial<EngineHandlers>): EngineHandlers =>
  ({ ...(Object.fromEntries(ENGINE_METHODS.map((m) => [m, unused])) as unknown as EngineHandlers), ...over });
const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const decodeCall = (id: number): Request => ({ kind: 'call', id, method: 'decode', args: { codes: new Int32Array(2), k: 1, t: 2 } });

describe('serveEngine', () => {
  it('posts the result with the buffers the handler marked for transfer', async () => {
    const port = new FakePort();
    const pcm = new Float32Array(16);
    serveEngine(
      handlers({
        decode: async (_a, ctx) => {
          ctx.transfer(pcm.buffer);
          return { pcm, sampleRate: 32000 };
        },
      }),
      port,
    );
    port.send(decodeCall(7));
    await flush();
    expect(port.posted).toHaveLength(1);
    const [{ message, transfer }] = port.posted;
    expect(message).toMatchObject({ kind: 'result', id: 7 });
    expect(transfer).toEqual([pcm.buffer]);
    expect(pcm.buffer.byteLength).toBe(0); // structuredClone moved it
  });

  it('drops SharedArrayBuffers and duplicates from the transfer list', async () => {
    const port = new FakePort();
    const shared = new Float32Array(new SharedArrayBuffer(8));
    const own = new Float32Array(4);
    serveEngine(
      handlers({
        decode: async (_a, ctx) => {
          ctx.transfer(shared.buffer, own.buffer, own.buffer);
          return { pcm: own, sampleRate: 1 };
        },
      }),
      port,
    );
    port.send(decodeCall(1));
    await flush();
    expect(port.posted[0].transfer).toEqual([own.buffer]);
  });

  it('posts progress with the call id, then the result', async () => {
    const port = new FakePort();
    serveEngine(
      handlers({
        decode: async (_a, ctx) => {
          ctx.progress({ phase: 'decode', value: 0.5, label: 'half' });
          return { pcm: new Float32Array(1), sampleRate: 1 };
        },
      }),
      port,
    );
    port.send(decodeCall(3));
    await flush();
    expect(port.posted.map((p) => p.message)).toEqual([
      { kind: 'progress', id: 3, progress: { phase: 'decode', value: 0.5, label: 'half' } },
      { kind: 'result', id: 3, value: { pcm: new Float32Array(1), sampleRate: 1 } },
    ]);
  });

  it('aborts only the cancelled call, with a CANCELLED reason, and stops its progress', async () => {
    const port = new FakePort();
    const signals = new Map<number, AbortSignal>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    serveEngine(
      handlers({
        decode: async ({ t }, ctx) => {
          signals.set(t, ctx.signal);
          await gate;
          ctx.progress({ phase: 'decode', value: 1, label: 'late' });
          ctx.signal.throwIfAborted();
          return { pcm: new Float32Array(0), sampleRate: 1 };
        },
      }),
      port,
    );
    port.send({ kind: 'call', id: 1, method: 'decode', args: { codes: new Int32Array(0), k: 1, t: 1 } });
    port.send({ kind: 'call', id: 2, method: 'decode', args: { codes: new Int32Array(0), k: 1, t: 2 } });
    await flush();
    port.send({ kind: 'cancel', id: 1 });
    port.send({ kind: 'cancel', id: 99 }); // unknown ids are ignored
    expect(signals.get(1)?.aborted).toBe(true);
    expect(signals.get(2)?.aborted).toBe(false);
    expect(signals.get(1)?.reason).toBeInstanceOf(StudioError);
    release();
    await flush();
    const byId = (id: number) => port.posted.filter((p) => p.message.id === id).map((p) => p.message);
    expect(byId(1)).toEqual([{ kind: 'error', id: 1, error: expect.objectContaining({ code: 'CANCELLED', name: 'StudioError' }) }]);
    expect(byId(2).map((m) => m.kind)).toEqual(['progress', 'result']);
  });

  it('posts StudioErrors and plain errors (thrown or rejected) as wire errors', async () => {
    const port = new FakePort();
    serveEngine(
      handlers({
        init: async () => Promise.reject(new StudioError('MANIFEST_INVALID', 'codec: expected an object')),
        decode: () => {
          throw new Error('sync boom'); // not even async: the host must still answer
        },
      }),
      port,
    );
    port.send({ kind: 'call', id: 1, method: 'init', args: { manifestUrl: 'm', backend: 'auto' } });
    port.send(decodeCall(2));
    await flush();
    const errors = port.posted.map((p) => p.message);
    expect(errors).toContainEqual({
      kind: 'error',
      id: 1,
      error: { name: 'StudioError', code: 'MANIFEST_INVALID', message: expect.stringContaining('codec: expected an object'), detail: 'codec: expected an object' },
    });
    expect(errors).toContainEqual({ kind: 'error', id: 2, error: expect.objectContaining({ name: 'Error', code: 'INTERNAL', detail: 'sync boom' }) });
  });

  it('answers an unknown method with an error and ignores malformed messages', async () => {
    const port = new FakePort();
    serveEngine(handlers({}), port);
    port.send({ kind: 'call', id: 5, method: 'toString', args: {} });
    port.send({ kind: 'call', id: 6, method: 'nope', args: {} });
    port.send({ hello: 'world' });
    port.send({ kind: 'call', id: 'x' });
    await flush();
    expect(port.kinds()).toEqual(['error', 'error']);
    expect(port.posted[0].message).toMatchObject({ id: 5, error: { code: 'INTERNAL', detail: expect.stringContaining('toString') } });
  });

  it('reports a result that cannot be cloned as an error instead of dying', async () => {
    const port = new FakePort();
    serveEngine(handlers({ decode: async () => ({ pcm: new Float32Array(1), sampleRate: 1, extra: () => 1 }) }), port);
    port.send(decodeCall(4));
    await flush();
    expect(port.posted.map((p) => p.message)).toEqual([{ kind: 'error', id: 4, error: expect.objectContaining({ code: 'INTERNAL' }) }]);
  });
});
