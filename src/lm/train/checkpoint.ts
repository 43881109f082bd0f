/**
 * Fine-tuning checkpoints as one safetensors file:
 *   <HF name>              every LM variable under its Hugging Face name (so the weights part
 *                          loads with `lmFromTensors(cfg, ckpt.weights)`)
 *   optimizer.m.<HF name>  AdamW first moment      optimizer.v.<HF name>  second moment
 *   __metadata__           format "pt", studio.checkpoint "1", step, optimizer (JSON: t, betas,
 *                          eps, weightDecay), options (JSON TrainOptions), manifest (JSON clips)
 * A LoRA run's checkpoint holds the adapter matrices (PEFT names, lora.ts) and their moments in
 * place of the LM variables, plus the adapter metadata (studio.lora, rank, alpha, targets,
 * base_config; loraFile.ts); the frozen base is not in it.
 * Storage (IndexedDB / OPFS) is not done here.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../errors/StudioError';
import { isLora, type Lora, type LoraConfig } from '../lora';
import { loraFromTensors, loraMetadata, parseLoraMetadata } from '../loraFile';
import type { Lm } from '../model';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../safetensors';
import type { AdamW, AdamWState } from './adamw';
import { resolveOptions, type TrainOptions } from './options';

export const CHECKPOINT_VERSION = '1';
const M = 'optimizer.m.';
const V = 'optimizer.v.';

/** What the run trained on: enough to show, and to refuse resuming on different data. */
export interface DataManifest {
  clips: Array<{ name: string; caption: string; frames: number }>;
  holdout: 'none' | 'tail' | 'clip';
}

export interface Checkpoint {
  step: number;
  options: TrainOptions;
  manifest: DataManifest;
  /** LM variables (full fine-tuning) or adapter matrices (LoRA run). */
  weights: Map<string, NamedTensor>;
  optimizer: AdamWState;
  /** Present for a LoRA run: the adapter's rank, alpha and targets. */
  lora?: LoraConfig;
}

/** What a run trains: the whole LM, or a LoRA's matrices. */
export type Trainable = Lm | Lora;

function corrupt(detail: string): never {
  throw new StudioError('MODEL_INTEGRITY', `checkpoint: ${detail}`);
}

/** Serialise the current weights (LM or adapters), optimizer moments, step, options and manifest. */
export async function writeCheckpoint(model: Trainable, opt: AdamW, step: number, options: TrainOptions, manifest: DataManifest): Promise<Uint8Array> {
  const tensors = new Map<string, NamedTensor>();
  const state = await opt.state();
  for (const [name, v] of model.named) {
    tensors.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    const m = state.m.get(name);
    const s = state.v.get(name);
    if (m && s) {
      tensors.set(M + name, { shape: v.shape, data: m });
      tensors.set(V + name, { shape: v.shape, data: s });
    }
  }
  const optimizer = { t: state.t, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, weightDecay: opt.weightDecay };
  return writeSafetensors(tensors, {
    format: 'pt',
    'studio.checkpoint': CHECKPOINT_VERSION,
    step: String(step),
    optimizer: JSON.stringify(optimizer),
    options: JSON.stringify(options),
    manifest: JSON.stringify(manifest),
    ...(isLora(model) ? loraMetadata(model) : {}),
  });
}

const json = (meta: Record<string, string>, key: string): unknown => {
  try {
    return JSON.parse(meta[key] ?? '');
  } catch {
    return corrupt(`metadata ${key} is missing or not JSON`);
  }
};

function parseManifest(raw: unknown): DataManifest {
  const m = raw as DataManifest;
  const okClip = (c: unknown) => {
    const x = c as Record<string, unknown>;
    return typeof x === 'object' && x !== null && typeof x.name === 'string' && typeof x.caption === 'string' && Number.isInteger(x.frames);
  };
  if (typeof m !== 'object' || m === null || !Array.isArray(m.clips) || !m.clips.every(okClip)) corrupt('manifest has no valid clip list');
  if (!['none', 'tail', 'clip'].includes(m.holdout)) corrupt('manifest holdout is invalid');
  return { clips: m.clips.map((c) => ({ name: c.name, caption: c.caption, frames: c.frames })), holdout: m.holdout };
}

/**
 * Parse and validate a checkpoint. With `model` (the LM, or the LoRA for a LoRA checkpoint), every
 * variable must be present (weights and both moments) with its exact shape, and nothing else may
 * be. Throws StudioError MODEL_INTEGRITY.
 */
