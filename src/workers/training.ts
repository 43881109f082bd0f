import { StudioError } from '../errors/StudioError';
import {
  availableGroups, createLora, POSITIONS_NAME, disposeLm, disposeLora, groupTargets, lmFromTensors, loadLora, loadPeftLora, loraParamCount, mergeLora, readSafetensors,
  saveLm, saveLora, type Lm, type LmConfig, type Lora, type LoraGroup,
} from '../lm';
import { clockOnDownbeat, keyIndex, NO_CLOCK, withKey } from '../lm/beatClock';
import type { MelodyChroma } from '../lm/melody';
import { DEFAULT_LORA_LR, loraFromCheckpoint, readCheckpoint, resolveOptions, Trainer, type Checkpoint, type TrainClip, type TrainOptions } from '../lm/train';
import { savedNameOf, unsavedLabel, type ModelKind, type ModelStore, type SavedModelMeta, type TrainPlan } from '../runtime/modelStore';
import type { T5Encoder } from '../text/t5Encoder';
import type { TextTokenizer } from '../text/tokenizer';
import { encodePrompt } from '../text/prompt';
import { paramCount } from '../lm/memory';
import { planTrainingMemory } from './memoryChecks';
import type { CallContext, ModelList, TrainClipInput, TrainMethod, TrainRequest, TrainSummary } from './protocol';

/**
 * The LM slot the engine generates with: which weights are in it and where they came from.
 *
 * A LoRA model in use is its adapter merged into the pack's own weights (mergeLora: generation
 * at the base model's speed). Adapters never stack: a LoRA is always applied to the pack's own
 * weights, and leaving it (another model, the base, training) reloads them with `loadBase`
 * rather than subtracting the update, so the base stays bit-exact however often one switches,
 * and no copy of the base is held while an adapter is in use.
 */
export interface LmSlot {
  lm: Lm;
  config: LmConfig;
  packId: string;
  /** A fresh LM with the pack's own weights (from the pack bytes, or read again from the pack cache). */
  loadBase: () => Promise<Lm>;
  /** `lm` holds the pack's own weights exactly (with `lora` merged into them when set). */
  onBase: boolean;
  /** The adapter merged into `lm` (a LoRA model is in use), or null. Owned by the slot. */
  lora: Lora | null;
  modelId: string | null;
  modelName: string;
}

export const BASE_NAME = 'Pack model';

