import { heardFields } from '../eval/describe';
import { StudioError } from '../errors/StudioError';
import { DEFAULT_LORA_LR, DEFAULT_TRAIN_OPTIONS } from '../lm/train/options'; // plain constants: no tfjs in the UI bundle
import { availableGroups, DEFAULT_LORA_ALPHA, DEFAULT_LORA_RANK, targetsOfGroups, type LoraGroup } from '../lm/loraTargets'; // no tfjs
import type { LmInfo, TrainClipInput, TrainMethod, TrainRequest, TrainSummary } from '../workers/protocol';
import type { SliceContext } from './context';
import { isCancel, toErrorInfo } from './errors';
import type { SavedModel, TrainingSlice, TrainPoint, TrainSettings } from './trainingTypes';
import type { StudioState } from './types';

type Conditioning = LmInfo['conditioning'];

/** Peak lr per method before the engine has said the model's (the engine's defaults: musicgen-small's). */
export const DEFAULT_LR: Record<TrainMethod, number> = { full: DEFAULT_TRAIN_OPTIONS.lr, lora: DEFAULT_LORA_LR };

/** The lr a run will use: the user's, else the model's default for the method. */
export const effectiveLr = (st: TrainSettings, modelLr: Record<TrainMethod, number> = DEFAULT_LR): number => st.lr ?? modelLr[st.method];

/** The engine's defaults, in the panel's units (crop in seconds). */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  name: '', method: 'full', loraRank: DEFAULT_LORA_RANK, loraAlpha: null, loraGroups: null, loraDropout: 0, steps: 300, lr: null, cropSeconds: 5, batchSize: 2, condDropout: 0.3,
};

const loraRank = (st: TrainSettings) => Math.max(1, Math.round(st.loraRank));

/** The LoRA alpha a run will use: the user's, else the engine's default ratio to the rank (twice). */
export const effectiveLoraAlpha = (st: TrainSettings): number => st.loraAlpha ?? (DEFAULT_LORA_ALPHA / DEFAULT_LORA_RANK) * loraRank(st);

/** The target groups a run will use on a model of this conditioning: the user's (those the model has), else all it has. */
export function effectiveLoraGroups(st: TrainSettings, conditioning: Conditioning = 'cross'): LoraGroup[] {
  const have = availableGroups(conditioning);
  return st.loraGroups ? have.filter((g) => st.loraGroups!.includes(g)) : have;
}

/** Trainable LoRA parameters of the panel's settings, from the engine's per-group counts (linear in the rank). */
export function loraTrainableParams(st: TrainSettings, lm: Pick<LmInfo, 'conditioning' | 'loraParamsPerRank'>): number {
  return loraRank(st) * effectiveLoraGroups(st, lm.conditioning).reduce((sum, g) => sum + (lm.loraParamsPerRank[g] ?? 0), 0);
}

/** `patch` applied to `st` (an lr left at null keeps following the model's default for the method). */
export function patchTrainSettings(st: TrainSettings, patch: Partial<TrainSettings>): TrainSettings {
  return { ...st, ...patch };
}

/** The method and LoRA settings of a TrainRequest for the panel's settings, on a model of this conditioning. */
export function trainMethod(st: TrainSettings, conditioning: Conditioning = 'cross'): Pick<TrainRequest, 'method' | 'lora'> {
  if (st.method !== 'lora') return { method: 'full' };
  const dropout = Math.min(0.9, Math.max(0, st.loraDropout));
  const targets = targetsOfGroups(effectiveLoraGroups(st, conditioning), conditioning);
  return { method: 'lora', lora: { rank: loraRank(st), alpha: effectiveLoraAlpha(st), targets, ...(dropout > 0 ? { dropout } : {}) } };
}


/** The engine's warmup (updates) for long runs; shorter runs warm up over a tenth of their steps. */
const MAX_WARMUP = 20;

/** The TrainRequest options for the panel's settings (crop seconds -> codec frames, warmup from steps). */
export function trainOptions(st: TrainSettings, frameRate: number, modelLr?: Record<TrainMethod, number>): Record<string, number> {
  const steps = Math.max(1, Math.round(st.steps));
  return {
    steps,
    warmup: Math.min(MAX_WARMUP, Math.round(steps / 10)),
    lr: effectiveLr(st, modelLr),
    cropFrames: Math.max(2, Math.round(st.cropSeconds * frameRate)),
    batchSize: Math.max(1, Math.round(st.batchSize)),
    condDropout: Math.min(1, Math.max(0, st.condDropout)),
  };
}

