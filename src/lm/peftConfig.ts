/**
 * Adapters trained with Hugging Face PEFT (`adapter_model.safetensors` + `adapter_config.json`)
 * read as studio adapters: which LoRA targets they adapt, their rank and scale, and their tensors
 * under our names. Pure: JSON, names and shapes only (loraFile.ts `loadPeftLora` makes tensors).
 *
 * What PEFT does that this relies on (peft/tuners/tuners_utils.py `check_target_module_exists`,
 * peft/tuners/lora):
 * - `target_modules` as a list selects a module whose name equals an entry or ends with
 *   "." + entry ("q_proj" is self_attn.q_proj and encoder_attn.q_proj in every layer); as a
 *   string it is a regex that must match the whole module name (re.fullmatch).
 * - Saved names are `base_model.model.<module>.lora_A.weight` / `.lora_B.weight` (linears) and
 *   `.lora_embedding_A` / `.lora_embedding_B` (embeddings), with our layouts (lora.ts).
 * - The update is scaled by lora_alpha / r, or lora_alpha / √r with `use_rslora`.
 * - Module names depend on what PEFT wrapped: MusicgenForConditionalGeneration gives ours
 *   (weights.ts: `decoder.model.decoder.layers.3.fc1`, `decoder.lm_heads.0`, `enc_to_dec_proj`),
 *   MusicgenForCausalLM (the decoder alone) `model.decoder.layers.3.fc1`, `lm_heads.0`.
 *
 * What the studio cannot honour is refused with StudioError ADAPTER_INVALID naming it: another
 * PEFT method, DoRA, trained biases, modules_to_save, fan_in_fan_out, per-layer or per-module
 * ranks, a regex it cannot read, adapters on the text encoder or codec, on some layers only, or
 * on weights this decoder does not have, and a config that disagrees with the tensors.
 */
import { StudioError } from '../errors/StudioError';
import type { LmConfig } from './config';
import type { LoraConfig } from './lora';
import { LORA_TARGETS, loraTargetOf, type LoraTarget } from './loraTargets';

/** The adapter_config.json fields that matter here, checked. */
export interface PeftLoraSettings {
  r: number;
  loraAlpha: number;
  useRslora: boolean;
  /** A list of module-name suffixes, a regex (whole-name match) or PEFT's 'all-linear'. */
  targetModules: string[] | string;
  excludeModules: string[] | string | null;
  /** Training only: no effect on the imported model. */
  loraDropout: number;
  baseModel: string | null;
}

export interface PeftImport<T> {
  config: LoraConfig;
  /** The file's LoRA tensors under our names (prefix gone, CausalLM names mapped to ours). */
  tensors: Map<string, T>;
  baseModel: string | null;
  loraDropout: number;
}

function refuse(detail: string): never {
  throw new StudioError('ADAPTER_INVALID', `PEFT adapter: ${detail}`);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isEmpty = (x: unknown) => x === undefined || x === null || x === false || (Array.isArray(x) && x.length === 0) || (isObject(x) && Object.keys(x).length === 0);

/** Reads adapter_config.json, refusing what the studio cannot honour. */
export function parsePeftConfig(text: string): PeftLoraSettings {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    refuse('adapter_config.json is not valid JSON');
  }
  if (!isObject(j)) refuse('adapter_config.json is not a JSON object');
  const type = j.peft_type ?? 'LORA';
  if (String(type).toUpperCase() !== 'LORA') refuse(`it is a ${String(type)} adapter; the studio imports LoRA adapters only`);
  if (j.use_dora === true) refuse('it is a DoRA adapter (use_dora: true), whose magnitude vectors the studio does not apply');
  if ((j.bias ?? 'none') !== 'none' || j.lora_bias === true) refuse(`it trains biases (bias: ${JSON.stringify(j.bias ?? 'none')}${j.lora_bias === true ? ', lora_bias: true' : ''}); the studio adapts weights only (bias: "none")`);
  if (!isEmpty(j.modules_to_save)) refuse(`it saves whole modules beside the adapters (modules_to_save: ${JSON.stringify(j.modules_to_save)}), which the studio cannot load`);
  if (j.fan_in_fan_out === true) refuse('fan_in_fan_out is true (a GPT-2 style Conv1D layout); MusicGen\'s linears are [out, in], so the matrices would be transposed');
  if (!isEmpty(j.layers_to_transform)) refuse(`it adapts only some layers (layers_to_transform: ${JSON.stringify(j.layers_to_transform)}); the studio adapts every layer`);
  if (!isEmpty(j.rank_pattern) || !isEmpty(j.alpha_pattern)) refuse('it gives some modules their own rank or alpha (rank_pattern / alpha_pattern); the studio uses one of each');
  if (!isEmpty(j.target_parameters) || !isEmpty(j.trainable_token_indices)) refuse('it trains parameters or token rows directly (target_parameters / trainable_token_indices), which the studio cannot load');
  const r = j.r ?? 8; // PEFT's defaults
  if (!Number.isInteger(r) || (r as number) < 1) refuse(`r must be a positive integer, got ${JSON.stringify(j.r)}`);
  const loraAlpha = j.lora_alpha ?? 8;
  if (typeof loraAlpha !== 'number' || !(loraAlpha > 0 && Number.isFinite(loraAlpha))) refuse(`lora_alpha must be a positive number, got ${JSON.stringify(j.lora_alpha)}`);
  const dropout = j.lora_dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) refuse(`lora_dropout must be in [0, 1), got ${JSON.stringify(j.lora_dropout)}`);
  const names = (x: unknown, key: string): string[] | string => {
    if (typeof x === 'string' || (Array.isArray(x) && x.every((e) => typeof e === 'string'))) return x as string[] | string;
    return refuse(`${key} must be a list of module names or a regex string, got ${JSON.stringify(x)}`);
  };
  if (j.target_modules === undefined || j.target_modules === null) refuse('adapter_config.json names no target_modules (PEFT has no default for MusicGen)');
  return {
    r: r as number, loraAlpha, useRslora: j.use_rslora === true,
    targetModules: names(j.target_modules, 'target_modules'),
    excludeModules: isEmpty(j.exclude_modules) ? null : names(j.exclude_modules, 'exclude_modules'),
    loraDropout: dropout, baseModel: typeof j.base_model_name_or_path === 'string' ? j.base_model_name_or_path : null,
  };
}

