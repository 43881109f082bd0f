// The engine's fine-tuning and saved-model calls (src/workers/engine.ts spreads them in): one run at
// a time through the engine's queue, with Stop and Pause answered at once, also for a run that is
// still queued or starting.
import { chromagram } from '../audio/chroma';
import { StudioError } from '../errors/StudioError';
import type { ModelStore } from '../runtime/modelStore';
import type { Loaded } from './engine';
import type { CallContext, EngineHandlers, LmInfo, TrainRequest, TrainSummary } from './protocol';
import { exportSlot, importWeights, modelList, runTraining, useSaved, type LmSlot, type Trainers } from './training';

type LmLoaded = Loaded & { slot: LmSlot; text: NonNullable<Loaded['text']> };

export interface ModelHandlerContext {
  needLm(): LmLoaded;
  /** The engine's queue: one call at a time. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** GPU work, with a lost device surfacing as GPU_DEVICE_LOST. */
  onGpu<T>(fn: () => Promise<T>): Promise<T>;
  modelStore: ModelStore;
  info(l: Loaded): LmInfo;
}

type ModelMethods = 'train' | 'stopTraining' | 'pauseTraining' | 'listModels' | 'useModel' | 'renameModel' | 'deleteModel' | 'exportWeights' | 'importWeights';

export function modelHandlers({ needLm, serial, onGpu, modelStore, info }: ModelHandlerContext): Pick<EngineHandlers, ModelMethods> {
  const trainers: Trainers = { current: null, stop: null, asked: {}, pending: 0 };

  /** One fine-tuning run, once the engine's queue reaches it. */
  const trainNow = async (a: TrainRequest, ctx: CallContext): Promise<TrainSummary> => {
    const l = needLm();
    const { codec, manifest } = l;
    // A melody LM trains each clip on its own melody: the chroma of what the clip's codes sound like.
    const melodyOf = l.slot.config.conditioning === 'prefix' ? async (c: { codes: Int32Array; k: number; t: number }) => {
      const chroma = manifest.chroma ?? { nFft: 16384, hopLength: 4096 };
      const pcm = await codec.decode(c, { signal: ctx.signal });
      return { argmax: chromagram(pcm, codec.spec.sampleRate, chroma).argmax, hopSeconds: chroma.hopLength / codec.spec.sampleRate };
    } : undefined;
    const summary = await runTraining(l.slot, modelStore, l.text, a, ctx, trainers,
      { bytes: l.info.lm!.memory.budgetBytes, backend: l.info.lmBackend ?? l.info.backend, frameRate: manifest.codec.frameRate, melodyOf });
    l.info.lm = info(l);
    return summary;
  };

  return {
    train: (a, ctx) => {
      trainers.pending++;
      return serial(() => onGpu(() => trainNow(a, ctx))).finally(() => {
        if (--trainers.pending === 0) trainers.asked = {}; // a Stop for a run that never started is spent
      });
    },

    stopTraining: async () => {
      if (!trainers.stop) {
        if (trainers.pending === 0) return { stopping: false };
        trainers.asked.stop = true; // still queued or starting: it ends before its first step
        return { stopping: true };
      }
      trainers.current?.resume(); // a paused run must wake up to stop
      trainers.stop.abort();
      return { stopping: true };
    },

    pauseTraining: async (a) => {
      const t = trainers.current;
      if (!t) {
        if (trainers.pending === 0) return { paused: false };
        trainers.asked.pause = a.paused; // applied once its Trainer exists
        return { paused: a.paused };
      }
      if (a.paused) t.pause();
      else t.resume();
      return { paused: t.paused };
    },

    listModels: async () => modelList(modelStore, needLm().slot),

    useModel: (a, ctx) => serial(async () => {
      const l = needLm();
      ctx.progress({ phase: 'load', value: 0.5, label: 'Loading the model' });
      await useSaved(l.slot, modelStore, a.id);
      l.info.lm = info(l);
      return l.info.lm;
    }),

    renameModel: (a) => serial(async () => {
      const l = needLm();
      const name = a.name.trim().slice(0, 80);
      if (name && !(await modelStore.rename(a.id, name))) throw new StudioError('MODEL_FETCH_FAILED', 'that saved model is no longer in browser storage');
      if (name && l.slot.modelId === a.id) l.slot.modelName = name;
      return modelList(modelStore, l.slot);
    }),

    deleteModel: (a) => serial(async () => {
      const l = needLm();
      // The pack's own weights first: if they cannot be had (offline after Clear cache), the model stays, in use and saved.
      if (l.slot.modelId === a.id) await useSaved(l.slot, modelStore, null);
      await modelStore.delete(a.id);
      return modelList(modelStore, l.slot);
    }),

    exportWeights: () => serial(async () => {
      return exportSlot(needLm().slot);
    }),

    importWeights: (a) => serial(async () => {
      const l = needLm();
      const storageError = await importWeights(l.slot, modelStore, a.bytes, a.name, a.adapterConfig);
      l.info.lm = { ...info(l), ...(storageError ? { notice: storageError } : {}) };
      return l.info.lm;
    }),
  };
}
