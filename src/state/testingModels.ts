/**
 * The fake engine's training and saved-model methods (see testing.ts): an in-memory model store,
 * training that reports one progress event per step, and the real client's abort behaviour on demand.
 */
import { StudioError } from '../errors/StudioError';
import type { CallOptions, EngineClient, LmInfo, ModelList, TrainRequest, TrainSummary } from '../workers/protocol';

export interface FakeTrainOptions {
  /** Training waits for this after its first step (lets tests pause / stop mid-run). */
  holdTrain?: Promise<void>;
  /** Train throws this after its first step. */
  trainError?: Error;
  /** Checkpoints cannot be saved (summary.storageError). */
  storageFull?: boolean;
}

type Methods = Pick<EngineClient, 'train' | 'stopTraining' | 'pauseTraining' | 'listModels' | 'useModel' | 'renameModel' | 'deleteModel' | 'exportWeights' | 'importWeights'>;

export function fakeModelMethods(o: FakeTrainOptions, base: LmInfo) {
  const trains: { args: TrainRequest; opts?: CallOptions }[] = [];
  const pauses: boolean[] = [];
  const stops = { count: 0 };
  let stopCtl: AbortController | null = null;
  const uses: (string | null)[] = [];
  const imports: { bytes: Uint8Array; name: string; adapterConfig?: string }[] = [];
  const saved: ModelList['models'] = [];
  let active: string | null = null;
  let nextId = 0;
  const current = () => saved.find((m) => m.id === active);
  const lm = (): LmInfo => ({ ...base, modelId: active, modelName: current()?.name ?? 'Pack model', modelKind: current()?.kind ?? 'full' });
  const list = (): ModelList => ({ active, activeName: lm().modelName, activeKind: lm().modelKind, models: saved.map((m) => ({ ...m, history: m.history.slice() })) });
  const find = (id: string) => {
    const m = saved.find((x) => x.id === id);
    if (!m) throw new StudioError('MODEL_FETCH_FAILED', 'that saved model is no longer in browser storage');
    return m;
  };

  const methods: Methods = {
    async train(args, opts) {
      if (opts?.signal?.aborted) throw new StudioError('CANCELLED'); // as the real client: a cancelled call is never sent
      trains.push({ args, opts });
      // Like the engine: a resumed run continues the saved model's plan, history and id.
      const resumed = args.resumeId ? find(args.resumeId) : null;
      if (resumed && !resumed.plan) throw new StudioError('TRAIN_INVALID', 'no plan to resume');
      if (resumed && JSON.stringify(resumed.plan!.clips) !== JSON.stringify(args.clips.map((c) => ({ name: c.name, caption: c.caption, frames: c.t })))) {
        throw new StudioError('TRAIN_INVALID', 'training: the checkpoint was trained on different clips');
      }
      const steps = resumed ? resumed.plan!.steps : (args.options.steps ?? 300);
      const id = resumed?.id ?? `model-${++nextId}`;
      const history: [number, number, number | null][] = resumed?.history.slice() ?? [];
      const kind = resumed?.kind ?? args.method ?? 'full';
      // Like the engine: a fresh LoRA run goes back to the pack's own weights before it starts.
      if (kind === 'lora' && !resumed) active = null;
      const plan = resumed?.plan ?? {
        steps, options: args.options, clips: args.clips.map((c) => ({ name: c.name, caption: c.caption, frames: c.t })), ...(kind === 'lora' ? { method: kind } : {}),
      };
      // Like the engine: stopTraining (or cancelling the call) ends the run after the current step.
      const stop = new AbortController();
      stopCtl = stop;
      opts?.signal?.addEventListener('abort', () => stop.abort());
      const signal = stop.signal;
      const run = async (): Promise<TrainSummary> => {
        let step = resumed?.step ?? 0;
        const first = step + 1;
        while (step < steps && !signal?.aborted) {
          step++;
          const loss = 5 - step / steps;
          const valLoss = step === steps || step % 25 === 0 ? loss + 0.2 : undefined;
          history.push([step, loss, valLoss ?? null]);
          opts?.onProgress?.({
            phase: 'train', value: step / steps, label: `step ${step}`,
            training: { step, steps, loss, valLoss, lr: 2e-5, tokensPerSecond: 1200, etaSeconds: steps - step },
          });
          if (step === first && o.trainError) throw o.trainError;
          if (step === first && o.holdTrain) await Promise.race([o.holdTrain, new Promise((r) => signal?.addEventListener('abort', r))]);
          await Promise.resolve();
        }
        if (!o.storageFull) {
          if (resumed) saved.splice(saved.indexOf(resumed), 1);
          saved.unshift({ id, name: args.name, kind, step, updatedAt: Date.now(), bytes: kind === 'lora' ? 100 : 1000, history, plan });
        }
        active = id;
        const last = history.at(-1)!;
        return {
          id, kind, step, steps, stopped: step < steps, loss: last[1], valLoss: last[2] ?? undefined,
          ...(o.storageFull ? { storageError: 'The browser storage is full, so this could not be saved. It is kept in memory.' } : {}),
        };
      };
      try {
        return await run();
      } finally {
        stopCtl = null;
      }
    },
    async stopTraining() {
      stops.count++;
      stopCtl?.abort();
      return { stopping: stopCtl !== null };
    },
    async pauseTraining({ paused }) {
      pauses.push(paused);
      return { paused };
    },
    async listModels() {
      return list();
    },
    async useModel({ id }) {
      uses.push(id);
      if (id !== null) find(id);
      active = id;
      return lm();
    },
    async renameModel({ id, name }) {
      find(id).name = name.trim();
      return list();
    },
    async deleteModel({ id }) {
      saved.splice(saved.indexOf(find(id)), 1);
      if (active === id) active = null;
      return list();
    },
    async exportWeights() {
      const name = lm().modelName.replace(/[^\w.-]+/g, '-');
      const kind = lm().modelKind ?? 'full';
      return { bytes: Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]), fileName: `${name}${kind === 'lora' ? '.lora' : ''}.safetensors`, config: {}, kind };
    },
    async importWeights({ bytes, name, adapterConfig }) {
      imports.push({ bytes, name, ...(adapterConfig !== undefined ? { adapterConfig } : {}) });
      if (bytes.length < 16) throw new StudioError('MODEL_INTEGRITY', 'safetensors: file too short');
      const id = `model-${++nextId}`;
      const kind = adapterConfig !== undefined ? 'lora' : 'full';
      saved.unshift({ id, name, kind, step: 0, updatedAt: Date.now(), bytes: bytes.length, history: [] });
      active = id;
      return lm();
    },
  };
  return { methods, trains, pauses, stops, uses, imports, saved, active: () => active };
}