/** Module names as PEFT saw them: the full model's (ours) or the decoder-alone CausalLM's. */
type Layout = 'conditional' | 'causal';

/** Our module name in `layout`, or null when that model has no such module (CausalLM has no condition projection). */
function inLayout(module: string, layout: Layout): string | null {
  if (layout === 'conditional') return module;
  if (module.startsWith('decoder.model.decoder.')) return module.slice('decoder.'.length);
  if (module.startsWith('decoder.lm_heads.')) return module.slice('decoder.'.length);
  return null;
}

/** A CausalLM module name as ours. */
const fromCausal = (m: string) => (m.startsWith('model.decoder.') || m.startsWith('lm_heads.') ? `decoder.${m}` : m);

function layoutOf(module: string): Layout | null {
  if (/^(decoder\.|enc_to_dec_proj$|audio_enc_to_dec_proj$)/.test(module)) return 'conditional';
  if (/^(model\.decoder\.|lm_heads\.)/.test(module)) return 'causal';
  return null;
}

/** A `target_modules` / `exclude_modules` value as a test on module names (PEFT's rules). */
function moduleMatcher(spec: string[] | string, key: string): (name: string) => boolean {
  if (typeof spec === 'string') {
    let re: RegExp;
    try {
      // Unicode mode throws on Python-only syntax ((?P<name>…), \Z) instead of reading it differently.
      re = new RegExp(`^(?:${spec})$`, 'u');
    } catch {
      return refuse(`the ${key} regex ${JSON.stringify(spec)} uses syntax the studio cannot read; list the module names instead`);
    }
    return (name) => re.test(name);
  }
  // An entry also covers the indexed modules under it ("lm_heads" covers lm_heads.0 … lm_heads.K-1).
  const hit = (name: string, e: string) => name === e || name.endsWith(`.${e}`);
  return (name) => spec.some((e) => hit(name, e) || hit(name.replace(/\.\d+$/, ''), e));
}

const LORA_TENSOR = /^(.*)\.(lora_A\.weight|lora_B\.weight|lora_embedding_A|lora_embedding_B)$/;
/** PEFT's saved names carry this prefix; ours do not. */
export const PEFT_PREFIX = 'base_model.model.';

/**
 * The studio adapter that a PEFT config and its tensors describe for an LM of `cfg` whose weights
 * are `weightNames` (ours, `lm.named`'s keys). Refuses (ADAPTER_INVALID) what cannot be honoured;
 * shapes are checked by `loraFromTensors` afterwards.
 */
