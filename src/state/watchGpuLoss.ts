import { StudioError } from '../errors/StudioError';
import { ENGINE_METHODS, type Args, type CallOptions, type EngineClient, type Method, type Result } from '../workers/protocol';

/** The engine client, reporting every call that fails with GPU_DEVICE_LOST to `onLost` (the call still rejects). */
export function watchGpuLoss(engine: EngineClient, onLost: (err: StudioError) => void): EngineClient {
  const bind = <M extends Method>(m: M) => async (args: Args<M>, opts?: CallOptions): Promise<Result<M>> => {
    try {
      return await (engine[m] as (a: Args<M>, o?: CallOptions) => Promise<Result<M>>)(args, opts);
    } catch (e) {
      if (e instanceof StudioError && e.code === 'GPU_DEVICE_LOST') onLost(e);
      throw e;
    }
  };
  const methods = Object.fromEntries(ENGINE_METHODS.map((m) => [m, bind(m)])) as Omit<EngineClient, 'terminate'>;
  return { ...methods, terminate: () => engine.terminate() };
}
