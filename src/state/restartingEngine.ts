import { ENGINE_METHODS, type Args, type CallOptions, type EngineClient, type Method, type Result } from '../workers/protocol';

/**
 * An EngineClient that survives worker crashes: after the current worker dies, the next call
 * starts a fresh one through `spawn`. `spawn` receives the crash callback to hand to
 * createEngineClient; `onCrash` tells the app (the store re-inits if the engine was ready).
 */
export function createRestartingEngine(
  spawn: (onCrash: () => void) => EngineClient,
  onCrash: () => void = () => {},
): EngineClient {
  let current: EngineClient | null = null;

  function client(): EngineClient {
    if (current) return current;
    const fresh: EngineClient = spawn(() => {
      if (current !== fresh) return;
      current = null;
      onCrash();
    });
    current = fresh;
    return fresh;
  }

  function bind<M extends Method>(m: M) {
    return (args: Args<M>, opts?: CallOptions): Promise<Result<M>> =>
      (client()[m] as (a: Args<M>, o?: CallOptions) => Promise<Result<M>>)(args, opts);
  }

  const methods = Object.fromEntries(ENGINE_METHODS.map((m) => [m, bind(m)])) as Omit<EngineClient, 'terminate'>;
  return {
    ...methods,
    terminate() {
      current?.terminate();
      current = null;
    },
  };
}