/** Every ready clip with its caption (trimmed; '' = unconditional). */
export function trainClips(s: Pick<StudioState, 'clips' | 'captions'>): TrainClipInput[] {
  const out: TrainClipInput[] = [];
  for (const c of s.clips) {
    if (c.status !== 'ready' || !c.result) continue;
    const { codes, k, t, facts } = c.result;
    out.push({ name: c.name, caption: (s.captions[c.id] ?? '').trim(), codes, k, t, ...heardFields(facts) });
  }
  return out;
}

/** A saved run that stopped before its last step, and what resuming it needs. */
export interface ResumeInfo {
  model: SavedModel;
  /** Steps done and planned. */
  step: number;
  steps: number;
  /** The run's clips found among the ready ones, in the run's order, with the run's captions; null while some are missing. */
  clips: TrainClipInput[] | null;
  /** Names of the run's clips that are not (or not identically) loaded. */
  missing: string[];
  /** Clip ids matched to the run's clips, in order (null where missing). */
  clipIds: (string | null)[];
}

/**
 * Resume state for the model in use: present when it was saved by a run that stopped early.
 * A run's clip is matched by name and frame count to a ready clip (each used once).
 */
export function resumeInfo(s: Pick<StudioState, 'clips' | 'models' | 'engine'>): ResumeInfo | null {
  const id = s.engine.info?.lm?.modelId;
  const model = id ? s.models.list.find((m) => m.id === id) : undefined;
  const plan = model?.plan;
  if (!model || !plan || model.step >= plan.steps) return null;
  const used = new Set<string>();
  const clipIds = plan.clips.map((pc) => {
    const c = s.clips.find((x) => !used.has(x.id) && x.status === 'ready' && x.name === pc.name && x.result?.t === pc.frames);
    if (!c) return null;
    used.add(c.id);
    return c.id;
  });
  const missing = plan.clips.filter((_, i) => clipIds[i] === null).map((c) => c.name);
  const clips = missing.length > 0 ? null : plan.clips.map((pc, i) => {
    const { codes, k, t, facts } = s.clips.find((c) => c.id === clipIds[i])!.result!;
    return { name: pc.name, caption: pc.caption, codes, k, t, ...heardFields(facts) }; // as the run's first part had them
  });
  return { model, step: model.step, steps: plan.steps, clips, missing, clipIds };
}

export interface TrainingOptions {
  persist: () => Promise<unknown>;
  sleep?: (ms: number) => Promise<void>;
}

