import type { BackendChoice } from '../runtime/backend';
import type { SliceContext } from './context';
import { toErrorInfo } from './errors';
import type { EngineSlice, LoadEngineOptions } from './types';

export function createEngineSlice(ctx: SliceContext, initialBackend: BackendChoice): EngineSlice {
  let generation = 0;

  /** Loads the current pack (`pack.current`) on `backend`; rejects with the engine's error. */
  async function load(backend: BackendChoice, opts: LoadEngineOptions = {}): Promise<void> {
    const gen = ++generation;
    const { set, get, engine } = ctx;
    set({ engine: { ...get().engine, status: 'loading', error: undefined, progress: undefined } });
    get().announce(`Loading the audio engine (${backend})…`);
    try {
      const info = await engine.init(
        { manifestUrl: ctx.manifestUrlOf(get().pack.current), backend, ...(ctx.hubBase ? { hubBase: ctx.hubBase } : {}) },
        {
          signal: opts.signal,
          onProgress: (progress) => {
            if (gen !== generation) return;
            set({ engine: { ...get().engine, progress } });
            opts.onProgress?.(progress);
          },
        },
      );
      if (gen !== generation) return;
      set({ engine: { status: 'ready', info } });
      get().announce(`Engine ready: ${info.packName} on ${info.backend.toUpperCase()}.`);
      // Saved fine-tuned models live in IndexedDB: list them (a fresh engine uses the pack's weights).
      void get().refreshModels();
    } catch (err) {
      if (gen !== generation) return;
      if (opts.quietError) {
        // The caller (a pack switch) reports the failure and loads the previous pack again.
        set({ engine: { ...get().engine, progress: undefined } });
      } else {
        const error = toErrorInfo(err);
        set({ engine: { ...get().engine, status: 'error', error, progress: undefined } });
        get().announce(`The engine could not start: ${error.message}`);
      }
      throw err;
    }
  }

  function initEngine(): Promise<void> {
    const p = load(ctx.get().backend);
    ctx.gate.current = p;
    // The gate carries the failure to queued clips; callers of initEngine only need "done".
    return p.catch(() => undefined);
  }

  return {
    engine: { status: 'loading' },
    backend: initialBackend,
    initEngine,
    loadEngine: (opts) => load(ctx.get().backend, opts),
    async setBackend(choice) {
      if (choice === ctx.get().backend && ctx.get().engine.status !== 'error') return;
      if (ctx.get().training.running) {
        // Reloading the pack now would replace the model being trained, and lose it if it could not be saved.
        ctx.get().announce('The compute backend can be changed when the training ends.');
        return;
      }
      ctx.set({ backend: choice });
      ctx.onBackendChange?.(choice);
      await initEngine();
    },
    onGpuLost(err) {
      // Once per loss: calls already queued on the dead device fail too, and the reload is under way.
      if (ctx.get().backend === 'wasm' && ctx.get().engine.status === 'loading') return;
      ctx.set({ backend: 'wasm' }); // this session only: the stored preference stays
      ctx.get().announce(`${err.message} Reloading the models on WASM; your clips and takes are kept.`);
      void initEngine();
    },
    onEngineCrash() {
      // Only a ready engine restarts by itself; a crash while loading ends in the error + retry,
      // so a worker that cannot even start does not restart in a loop.
      if (ctx.get().engine.status !== 'ready') return;
      ctx.get().announce('The audio engine stopped unexpectedly; restarting it…');
      void initEngine();
    },
  };
}
