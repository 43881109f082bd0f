import { StudioError } from '../errors/StudioError';
import { disposeLm, lmFromTensors, loadLm, readSafetensors, saveLm, type Lm, type LmConfig } from '../lm';
import { readCheckpoint, Trainer, type TrainClip, type TrainOptions } from '../lm/train';
import type { ModelStore, SavedModelMeta, TrainPlan } from '../runtime/modelStore';
import type { T5Encoder } from '../text/t5Encoder';
import type { TextTokenizer } from '../text/tokenizer';
import { encodePrompt } from '../text/prompt';
import type { CallContext, ModelList, TrainRequest, TrainSummary } from './protocol';

/** The LM slot the engine generates with: which weights are in it and where they came from. */
export interface LmSlot {
  lm: Lm;
  config: LmConfig;
  packId: string;
  /** The pack's own weights, to go back to. */
  baseWeights: Uint8Array;
  modelId: string | null;
  modelName: string;
}

export const BASE_NAME = 'Pack model';

const newId = () => `m${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export function swapLm(slot: LmSlot, lm: Lm, id: string | null, name: string): void {
  const old = slot.lm;
  slot.lm = lm;
  slot.modelId = id;
  slot.modelName = name;
  disposeLm(old);
}

export async function modelList(store: ModelStore, slot: LmSlot): Promise<ModelList> {
  const models = (await store.list()).filter((m) => m.packId === slot.packId);
  return { active: slot.modelId, models: models.map(({ id, name, step, updatedAt, bytes, history, plan }) => ({ id, name, step, updatedAt, bytes, history, plan })) };
}

/**
 * Fine-tunes the slot's LM in place on captioned clips. Every checkpoint is saved to the store
 * under one model id; a full store is reported in the summary and training goes on in memory.
 */
export async function runTraining(slot: LmSlot, store: ModelStore, text: { tokenizer: TextTokenizer; t5: T5Encoder },
  a: TrainRequest, ctx: CallContext, trainers: { current: Trainer | null; stop: AbortController | null }): Promise<TrainSummary> {
  if (a.clips.length === 0) throw new StudioError('TRAIN_INVALID', 'add at least one tokenized clip to train on');
  const clips: TrainClip[] = [];
  for (const c of a.clips) {
    const p = await encodePrompt(text.tokenizer, text.t5, c.caption, { signal: ctx.signal });
    clips.push({
      name: c.name, caption: c.caption, codes: c.codes, frames: c.t,
      text: p.ids.length ? { states: p.states, tokens: p.dims.s, mask: Uint8Array.from(p.mask) } : null,
    });
  }
  const resumed = a.resumeId ? await store.get(a.resumeId) : null;
  if (a.resumeId && !resumed) throw new StudioError('TRAIN_INVALID', 'the model to resume was not found in browser storage');
  const id = resumed?.id ?? newId();
  const created = resumed?.createdAt ?? Date.now();
  const resumeFrom = resumed ? readCheckpoint(resumed.checkpoint, slot.lm) : undefined;
  const history: SavedModelMeta['history'] = resumed?.history.filter((p) => p[0] <= resumeFrom!.step) ?? [];
  // A resumed run keeps its own options (the lr schedule and crop stream depend on them).
  const options: Partial<TrainOptions> = resumeFrom ? resumeFrom.options : (a.options as Partial<TrainOptions>);
  let storageError: string | undefined;
  let saved = false;
  // Graceful stop (stopTraining) and a hard cancel of the call both end the run after this step.
  const stop = new AbortController();
  ctx.signal.addEventListener('abort', () => stop.abort(), { once: true });
  const trainer = new Trainer(slot.lm, clips, options, {
    signal: stop.signal,
    onStep: (i) => {
      history.push([i.step, i.loss, i.valLoss ?? null]);
      ctx.progress({
        phase: 'train', value: i.step / i.steps,
        label: `Training: step ${i.step} / ${i.steps} · loss ${i.loss.toFixed(3)}${i.valLoss !== undefined ? ` · val ${i.valLoss.toFixed(3)}` : ''} · ${Math.ceil(i.etaSeconds)} s left`,
        training: { step: i.step, steps: i.steps, loss: i.loss, valLoss: i.valLoss, lr: i.lr, tokensPerSecond: i.tokensPerSecond, etaSeconds: i.etaSeconds },
      });
    },
    onCheckpoint: async (bytes, step) => {
      try {
        await store.put({ id, name: a.name, packId: slot.packId, createdAt: created, updatedAt: Date.now(), step, history, bytes: bytes.length, checkpoint: bytes, plan });
        saved = true;
      } catch (e) {
        storageError = e instanceof StudioError ? e.message : String(e);
      }
    },
  }, resumeFrom);
  const plan: TrainPlan = resumed?.plan ?? {
    steps: trainer.options.steps, options: a.options, clips: clips.map(({ name, caption, frames }) => ({ name, caption, frames })),
  };
  trainers.current = trainer;
  trainers.stop = stop;
  // Once any step has run, the weights in the slot are this model's (also after a divergence
  // rollback to a checkpoint of this run); name the slot after it even if saving failed.
  let stepsRun = resumeFrom?.step ?? 0;
  try {
    const r = await trainer.run();
    stepsRun = r.step;
    return { id, step: r.step, steps: trainer.options.steps, stopped: r.stopped, loss: r.loss, valLoss: r.valLoss, storageError };
  } catch (e) {
    if (saved) stepsRun = Math.max(stepsRun, 1);
    throw e;
  } finally {
    trainers.current = null;
    trainers.stop = null;
    if (stepsRun > 0 || saved) {
      slot.modelId = saved ? id : null;
      slot.modelName = saved ? a.name : `${a.name} (not saved)`;
    }
  }
}

/** Loads a saved model's weights into the slot. */
export async function useSaved(slot: LmSlot, store: ModelStore, id: string | null): Promise<void> {
  if (id === null) {
    swapLm(slot, loadLm(slot.config, slot.baseWeights), null, BASE_NAME);
    return;
  }
  const m = await store.get(id);
  if (!m) throw new StudioError('MODEL_FETCH_FAILED', 'that saved model is no longer in browser storage');
  // A training checkpoint (weights + optimizer moments) or imported plain weights: keep the weights.
  const { tensors } = readSafetensors(m.checkpoint);
  for (const name of [...tensors.keys()]) if (name.startsWith('optimizer.')) tensors.delete(name);
  swapLm(slot, lmFromTensors(slot.config, tensors), m.id, m.name);
}

/** Imports Hugging Face-named safetensors (validated against the config), saves and uses them. */
export async function importWeights(slot: LmSlot, store: ModelStore, bytes: Uint8Array, name: string): Promise<string | undefined> {
  const lm = lmFromTensors(slot.config, readSafetensors(bytes).tensors);
  const id = newId();
  swapLm(slot, lm, id, name);
  try {
    await store.put({ id, name, packId: slot.packId, createdAt: Date.now(), updatedAt: Date.now(), step: 0, history: [], bytes: bytes.length, checkpoint: await saveLm(lm) });
    return undefined;
  } catch (e) {
    return e instanceof StudioError ? e.message : String(e);
  }
}