export function createTrainingSlice(ctx: SliceContext, o: TrainingOptions): TrainingSlice {
  let controller: AbortController | null = null;
  let persistAsked = false;
  const announce = (text: string) => ctx.get().announce(text);
  const setTraining = (p: Partial<StudioState['training']>) => ctx.set((s) => ({ training: { ...s.training, ...p } }));
  const fail = (err: unknown) => {
    const error = toErrorInfo(err);
    setTraining({ error });
    announce(`Training failed: ${error.message}`);
  };

  function finish(summary: TrainSummary, name: string) {
    const notice = summary.storageError;
    setTraining({ summary, notice });
    ctx.set((s) => {
      const info = s.engine.info;
      if (!info?.lm) return {};
      const lm = { ...info.lm, modelId: summary.id, modelName: name, modelKind: summary.kind, notice };
      return { engine: { ...s.engine, info: { ...info, lm } } };
    });
    const val = summary.valLoss !== undefined ? ` · val ${summary.valLoss.toFixed(2)}` : '';
    announce(
      summary.stopped
        ? `Training stopped at step ${summary.step} of ${summary.steps}; ${name} is in use.`
        : `Training done: ${summary.steps} steps, loss ${summary.loss.toFixed(2)}${val}. ${name} is in use.`,
    );
  }

  /**
   * After a failed run the engine may hold other weights than before it (what the run learnt
   * before failing, or the pack's own that a LoRA run went back to): take its word for which.
   */
  async function syncModelInUse(): Promise<void> {
    try {
      const list = await ctx.engine.listModels({});
      ctx.set((s) => {
        const info = s.engine.info;
        if (!info?.lm || list.activeName === undefined) return {};
        if (info.lm.modelId === list.active && info.lm.modelName === list.activeName) return {};
        const lm = { ...info.lm, modelId: list.active, modelName: list.activeName, modelKind: list.activeKind ?? info.lm.modelKind };
        return { engine: { ...s.engine, info: { ...info, lm } } };
      });
    } catch {
      /* the list refresh that follows reports it */
    }
  }

  /** A new run from the panel's settings on every ready clip. */
  function fresh(): void | Promise<void> {
    const s = ctx.get();
    const info = s.engine.info;
    if (!info?.lm) return fail(new StudioError('TRAIN_INVALID', 'this model pack has no language model to fine-tune'));
    const clips = trainClips(s);
    if (clips.length === 0) return fail(new StudioError('TRAIN_INVALID', 'add at least one tokenized clip to train on'));
    const method = trainMethod(s.trainSettings, info.lm.conditioning);
    if (method.lora?.targets?.length === 0) return fail(new StudioError('TRAIN_INVALID', 'pick at least one part of the model for the LoRA adapters'));
    const name = s.trainSettings.name.trim() || `${s.trainSettings.method === 'lora' ? 'LoRA' : 'Fine-tune'} ${s.models.list.length + 1}`;
    return run({ name, clips, options: trainOptions(s.trainSettings, info.codec.frameRate, info.lm.trainLr), ...method }, []);
  }

  async function run(request: TrainRequest, history: TrainPoint[]): Promise<void> {
    const { name, clips } = request;
    const ac = new AbortController();
    controller = ac;
    ctx.set({ training: { running: true, paused: false, stopping: false, history } });
    announce(`${request.resumeId ? 'Resuming' : 'Training'} ${name} on ${clips.length} clip${clips.length === 1 ? '' : 's'}…`);
    if (!persistAsked) {
      persistAsked = true;
      try {
        await o.persist(); // keep saved models from eviction; refusal is fine
      } catch {
        /* ignored */
      }
    }
    let lastTenth = 0;
    try {
      await ctx.gate.wait();
      const summary: TrainSummary = await ctx.engine.train(request, {
          signal: ac.signal,
          onProgress: (p) => {
            const t = p.training;
            if (controller !== ac || !t) return;
            ctx.set((st) => ({
              training: { ...st.training, progress: t, history: [...st.training.history, [t.step, t.loss, t.valLoss ?? null]] },
            }));
            const tenth = Math.floor((t.step / t.steps) * 10);
            if (tenth > lastTenth && tenth < 10) {
              lastTenth = tenth;
              announce(`Training ${name}: ${tenth * 10}% (step ${t.step} of ${t.steps}, loss ${t.loss.toFixed(2)})`);
            }
          },
        });
      finish(summary, name);
      await syncModelInUse(); // the engine's word on the model in use (a run stopped before its first step changed nothing)
    } catch (err) {
      if (isCancel(err)) announce(`Training ${name} stopped before its first step; nothing changed.`);
      else fail(err);
      await syncModelInUse();
    } finally {
      if (controller === ac) controller = null;
      setTraining({ running: false, paused: false, stopping: false });
      void ctx.get().refreshModels();
    }
  }

  return {
    captions: {},
    trainSettings: { ...DEFAULT_TRAIN_SETTINGS },
    training: { running: false, paused: false, stopping: false, history: [] },
    setCaption(clipId, text) {
      ctx.set((s) => ({ captions: { ...s.captions, [clipId]: text } }));
    },
    setTrainSettings(patch) {
      ctx.set((s) => ({ trainSettings: patchTrainSettings(s.trainSettings, patch) }));
    },
    async train() {
      if (ctx.get().training.running) return;
      await fresh();
    },
    async resumeTraining() {
      const s = ctx.get();
      if (s.training.running) return;
      const r = resumeInfo(s);
      if (!r) return fail(new StudioError('TRAIN_INVALID', 'the model in use has no unfinished training run to resume'));
      if (!r.clips) return fail(new StudioError('TRAIN_INVALID', `to resume, add the clips it was trained on: ${r.missing.join(', ')}`));
      // The run's captions go back into the clips' caption fields, so what is shown is what trains.
      const captions = { ...s.captions };
      r.clipIds.forEach((id, i) => id && (captions[id] = r.clips![i].caption));
      ctx.set({ captions });
      const plan = r.model.plan!;
      await run({ name: r.model.name, clips: r.clips, options: plan.options, resumeId: r.model.id }, r.model.history.filter((p) => p[0] <= r.step));
    },
    stopTraining() {
      const s = ctx.get().training;
      if (!controller || !s.running || s.stopping) return;
      setTraining({ stopping: true });
      announce('Stopping after the current step; the model is saved…');
      // Graceful: the engine ends the step, saves, and `train` resolves with stopped = true. If the
      // engine has not got the run yet (it is still starting here), the call is cancelled instead.
      const ac = controller;
      void ctx.engine.stopTraining({}).then((r) => { if (!r.stopping && controller === ac) ac.abort(); }, fail);
    },
    async setTrainingPaused(paused) {
      const s = ctx.get().training;
      if (!s.running || s.stopping) return;
      setTraining({ paused });
      try {
        const r = await ctx.engine.pauseTraining({ paused });
        if (!ctx.get().training.running) return;
        setTraining({ paused: r.paused });
        if (r.paused === paused) announce(paused ? 'Training paused.' : 'Training resumed.');
      } catch (err) {
        fail(err);
      }
    },
    dismissTrainingError() {
      setTraining({ error: undefined, notice: undefined });
    },
  };
}