export function readCheckpoint(bytes: Uint8Array, model?: Trainable): Checkpoint {
  const { tensors, metadata } = readSafetensors(bytes);
  if (metadata['studio.checkpoint'] !== CHECKPOINT_VERSION) corrupt(`not a version ${CHECKPOINT_VERSION} training checkpoint`);
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0) corrupt(`bad step ${metadata.step}`);
  const opt = json(metadata, 'optimizer') as { t?: unknown };
  if (typeof opt !== 'object' || opt === null || !Number.isInteger(opt.t) || (opt.t as number) < 0) corrupt('optimizer metadata has no update count');
  let options: TrainOptions;
  try {
    options = resolveOptions(json(metadata, 'options') as Partial<TrainOptions>);
  } catch (err) {
    corrupt(`options are invalid (${(err as Error).message})`);
  }
  const manifest = parseManifest(json(metadata, 'manifest'));
  const weights = new Map<string, NamedTensor>();
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (name.startsWith(M)) m.set(name.slice(M.length), t.data);
    else if (name.startsWith(V)) v.set(name.slice(V.length), t.data);
    else weights.set(name, t);
  }
  for (const name of [...m.keys(), ...v.keys()]) if (!weights.has(name)) corrupt(`optimizer state for unknown weight ${name}`);
  const lora = readLoraConfig(metadata);
  if (model) {
    if (lora && !isLora(model)) corrupt('it holds LoRA adapters, not the model\'s weights: resume it with the adapter');
    if (!lora && isLora(model)) corrupt('it holds the model\'s weights, not LoRA adapters');
    const same = (a: LoraConfig, b: LoraConfig) => a.rank === b.rank && a.alpha === b.alpha && a.targets.join() === b.targets.join() && (a.dropout ?? 0) === (b.dropout ?? 0);
    if (lora && isLora(model) && !same(lora, model.config)) {
      corrupt(`its adapter is ${JSON.stringify(lora)}, the run's is ${JSON.stringify(model.config)}`);
    }
    for (const [name, variable] of model.named) {
      const w = weights.get(name);
      if (!w) corrupt(`missing weight ${name}`);
      if (w.shape.join() !== variable.shape.join()) corrupt(`${name} has shape [${w.shape}], model wants [${variable.shape}]`);
      if (m.get(name)?.length !== variable.size || v.get(name)?.length !== variable.size) corrupt(`optimizer state for ${name} is missing or misshapen`);
    }
    const unknown = [...weights.keys()].filter((n) => !model.named.has(n));
    if (unknown.length > 0) corrupt(`unexpected tensors ${unknown.slice(0, 5).join(', ')}`);
  }
  return { step, options, manifest, weights, optimizer: { t: opt.t as number, m, v }, ...(lora ? { lora } : {}) };
}

/** The adapter config of a LoRA checkpoint (rank, alpha, targets, dropout), without a base model to check against. */
function readLoraConfig(meta: Record<string, string>): LoraConfig | undefined {
  if (meta['studio.lora'] === undefined) return undefined;
  let targets: unknown;
  try {
    targets = JSON.parse(meta.targets ?? '');
  } catch {
    corrupt('LoRA targets are not JSON');
  }
  const rank = Number(meta.rank);
  const alpha = Number(meta.alpha);
  const dropout = Number(meta.dropout ?? 0);
  if (!Number.isInteger(rank) || rank < 1 || !(alpha > 0) || !Array.isArray(targets) || !(dropout >= 0 && dropout < 1)) corrupt('LoRA rank / alpha / targets / dropout are invalid');
  return { rank, alpha, targets: targets as LoraConfig['targets'], ...(dropout > 0 ? { dropout } : {}) };
}

/** The adapters of a LoRA checkpoint as a Lora on `lm` (checked: base config, names, shapes; ADAPTER_INVALID). The caller disposes it. */
export function loraFromCheckpoint(lm: Lm, bytes: Uint8Array): Lora {
  const { tensors, metadata } = readSafetensors(bytes);
  const cfg = parseLoraMetadata(metadata, lm);
  if (!cfg) throw new StudioError('ADAPTER_INVALID', 'checkpoint: it holds the model\'s weights, not LoRA adapters');
  return loraFromTensors(lm, cfg, new Map([...tensors].filter(([n]) => !n.startsWith(M) && !n.startsWith(V))));
}

/** Put a (validated) checkpoint's weights into `model` (LM or LoRA) and its moments into `opt`. */
export function applyCheckpoint(model: Trainable, opt: AdamW, ckpt: Checkpoint): void {
  for (const [name, variable] of model.named) {
    if (ckpt.weights.get(name)?.data.length !== variable.size) corrupt(`missing or misshapen weight ${name}`);
  }
  opt.loadState(ckpt.optimizer); // checks the moments before touching anything
  for (const [name, variable] of model.named) {
    const t = tf.tensor(ckpt.weights.get(name)!.data, variable.shape, 'float32');
    variable.assign(t);
    t.dispose();
  }
}
