import { StudioError } from '../errors/StudioError';
import type { TrainClipInput, TrainSummary } from '../workers/protocol';
import type { SliceContext } from './context';
import { toErrorInfo } from './errors';
import type { TrainingSlice, TrainSettings } from './trainingTypes';
import type { StudioState } from './types';

/** The engine's defaults, in the panel's units (crop in seconds). */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = { name: '', steps: 300, lr: 2e-5, cropSeconds: 5, batchSize: 2, condDropout: 0.3 };


/** The TrainRequest options for the panel's settings (crop seconds -> codec frames). */
export function trainOptions(st: TrainSettings, frameRate: number): Record<string, number> {
  return {
    steps: Math.max(1, Math.round(st.steps)),
    lr: st.lr,
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
    const { codes, k, t } = c.result;
    out.push({ name: c.name, caption: (s.captions[c.id] ?? '').trim(), codes, k, t });
  }
  return out;
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
      const lm = { ...info.lm, modelId: summary.id, modelName: name, notice };
      return { engine: { ...s.engine, info: { ...info, lm } } };
    });
    const val = summary.valLoss !== undefined ? ` · val ${summary.valLoss.toFixed(2)}` : '';
    announce(
      summary.stopped
        ? `Training stopped at step ${summary.step} of ${summary.steps}; ${name} is in use.`
        : `Training done: ${summary.steps} steps, loss ${summary.loss.toFixed(2)}${val}. ${name} is in use.`,
    );
  }

  async function run(): Promise<void> {
    const s = ctx.get();
    const info = s.engine.info;
    if (!info?.lm) return fail(new StudioError('TRAIN_INVALID', 'this model pack has no language model to fine-tune'));
    const clips = trainClips(s);
    if (clips.length === 0) return fail(new StudioError('TRAIN_INVALID', 'add at least one tokenized clip to train on'));
    const name = s.trainSettings.name.trim() || `Fine-tune ${s.models.list.length + 1}`;
    const options = trainOptions(s.trainSettings, info.codec.frameRate);
    const ac = new AbortController();
    controller = ac;
    ctx.set({ training: { running: true, paused: false, stopping: false, history: [] } });
    announce(`Training ${name} on ${clips.length} clip${clips.length === 1 ? '' : 's'}…`);
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
      const summary: TrainSummary = await ctx.engine.train({ name, clips, options }, {
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
    } catch (err) {
      fail(err);
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
      ctx.set((s) => ({ trainSettings: { ...s.trainSettings, ...patch } }));
    },
    async train() {
      if (ctx.get().training.running) return;
      await run();
    },
    stopTraining() {
      const s = ctx.get().training;
      if (!controller || !s.running || s.stopping) return;
      setTraining({ stopping: true });
      announce('Stopping after the current step; the model is saved…');
      // Graceful: the engine ends the step, saves, and `train` resolves with stopped = true.
      void ctx.engine.stopTraining({}).catch(fail);
    },
    async setTrainingPaused(paused) {
      const s = ctx.get().training;
      if (!s.running || s.stopping) return;
      setTraining({ paused });
      try {
        const r = await ctx.engine.pauseTraining({ paused });
        if (ctx.get().training.running) setTraining({ paused: r.paused });
        announce(r.paused ? 'Training paused.' : 'Training resumed.');
      } catch (err) {
        fail(err);
      }
    },
    dismissTrainingError() {
      setTraining({ error: undefined, notice: undefined });
    },
  };
}