const newId = () => `m${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** What the slot holds: a full model, or an adapter on the pack's weights. */
export const slotKind = (slot: LmSlot): ModelKind => (slot.lora ? 'lora' : 'full');

/** Puts `lm` in the slot (disposing the old LM and any adapter merged into it). */
export function swapLm(slot: LmSlot, lm: Lm, id: string | null, name: string, onBase = false): void {
  const old = slot.lm;
  const oldLora = slot.lora;
  slot.lm = lm;
  slot.lora = null;
  slot.onBase = onBase;
  slot.modelId = id;
  slot.modelName = name;
  disposeLm(old);
  if (oldLora) disposeLora(oldLora);
}

/** The pack's own weights, unadapted, in the slot (reloaded unless they already are). */
export async function toBase(slot: LmSlot): Promise<void> {
  if (slot.onBase && !slot.lora) return;
  swapLm(slot, await slot.loadBase(), null, BASE_NAME, true);
}

/** Merges `lora` into the slot's pack weights and names the slot after it (the slot takes ownership). */
async function useAdapter(slot: LmSlot, lora: Lora, id: string | null, name: string): Promise<void> {
  try {
    await toBase(slot);
    mergeLora(slot.lm, lora);
  } catch (e) {
    disposeLora(lora);
    throw e;
  }
  slot.lora = lora;
  slot.modelId = id;
  slot.modelName = name;
}

/** Adapters from a LoRA training checkpoint (adapters + moments) or an adapter file, checked against `lm`'s config (ADAPTER_INVALID). */
function adapterFrom(lm: Lm, bytes: Uint8Array): Lora {
  const { metadata } = readSafetensors(bytes);
  return metadata['studio.checkpoint'] !== undefined ? loraFromCheckpoint(lm, bytes) : loadLora(lm, bytes);
}

/** An adapter file: studio metadata, or (refused with a clear message by loadLora) PEFT-style tensor names without it. */
function isAdapterFile(tensors: Map<string, unknown>, metadata: Record<string, string>): boolean {
  return metadata['studio.lora'] !== undefined || [...tensors.keys()].some((n) => /\.lora_(A|B|embedding_A|embedding_B)(\.weight)?$/.test(n));
}

export async function modelList(store: ModelStore, slot: LmSlot): Promise<ModelList> {
  const models = (await store.list()).filter((m) => m.packId === slot.packId);
  return {
    active: slot.modelId, activeName: slot.modelName, activeKind: slotKind(slot),
    models: models.map(({ id, name, kind, step, updatedAt, bytes, history, plan }) => ({ id, name, kind: kind ?? 'full', step, updatedAt, bytes, history, plan })),
  };
}

/** Trainable LoRA parameters per unit of rank, per target group the LM has (the count is linear in the rank and additive over targets). */
export function loraParamsPerRank(cfg: LmConfig): Partial<Record<LoraGroup, number>> {
  return Object.fromEntries(availableGroups(cfg.conditioning).map((g) => [g, loraParamCount(cfg, { rank: 1, targets: groupTargets(g, cfg.conditioning) })]));
}

/**
 * Fine-tunes on captioned clips. Method 'full' trains the slot's LM in place (from the pack's own
 * weights when a LoRA model is in use); 'lora' trains adapters on the pack's own weights and
 * merges them in when done. Every checkpoint is saved to the store under one model id (a LoRA
 * run's hold its adapters alone; its finished model is the adapter file); a full store is
 * reported in the summary and training goes on in memory.
 */
export async function runTraining(slot: LmSlot, store: ModelStore, text: { tokenizer: TextTokenizer; t5: T5Encoder },
  a: TrainRequest, ctx: CallContext, trainers: Trainers,
  where: { bytes: number; backend: string; frameRate: number; melodyOf?: (c: TrainClipInput) => Promise<MelodyChroma> }): Promise<TrainSummary> {
  const { frameRate } = where; // the codec's: clip clocks count its frames
  if (a.clips.length === 0) throw new StudioError('TRAIN_INVALID', 'add at least one tokenized clip to train on');
  // Graceful stop (stopTraining) and a hard cancel of the call both end the run after this step; a
  // Stop pressed while the run is still starting (queued, encoding captions) ends it before its first.
  const stop = new AbortController();
  ctx.signal.addEventListener('abort', () => stop.abort(), { once: true });
  if (trainers.asked.stop) stop.abort();
  trainers.stop = stop;
  const resumed = a.resumeId ? await store.get(a.resumeId) : null;
  if (a.resumeId && !resumed) throw new StudioError('TRAIN_INVALID', 'the model to resume was not found in browser storage');
  // A resumed run keeps its own method (and options, below).
  const method: TrainMethod = resumed ? (resumed.kind ?? 'full') : (a.method ?? 'full');
  if (method !== 'full' && method !== 'lora') throw new StudioError('TRAIN_INVALID', `unknown training method ${JSON.stringify(method)}`);
  const clips: TrainClip[] = [];
  for (const c of a.clips) {
    const p = await encodePrompt(text.tokenizer, text.t5, c.caption, { signal: ctx.signal });
    // The clip's clock (its steady tempo) and key (when clear), for an LM that takes them.
    const beat = slot.config.beatClock && c.tempo ? clockOnDownbeat(c.tempo, frameRate) : undefined;
    const key = slot.config.keyChannel && c.key ? keyIndex(c.key.tonic, c.key.mode) : undefined;
    const clock = beat || key !== undefined ? { clock: withKey(beat ?? NO_CLOCK, key) } : {};
    const melody = where.melodyOf ? { melody: { ...(await where.melodyOf(c)), frameRate } } : {};
    clips.push({
      name: c.name, caption: c.caption, codes: c.codes, frames: c.t,
      text: p.ids.length ? { states: p.states, tokens: p.dims.s, mask: Uint8Array.from(p.mask) } : null,
      ...clock,
      ...melody,
    });
  }
  // A resumed run keeps its own options (the lr schedule and crop stream depend on them). LoRA
  // wants a higher lr than a full fine-tune (fewer, freshly initialised parameters).
  const requested: Partial<TrainOptions> = method === 'lora' ? { lr: DEFAULT_LORA_LR, ...a.options } : (a.options as Partial<TrainOptions>);
  let lora: Lora | null = null;
  if (method === 'lora') {
    // Built against the slot's LM (any weights of this config will do for the shapes) before
    // the slot changes, so a bad request or checkpoint leaves the model in use alone.
    lora = resumed ? loraFromCheckpoint(slot.lm, resumed.checkpoint) : createLora(slot.lm, a.lora ?? {}, resolveOptions(requested).seed);
  }
  let resumeFrom: Checkpoint | undefined;
  let recompute = false;
  try {
    resumeFrom = resumed ? readCheckpoint(resumed.checkpoint, lora ?? slot.lm) : undefined;
    const o = resolveOptions(resumeFrom ? resumeFrom.options : requested);
    const run = {
      batch: o.batchSize, cropFrames: Math.min(o.cropFrames, Math.max(...clips.map((c) => c.frames))),
      textTokens: Math.max(1, ...clips.map((c) => c.text?.tokens ?? 0)),
      trainableParams: lora ? loraParamCount(slot.config, lora.config) : paramCount(slot.config), method,
    };
    ({ recompute } = planTrainingMemory(slot.config, run, where.bytes, where.backend));
    // LoRA trains on the pack's own weights; a full run leaves an adapter's model for them too.
    if (lora || slot.lora) await toBase(slot);
  } catch (e) {
    if (lora) disposeLora(lora);
    throw e;
  }
  const id = resumed?.id ?? newId();
  const created = resumed?.createdAt ?? Date.now();
  const history: SavedModelMeta['history'] = resumed?.history.filter((p) => p[0] <= resumeFrom!.step) ?? [];
  const options: Partial<TrainOptions> = resumeFrom ? resumeFrom.options : requested;
  let storageError: string | undefined;
  // A resumed run's checkpoint is in storage already: until a step moves the weights, they are saved.
  let saved = false;
  const trainer: Trainer = new Trainer(slot.lm, clips, options, {
    signal: stop.signal,
    recompute,
    onStep: (i) => {
      history.push([i.step, i.loss, i.valLoss ?? null]);
      ctx.progress({
        phase: 'train', value: i.step / i.steps,
        label: `Training${lora ? ' LoRA' : ''}: step ${i.step} / ${i.steps} · loss ${i.loss.toFixed(3)}${i.valLoss !== undefined ? ` · val ${i.valLoss.toFixed(3)}` : ''} · ${Math.ceil(i.etaSeconds)} s left`,
        training: { step: i.step, steps: i.steps, loss: i.loss, valLoss: i.valLoss, lr: i.lr, tokensPerSecond: i.tokensPerSecond, etaSeconds: i.etaSeconds },
      });
    },
    onCheckpoint: async (ckpt, step) => {
      try {
        // A finished LoRA run keeps the adapter file alone (its moments only serve a resume).
        const bytes = lora && step === trainer.options.steps ? await saveLora(lora, { name: a.name, step: String(step) }) : ckpt;
        await store.put({ id, name: a.name, kind: method, packId: slot.packId, createdAt: created, updatedAt: Date.now(), step, history, bytes: bytes.length, checkpoint: bytes, plan });
        saved = true;
      } catch (e) {
        storageError = e instanceof StudioError ? e.message : String(e);
      }
    },
  }, resumeFrom, lora ?? undefined);
  const plan: TrainPlan = resumed?.plan ?? {
    steps: trainer.options.steps, options: a.options, clips: clips.map(({ name, caption, frames }) => ({ name, caption, frames })),
    ...(lora ? { method, lora: { rank: lora.config.rank, alpha: lora.config.alpha, targets: [...lora.config.targets], ...(lora.config.dropout ? { dropout: lora.config.dropout } : {}) } } : {}),
  };
  trainers.current = trainer;
  if (trainers.asked.pause) trainer.pause(); // pressed while the run was starting
  try {
    const r = await trainer.run();
    return { id, kind: method, step: r.step, steps: trainer.options.steps, stopped: r.stopped, loss: r.loss, valLoss: r.valLoss, storageError };
  } finally {
    trainers.current = null;
    trainers.stop = null;
    trainers.asked = {};
    // Once the weights (or adapter) moved from where the run started, they are this model's, also when
    // the run failed (after a divergence rollback to a step of this run, or midway through a step):
    // name the slot after it even if saving failed, never after the pack's own model.
    const at = trainer.weightsStep;
    if (resumeFrom && at === resumeFrom.step) saved = true; // no step moved the resumed weights: they are the stored model
    const name = saved ? a.name : unsavedLabel(a.name);
    if (at === null || at > 0 || saved) {
      if (lora) {
        mergeLora(slot.lm, lora); // the slot is on the pack's weights (toBase above)
        slot.lora = lora;
      } else {
        slot.onBase = false;
      }
      slot.modelId = saved ? id : null;
      slot.modelName = name;
    } else if (lora) {
      disposeLora(lora);
    }
  }
}

/** The engine's running training, and Stop / Pause pressed before it had a Trainer (queued or starting). */
export interface Trainers {
  current: Trainer | null;
  stop: AbortController | null;
  asked: { stop?: boolean; pause?: boolean };
  /** Train calls accepted and not yet answered (queued behind other engine work, or running). */
  pending: number;
}

/** Loads a saved model into the slot (null = the pack's own weights); a LoRA model is merged into the pack's own weights. */
export async function useSaved(slot: LmSlot, store: ModelStore, id: string | null): Promise<void> {
  if (id === null) {
    swapLm(slot, await slot.loadBase(), null, BASE_NAME, true);
    return;
  }
  const m = await store.get(id);
  if (!m) throw new StudioError('MODEL_FETCH_FAILED', 'that saved model is no longer in browser storage');
  if (m.kind === 'lora') {
    // Read and checked before the slot changes: a bad adapter leaves the model in use alone.
    await useAdapter(slot, adapterFrom(slot.lm, m.checkpoint), m.id, m.name);
    return;
  }
  // A training checkpoint (weights + optimizer moments) or imported plain weights: keep the weights.
  const { tensors } = readSafetensors(m.checkpoint);
  for (const name of [...tensors.keys()]) if (name.startsWith('optimizer.')) tensors.delete(name);
  // A checkpoint holds the variables only: the position table is the one the model trained with
  // (the pack's, which may be a float16 copy; a recomputed sinusoid would differ in the last bits).
  if (!tensors.has(POSITIONS_NAME)) tensors.set(POSITIONS_NAME, { shape: slot.lm.positions.shape, data: (await slot.lm.positions.data()) as Float32Array });
  swapLm(slot, lmFromTensors(slot.config, tensors), m.id, m.name);
}

/**
 * Imports Hugging Face-named safetensors (validated against the config), or an adapter file
 * (checked against the pack's LM; ADAPTER_INVALID on a mismatch), saves and uses them. An adapter
 * without studio metadata is read as Hugging Face PEFT's with `adapterConfig` (the text of its
 * adapter_config.json); either way it is saved in the studio's adapter format.
 */
export async function importWeights(slot: LmSlot, store: ModelStore, bytes: Uint8Array, name: string, adapterConfig?: string): Promise<string | undefined> {
  const { tensors, metadata } = readSafetensors(bytes);
  const id = newId();
  let kind: ModelKind;
  let save: () => Promise<Uint8Array>;
  if (isAdapterFile(tensors, metadata)) {
    const peft = metadata['studio.lora'] === undefined && metadata['studio.checkpoint'] === undefined && adapterConfig !== undefined;
    const lora = peft ? loadPeftLora(slot.lm, bytes, adapterConfig) : adapterFrom(slot.lm, bytes);
    await useAdapter(slot, lora, id, name);
    kind = 'lora';
    save = () => saveLora(lora, { name, ...(peft ? { source: 'peft' } : {}) });
  } else {
    const lm = lmFromTensors(slot.config, tensors);
    swapLm(slot, lm, id, name);
    kind = 'full';
    save = () => saveLm(lm);
  }
  try {
    const stored = await save();
    await store.put({ id, name, kind, packId: slot.packId, createdAt: Date.now(), updatedAt: Date.now(), step: 0, history: [], bytes: stored.length, checkpoint: stored });
    return undefined;
  } catch (e) {
    return e instanceof StudioError ? e.message : String(e);
  }
}

/** The model in use as a file: the full weights, or the adapter alone for a LoRA model. */
export async function exportSlot(slot: LmSlot): Promise<{ bytes: Uint8Array; fileName: string; config: LmConfig; kind: ModelKind }> {
  // Letters of any script stay ("Café tune" -> "Café-tune"); " (not saved)" is a label, not a name.
  const base = savedNameOf(slot.modelName).replace(/[^\p{L}\p{N}_.-]+/gu, '-').replace(/^-|-$/g, '') || 'model';
  if (slot.lora) {
    const bytes = await saveLora(slot.lora, { name: slot.modelName });
    return { bytes, fileName: `${base}.lora.safetensors`, config: slot.config, kind: 'lora' };
  }
  const bytes = await saveLm(slot.lm, { config: JSON.stringify(slot.config), name: slot.modelName });
  return { bytes, fileName: `${base}.safetensors`, config: slot.config, kind: 'full' };
}