export function peftToStudio<T extends { shape: number[] }>(cfg: LmConfig, weightNames: Iterable<string>, settings: PeftLoraSettings, tensors: Map<string, T>): PeftImport<T> {
  const made = settings.baseModel ? ` (made for ${settings.baseModel})` : '';
  // 1. The file's tensors: which module each adapts, in which layout.
  const file = new Map<string, { a?: [string, T]; b?: [string, T]; embedding: boolean }>(); // our module name ->
  const layouts = new Set<Layout>();
  for (const [raw, t] of tensors) {
    const name = raw.startsWith(PEFT_PREFIX) ? raw.slice(PEFT_PREFIX.length) : raw;
    if (/^text_encoder\./.test(name)) refuse(`it adapts the text encoder (${name}); the studio runs T5 as a fixed graph, so only decoder adapters can be imported`);
    if (/^audio_encoder\./.test(name)) refuse(`it adapts the audio codec (${name}), which the studio runs as a fixed graph`);
    if (/\.lora_magnitude_vector/.test(name)) refuse(`it is a DoRA adapter (${name}), whose magnitude vectors the studio does not apply`);
    if (/\.modules_to_save\./.test(name)) refuse(`it saves whole modules beside the adapters (${name}), which the studio cannot load`);
    if (/\.lora_B\.bias$/.test(name)) refuse(`it trains biases (${name}); the studio adapts weights only`);
    const m = LORA_TENSOR.exec(name);
    if (!m) refuse(`${name} is not a LoRA matrix the studio knows (lora_A / lora_B / lora_embedding_A / lora_embedding_B)`);
    const layout = layoutOf(m[1]);
    if (!layout) refuse(`${name} is not a weight of a MusicGen decoder${made}`);
    layouts.add(layout);
    const module = fromCausal(m[1]);
    const e = file.get(module) ?? { embedding: m[2].startsWith('lora_embedding') };
    if (e.embedding !== m[2].startsWith('lora_embedding')) refuse(`${m[1]} has both linear and embedding LoRA matrices`);
    e[m[2].startsWith('lora_A') || m[2] === 'lora_embedding_A' ? 'a' : 'b'] = [`${module}.${m[2]}`, t];
    file.set(module, e);
  }
  if (file.size === 0) refuse('the file holds no LoRA tensors');
  if (layouts.size > 1) refuse('its tensor names mix the full model\'s (decoder.model.decoder.…) and the decoder-alone model\'s (model.decoder.…)');
  const layout = [...layouts][0];
  const shown = (module: string) => inLayout(module, layout) ?? module;

  // 2. What this model can adapt: module -> target.
  const universe = new Map<string, LoraTarget>();
  for (const w of weightNames) {
    const t = loraTargetOf(w);
    if (t) universe.set(w.slice(0, -'.weight'.length), t);
  }
  for (const [module, e] of file) {
    const t = universe.get(module);
    if (!t) {
      const what = /\.encoder_attn\./.test(module) && cfg.conditioning !== 'cross' ? ' (cross-attention; this model is conditioned by prefix)' : '';
      refuse(`it adapts ${shown(module)}, which this model does not have or cannot adapt${what}${made}`);
    }
    if (e.embedding !== (t === 'embed_tokens')) refuse(`${shown(module)} has ${e.embedding ? 'embedding' : 'linear'} LoRA matrices, but it is ${t === 'embed_tokens' ? 'an embedding' : 'a linear layer'}`);
    const kind = e.embedding ? ['lora_embedding_A', 'lora_embedding_B'] : ['lora_A.weight', 'lora_B.weight'];
    if (!e.a) refuse(`missing tensor ${shown(module)}.${kind[0]}`);
    if (!e.b) refuse(`missing tensor ${shown(module)}.${kind[1]}`);
  }

  // 3. The config must select exactly the modules the file adapts ('all-linear' is taken at the file's word).
  if (settings.targetModules !== 'all-linear') {
    const target = moduleMatcher(settings.targetModules, 'target_modules');
    const exclude = settings.excludeModules ? moduleMatcher(settings.excludeModules, 'exclude_modules') : () => false;
    const chosen = [...universe.keys()].filter((m) => {
      const n = inLayout(m, layout);
      return n !== null && target(n) && !exclude(n);
    });
    const missing = chosen.filter((m) => !file.has(m));
    if (missing.length > 0) refuse(`adapter_config.json targets ${missing.length} module(s) the file has no tensors for, e.g. ${shown(missing[0])}`);
    const extra = [...file.keys()].filter((m) => !chosen.includes(m));
    if (extra.length > 0) refuse(`the file adapts ${shown(extra[0])}, which adapter_config.json's target_modules does not select`);
  }

  // 4. Whole targets only: the studio adapts a target in every layer (every codebook) or nowhere.
  const touched = new Set([...file.keys()].map((m) => universe.get(m)!));
  for (const t of touched) {
    const all = [...universe].filter(([, u]) => u === t).map(([m]) => m);
    const have = all.filter((m) => file.has(m)).length;
    if (have < all.length) refuse(`it adapts ${t} in ${have} of its ${all.length} places; the studio adapts a target everywhere or not at all`);
  }

  // 5. Rank from the shapes: A [r, in | n], B [out | d, r].
  for (const { a: [aName, a], b: [bName, b] } of file.values() as Iterable<{ a: [string, T]; b: [string, T] }>) {
    if (a.shape[0] !== settings.r) refuse(`${shown(aName)} has rank ${a.shape[0]}, adapter_config.json says r = ${settings.r}`);
    if (b.shape[1] !== settings.r) refuse(`${shown(bName)} has rank ${b.shape[1]}, adapter_config.json says r = ${settings.r}`);
  }

  // Our scale is alpha / rank everywhere (lora.ts). rsLoRA scales by lora_alpha / √r instead, which
  // is alpha / rank with alpha = lora_alpha · √r: store that equivalent alpha.
  const alpha = settings.useRslora ? settings.loraAlpha * Math.sqrt(settings.r) : settings.loraAlpha;
  const renamed = new Map<string, T>();
  for (const e of file.values()) for (const [n, t] of [e.a!, e.b!]) renamed.set(n, t);
  return {
    config: { rank: settings.r, alpha, targets: LORA_TARGETS.filter((t) => touched.has(t)) },
    tensors: renamed, baseModel: settings.baseModel, loraDropout: settings.loraDropout,
  };
}
