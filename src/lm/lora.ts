/**
 * Low-rank adapters (LoRA, Hu et al. 2021; PEFT's `LoraModel`) for the decoder LM, so that a model
 * the size of musicgen-small is fine-tuned by training only thin matrices beside frozen weights.
 *
 * A targeted linear W [out, in] acts as W + (alpha / rank) · B A, A [rank, in], B [out, rank].
 * A targeted embedding table [n, d] acts as table + (alpha / rank) · (B A)ᵀ, A [rank, n],
 * B [d, rank] (PEFT's embedding layout). Initialisation as PEFT's default: linears A
 * kaiming-uniform(a = √5) = U(±1/√in), B = 0; embeddings A = 0, B ~ N(0, 1); so a fresh adapter
 * changes nothing.
 *
 * Names: the adapted weight's Hugging Face name without `.weight`, plus `.lora_A.weight` /
 * `.lora_B.weight` (linears) or `.lora_embedding_A` / `.lora_embedding_B` (embeddings), e.g.
 *   decoder.model.decoder.layers.3.self_attn.q_proj.lora_A.weight [r, d]
 *   decoder.model.decoder.embed_tokens.0.lora_embedding_B        [d, r]
 * (PEFT's own files add a `base_model.model.` prefix; `loadLora` strips it.)
 *
 * Targets are PEFT-style module suffixes, matched against the HF names: a target t adapts every
 * `<…>.t.weight` and `<…>.t.<k>.weight` (k an index) the model has.
 *
 * Two ways in: `withLora` gives a view of the LM whose forward adds the thin path (training; the
 * base variables are only read), and `mergeLora` / `unmergeLora` fold the adapters into the
 * variables and back (inference with no per-step cost).
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors/StudioError';
import { gaussian, mulberry32 } from '../util/rng';
import type { LmConfig } from './config';
import type { Lm, LowRank } from './model';
import { DEFAULT_LORA_ALPHA, DEFAULT_LORA_RANK, defaultTargets, LORA_TARGETS, loraTargetOf, type LoraTarget } from './loraTargets';

export { blockTargets, DEFAULT_LORA_ALPHA, DEFAULT_LORA_RANK, defaultTargets, LORA_TARGETS, type LoraTarget } from './loraTargets';

export interface LoraConfig {
  /** r: width of the low-rank path. */
  rank: number;
  /** The update is scaled by alpha / rank. */
  alpha: number;
  targets: LoraTarget[];
  /**
   * PEFT's lora_dropout: the share of each adapted linear's input dropped on the adapter path
   * while training (embeddings have none, as in PEFT). Absent = 0, so existing runs are unchanged.
   */
  dropout?: number;
}


function invalid(detail: string): never {
  throw new StudioError('TRAIN_INVALID', `LoRA: ${detail}`);
}

/** Fill defaults and refuse nonsense (StudioError TRAIN_INVALID). */
export function resolveLoraConfig(cfg: LmConfig, partial: Partial<LoraConfig> = {}): LoraConfig {
  const rank = partial.rank ?? DEFAULT_LORA_RANK;
  const alpha = partial.alpha ?? DEFAULT_LORA_ALPHA;
  const targets = partial.targets ?? defaultTargets(cfg);
  if (!Number.isInteger(rank) || rank < 1) invalid(`rank must be a positive integer, got ${JSON.stringify(rank)}`);
  if (typeof alpha !== 'number' || !(alpha > 0 && Number.isFinite(alpha))) invalid(`alpha must be a positive number, got ${JSON.stringify(alpha)}`);
  if (!Array.isArray(targets) || targets.length === 0) invalid('targets must be a non-empty list');
  for (const t of targets) if (!(LORA_TARGETS as readonly string[]).includes(t)) invalid(`unknown target ${JSON.stringify(t)} (known: ${LORA_TARGETS.join(', ')})`);
  if (new Set(targets).size !== targets.length) invalid('targets are listed twice');
  const dropout = partial.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) invalid(`dropout must be in [0, 1), got ${JSON.stringify(dropout)}`);
  return { rank, alpha, targets: [...targets], ...(dropout > 0 ? { dropout } : {}) };
}

/** One adapted weight. */
export interface LoraPair {
  /** Hugging Face name of the base weight it updates. */
  base: string;
  embedding: boolean;
  a: tf.Variable; // linear [r, in], embedding [r, n]
  b: tf.Variable; // linear [out, r], embedding [d, r]
}

export interface Lora {
  config: LoraConfig;
  /** alpha / rank */
  scale: number;
  /** Config of the base LM the adapters were made for. */
  base: LmConfig;
  /** PEFT-style name -> variable (the trainable set). */
  named: Map<string, tf.Variable>;
  /** One per adapted weight, in the base model's order. */
  pairs: LoraPair[];
}

export const isLora = (x: Lm | Lora): x is Lora => 'pairs' in x;

const stem = (base: string) => base.slice(0, -'.weight'.length);

