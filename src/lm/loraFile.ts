/**
 * Adapter files: the LoRA matrices alone as safetensors (PEFT-style names, lora.ts), with
 * metadata `studio.lora` "1", `rank`, `alpha`, `targets` (JSON list), `base_config` (JSON
 * LmConfig of the base), `dropout` (only when > 0) and whatever the caller adds (name, steps...). Loading checks
 * the file against the base LM and throws StudioError ADAPTER_INVALID naming the difference.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors/StudioError';
import { assembleLora, planLora, loraNames, resolveLoraConfig, type Lora, type LoraConfig, type LoraTarget, type PlannedPair } from './lora';
import type { Lm } from './model';
import { parsePeftConfig, PEFT_PREFIX, peftToStudio } from './peftConfig';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';

export const LORA_FORMAT_VERSION = '1';
/** Architecture fields an adapter must agree on with its base (they fix every shape). */
const ARCH_FIELDS = ['dim', 'layers', 'heads', 'ffn', 'codebooks', 'card', 'textDim', 'conditioning', 'chromaBins'] as const;

/** The metadata that describes an adapter (adapter files and LoRA training checkpoints carry it). */
export function loraMetadata(lora: Lora): Record<string, string> {
  return {
    'studio.lora': LORA_FORMAT_VERSION,
    rank: String(lora.config.rank),
    alpha: String(lora.config.alpha),
    targets: JSON.stringify(lora.config.targets),
    base_config: JSON.stringify(lora.base),
    ...(lora.config.dropout ? { dropout: String(lora.config.dropout) } : {}),
  };
}

function mismatch(detail: string): never {
  throw new StudioError('ADAPTER_INVALID', `LoRA adapter: ${detail}`);
}

/** Read `loraMetadata` back (null when the file has none) and check it against the base LM. Throws ADAPTER_INVALID. */
export function parseLoraMetadata(meta: Record<string, string>, lm: Lm): LoraConfig | null {
  if (meta['studio.lora'] === undefined) return null;
  if (meta['studio.lora'] !== LORA_FORMAT_VERSION) mismatch(`format version ${meta['studio.lora']} is not ${LORA_FORMAT_VERSION}`);
  let targets: unknown;
  let base: Record<string, unknown>;
  try {
    targets = JSON.parse(meta.targets ?? '');
    base = JSON.parse(meta.base_config ?? '') as Record<string, unknown>;
  } catch {
    mismatch('metadata targets / base_config is missing or not JSON');
  }
  if (typeof base !== 'object' || base === null) mismatch('metadata base_config is not an object');
  const diffs = ARCH_FIELDS.filter((k) => base[k] !== lm.config[k]).map((k) => `${k} ${JSON.stringify(base[k])} (this model: ${JSON.stringify(lm.config[k])})`);
  if (diffs.length > 0) mismatch(`made for a different base model: ${diffs.join(', ')}`);
  try {
    const dropout = meta.dropout === undefined ? undefined : Number(meta.dropout);
    return resolveLoraConfig(lm.config, { rank: Number(meta.rank), alpha: Number(meta.alpha), targets: targets as LoraTarget[], dropout });
  } catch (err) {
    return mismatch((err as StudioError).detail ?? String(err));
  }
}

/**
 * Check tensors (PEFT names -> {shape, data}) against the adapters `cfg` plans for `lm` and build
 * the Lora from them. Every planned tensor must be present with its shape; nothing else may be.
 */
export function loraFromTensors(lm: Lm, cfg: LoraConfig, tensors: Map<string, { shape: number[]; data: Float32Array }>): Lora {
  let plan: PlannedPair[];
  try {
    plan = planLora(lm, cfg);
  } catch (err) {
    return mismatch((err as StudioError).detail ?? String(err));
  }
  const expected = new Set<string>();
  for (const p of plan) {
    const names = loraNames(p.base, p.embedding);
    for (const [name, shape] of [[names.a, p.aShape], [names.b, p.bShape]] as const) {
      expected.add(name);
      const t = tensors.get(name);
      if (!t) mismatch(`missing tensor ${name}`);
      if (t.shape.join() !== shape.join()) mismatch(`${name} has shape [${t.shape}], this model needs [${shape}]`);
    }
  }
  const unknown = [...tensors.keys()].filter((n) => !expected.has(n));
  if (unknown.length > 0) mismatch(`tensors for weights outside its targets: ${unknown.slice(0, 5).join(', ')}`);
  return assembleLora(cfg, lm.config, plan.map((p) => {
    const names = loraNames(p.base, p.embedding);
    return { plan: p, a: tf.tensor2d(tensors.get(names.a)!.data, p.aShape), b: tf.tensor2d(tensors.get(names.b)!.data, p.bShape) };
  }));
}


/** The adapters (only) as a safetensors file. `metadata` is added to the adapter's own. */
export async function saveLora(lora: Lora, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, v] of lora.named) tensors.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  return writeSafetensors(tensors, { format: 'pt', ...metadata, ...loraMetadata(lora) });
}

/**
 * Adapters from `saveLora` bytes, checked against `lm` (config, names, shapes); the caller
 * disposes them. The file's metadata (the caller's keys too) is `readSafetensors(bytes).metadata`.
 */
export function loadLora(lm: Lm, bytes: Uint8Array): Lora {
  const { tensors, metadata } = readSafetensors(bytes);
  const cfg = parseLoraMetadata(metadata, lm);
  if (!cfg) {
    mismatch('the file has no studio.lora metadata (rank, alpha, targets, base_config), so it is not an adapter saved by the studio. '
      + 'For an adapter trained with Hugging Face PEFT, select its adapter_config.json together with adapter_model.safetensors (both files at once)');
  }
  const named = new Map([...tensors].map(([n, t]) => [n.startsWith(PEFT_PREFIX) ? n.slice(PEFT_PREFIX.length) : n, t]));
  return loraFromTensors(lm, cfg, named);
}

/**
 * Adapters trained with Hugging Face PEFT: `adapter_model.safetensors` bytes plus the text of its
 * `adapter_config.json` (peftConfig.ts reads both), checked against `lm` like `loadLora`. The
 * caller disposes them. ADAPTER_INVALID names whatever cannot be honoured.
 */
export function loadPeftLora(lm: Lm, bytes: Uint8Array, configJson: string): Lora {
  const settings = parsePeftConfig(configJson);
  const { tensors } = readSafetensors(bytes);
  const peft = peftToStudio(lm.config, lm.named.keys(), settings, tensors);
  try {
    return loraFromTensors(lm, peft.config, peft.tensors);
  } catch (err) {
    // Shapes that do not fit: say which model the adapter was made for.
    if (err instanceof StudioError && peft.baseModel) throw new StudioError(err.code, `${err.detail} (adapter_config.json: made for ${peft.baseModel})`);
    throw err;
  }
}
