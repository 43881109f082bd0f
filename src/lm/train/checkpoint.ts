/**
 * Fine-tuning checkpoints as one safetensors file:
 *   <HF name>              every LM variable under its Hugging Face name (so the weights part
 *                          loads with `lmFromTensors(cfg, ckpt.weights)`)
 *   optimizer.m.<HF name>  AdamW first moment      optimizer.v.<HF name>  second moment
 *   __metadata__           format "pt", studio.checkpoint "1", step, optimizer (JSON: t, betas,
 *                          eps, weightDecay), options (JSON TrainOptions), manifest (JSON clips)
 * Storage (IndexedDB / OPFS) is not done here.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../errors/StudioError';
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
  weights: Map<string, NamedTensor>;
  optimizer: AdamWState;
}

function corrupt(detail: string): never {
  throw new StudioError('MODEL_INTEGRITY', `checkpoint: ${detail}`);
}

/** Serialise the current weights, optimizer moments, step, options and manifest. */
export async function writeCheckpoint(lm: Lm, opt: AdamW, step: number, options: TrainOptions, manifest: DataManifest): Promise<Uint8Array> {
  const tensors = new Map<string, NamedTensor>();
  const state = await opt.state();
  for (const [name, v] of lm.named) {
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
 * Parse and validate a checkpoint. With `lm`, every variable must be present (weights and both
 * moments) with its exact shape, and nothing else may be. Throws StudioError MODEL_INTEGRITY.
 */
export function readCheckpoint(bytes: Uint8Array, lm?: Lm): Checkpoint {
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
  if (lm) {
    for (const [name, variable] of lm.named) {
      const w = weights.get(name);
      if (!w) corrupt(`missing weight ${name}`);
      if (w.shape.join() !== variable.shape.join()) corrupt(`${name} has shape [${w.shape}], model wants [${variable.shape}]`);
      if (m.get(name)?.length !== variable.size || v.get(name)?.length !== variable.size) corrupt(`optimizer state for ${name} is missing or misshapen`);
    }
    const unknown = [...weights.keys()].filter((n) => !lm.named.has(n));
    if (unknown.length > 0) corrupt(`unexpected tensors ${unknown.slice(0, 5).join(', ')}`);
  }
  return { step, options, manifest, weights, optimizer: { t: opt.t as number, m, v } };
}

/** Put a (validated) checkpoint's weights into `lm` and its moments into `opt`. */
export function applyCheckpoint(lm: Lm, opt: AdamW, ckpt: Checkpoint): void {
  for (const [name, variable] of lm.named) {
    if (ckpt.weights.get(name)?.data.length !== variable.size) corrupt(`missing or misshapen weight ${name}`);
  }
  opt.loadState(ckpt.optimizer); // checks the moments before touching anything
  for (const [name, variable] of lm.named) {
    const t = tf.tensor(ckpt.weights.get(name)!.data, variable.shape, 'float32');
    variable.assign(t);
    t.dispose();
  }
}