/** PEFT names of the two matrices adapting `base` (an HF `....weight` name). */
export function loraNames(base: string, embedding: boolean): { a: string; b: string } {
  return embedding ? { a: `${stem(base)}.lora_embedding_A`, b: `${stem(base)}.lora_embedding_B` } : { a: `${stem(base)}.lora_A.weight`, b: `${stem(base)}.lora_B.weight` };
}

export interface PlannedPair {
  base: string;
  embedding: boolean;
  aShape: [number, number];
  bShape: [number, number];
}

/** The weights `cfg.targets` adapt in this LM, in model order, with the adapter shapes. */
export function planLora(lm: Lm, cfg: LoraConfig): PlannedPair[] {
  const wanted = new Set<LoraTarget>(cfg.targets);
  const hits = new Set<string>();
  const plan: PlannedPair[] = [];
  for (const [name, w] of lm.named) {
    const t = loraTargetOf(name);
    if (!t || !wanted.has(t)) continue;
    hits.add(t);
    const [rows, cols] = w.shape;
    const embedding = t === 'embed_tokens';
    plan.push(embedding
      ? { base: name, embedding, aShape: [cfg.rank, rows], bShape: [cols, cfg.rank] } // table [n, d]: A [r, n], B [d, r]
      : { base: name, embedding, aShape: [cfg.rank, cols], bShape: [rows, cfg.rank] }); // W [out, in]: A [r, in], B [out, r]
  }
  const missing = cfg.targets.filter((t) => !hits.has(t));
  if (missing.length > 0) invalid(`target ${missing.join(', ')} matches no weight of this model (${lm.config.conditioning} conditioning)`);
  return plan;
}

/** Wrap tensors as adapter variables (takes ownership of a and b). */
export function assembleLora(cfg: LoraConfig, base: LmConfig, pairs: Array<{ plan: PlannedPair; a: tf.Tensor; b: tf.Tensor }>): Lora {
  const named = new Map<string, tf.Variable>();
  const out: LoraPair[] = [];
  for (const { plan, a, b } of pairs) {
    const names = loraNames(plan.base, plan.embedding);
    const va = tf.variable(a, true); // unnamed: tfjs variable names are global
    const vb = tf.variable(b, true);
    tf.dispose([a, b]);
    named.set(names.a, va);
    named.set(names.b, vb);
    out.push({ base: plan.base, embedding: plan.embedding, a: va, b: vb });
  }
  return { config: cfg, scale: cfg.alpha / cfg.rank, base: { ...base }, named, pairs: out };
}

/** Fresh adapters for `lm` (PEFT's default init, seeded): the adapted model equals the base. */
export function createLora(lm: Lm, partial: Partial<LoraConfig> = {}, seed = 0): Lora {
  const cfg = resolveLoraConfig(lm.config, partial);
  const plan = planLora(lm, cfg);
  const rand = mulberry32(seed);
  const fill = (shape: [number, number], draw: () => number) => tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, draw), shape);
  return assembleLora(cfg, lm.config, plan.map((p) => {
    if (p.embedding) return { plan: p, a: tf.zeros(p.aShape), b: fill(p.bShape, () => gaussian(rand)) }; // A [r, n] 0, B [d, r] N(0, 1)
    const bound = 1 / Math.sqrt(p.aShape[1]); // kaiming_uniform(a = √5): gain √(1/3) · √(3 / fan_in)
    return { plan: p, a: fill(p.aShape, () => (2 * rand() - 1) * bound), b: tf.zeros(p.bShape) }; // A [r, in] U(±1/√in), B [out, r] 0
  }));
}

export function disposeLora(lora: Lora): void {
  for (const v of lora.named.values()) v.dispose();
}

/** Trainable parameters `createLora(lm, partial)` makes for an LM of this config (pure arithmetic). */
export function loraParamCount(c: LmConfig, partial: Partial<LoraConfig> = {}): number {
  const { rank: r, targets } = resolveLoraConfig(c, partial);
  const cross = c.conditioning === 'cross';
  const per: Record<LoraTarget, number> = {
    'self_attn.q_proj': c.layers * r * 2 * c.dim,
    'self_attn.k_proj': c.layers * r * 2 * c.dim,
    'self_attn.v_proj': c.layers * r * 2 * c.dim,
    'self_attn.out_proj': c.layers * r * 2 * c.dim,
    'encoder_attn.q_proj': cross ? c.layers * r * 2 * c.dim : 0,
    'encoder_attn.k_proj': cross ? c.layers * r * 2 * c.dim : 0,
    'encoder_attn.v_proj': cross ? c.layers * r * 2 * c.dim : 0,
    'encoder_attn.out_proj': cross ? c.layers * r * 2 * c.dim : 0,
    fc1: c.layers * r * (c.dim + c.ffn),
    fc2: c.layers * r * (c.ffn + c.dim),
    enc_to_dec_proj: r * (c.textDim + c.dim),
    audio_enc_to_dec_proj: cross ? 0 : r * (c.chromaBins + c.dim),
    lm_heads: c.codebooks * r * (c.dim + c.card),
    embed_tokens: c.codebooks * r * (c.card + 1 + c.dim),
  };
  return targets.reduce((s, t) => s + per[t], 0);
}

// ---- applying adapters ------------------------------------------------------------------------

/** Base variable sets with adapters merged into them, and what undoing the merge needs. */
const merges = new WeakMap<Map<string, tf.Variable>, { lora: Lora; kept: Map<string, tf.Tensor> | null }>();

/** The adapter currently merged into `lm`'s variables, or null. */
export function mergedLora(lm: Lm): Lora | null {
  return merges.get(lm.named)?.lora ?? null;
}

/** One adapter at a time: neither a merged model nor a `withLora` view takes another. */
function refuseAdapted(lm: Lm): void {
  if (lm.adapters) throw new StudioError('INTERNAL', 'LoRA: this is already an adapted view of the model; use the base model');
  if (mergedLora(lm)) throw new StudioError('INTERNAL', 'LoRA: an adapter is already merged into this model; unmerge it first');
}

/** The base weight a pair updates, checked against the pair's shapes (an adapter made for another model is refused). */
function baseOf(lm: Lm, p: LoraPair): tf.Variable {
  const w = lm.named.get(p.base);
  if (!w) throw new StudioError('ADAPTER_INVALID', `LoRA: the model has no weight ${p.base}`);
  const want = p.embedding ? [p.a.shape[1], p.b.shape[0]] : [p.b.shape[0], p.a.shape[1]];
  if (w.shape.join() !== want.join()) throw new StudioError('ADAPTER_INVALID', `LoRA: ${p.base} is [${w.shape}], the adapter updates [${want}]`);
  return w;
}

/**
 * A view of `lm` whose forward (model.ts, cache.ts, generate.ts, the loss) adds each adapter's
 * thin path: x Wᵀ + scale · (x Aᵀ) Bᵀ. It shares every variable with `lm` and reads the base
 * weights only, so under a gradient tape over `lora.named` only A and B get gradients. No
 * tensors are allocated; dispose `lm` and `lora`, never the view.
 *
 * `train.step` (the 1-based optimiser step) turns on the config's dropout for a training forward:
 * adapter j of step s drops by the seed s · 65536 + j + 1 (non-zero: tfjs reads 0 as "random"),
 * the same however often the forward runs (recompute.ts runs each block twice), and a resumed run
 * draws the masks an unbroken one would. Without it (validation, generation) nothing is dropped.
 */
export function withLora(lm: Lm, lora: Lora, train?: { step: number }): Lm {
  refuseAdapted(lm);
  const rate = train ? lora.config.dropout ?? 0 : 0;
  const adapters = new Map<tf.Tensor, LowRank>(lora.pairs.map((p, j) => [baseOf(lm, p), {
    a: p.a, b: p.b, scale: lora.scale,
    ...(rate > 0 && !p.embedding ? { dropout: { rate, seed: train!.step * 65536 + j + 1 } } : {}),
  }]));
  return { ...lm, adapters };
}

/** The dense update of one pair: scale · B A [out, in] (linear) or scale · (B A)ᵀ [n, d] (embedding). */
function delta(lora: Lora, p: LoraPair): tf.Tensor {
  return tf.tidy(() => {
    const ba = tf.matMul(p.b, p.a).mul(lora.scale); // [out, in] or [d, n]
    return p.embedding ? ba.transpose() : ba;
  });
}

export interface MergeOptions {
  /** Keep a copy of every adapted base weight so `unmergeLora` restores it bit for bit
   *  (costs that much memory again). Default false: unmerge subtracts the update (float rounding, ~1 ulp). */
  exact?: boolean;
}

/**
 * Fold the adapters into `lm`'s variables (W <- W + scale · B A), so generation runs at the base
 * model's speed. One adapter at a time; `unmergeLora` undoes it. Training refuses a merged model.
 */
export function mergeLora(lm: Lm, lora: Lora, opts: MergeOptions = {}): void {
  refuseAdapted(lm);
  const targets = lora.pairs.map((p) => [p, baseOf(lm, p)] as const); // all checked before any is changed
  const kept = opts.exact ? new Map(targets.map(([p, w]) => [p.base, tf.clone(w)])) : null;
  for (const [p, w] of targets) {
    tf.tidy(() => w.assign(w.add(delta(lora, p))));
  }
  merges.set(lm.named, { lora, kept });
}

/** Undo `mergeLora`: exactly when it kept the base weights, else by subtracting the same update (the adapter must be unchanged and alive). */
export function unmergeLora(lm: Lm): void {
  const rec = merges.get(lm.named);
  if (!rec) throw new StudioError('INTERNAL', 'LoRA: no adapter is merged into this model');
  const { lora, kept } = rec;
  if (!kept && lora.pairs.some((p) => p.a.isDisposed || p.b.isDisposed)) {
    throw new StudioError('INTERNAL', 'LoRA: the merged adapter was disposed, so it cannot be subtracted; reload the base weights');
  }
  for (const p of lora.pairs) {
    const w = baseOf(lm, p);
    if (kept) w.assign(kept.get(p.base)!);
    else tf.tidy(() => w.assign(w.sub(delta(lora, p))));
  }
  if (kept) tf.dispose([...kept.values()]);
  merges.delete(lm.named);
}
