/**
 * The MusicGen decoder LM, all of it in this file, in raw tfjs ops (audiocraft `LMModel` +
 * `StreamingTransformer`, Hugging Face `MusicgenForCausalLM`).
 *
 * codes [B, K, S] -> sum of K embeddings + sinusoids -> N pre-norm blocks
 * (causal self-attention, cross-attention to the projected text, GELU FFN) -> LayerNorm
 * -> K heads -> logits [B, K, S, card].
 * Shapes: B batch, K codebooks, S sequence columns, L positions in this call, P prefix length,
 * Tt text tokens, H heads, D head width, d model width. Linear weights are torch-layout [out, in].
 * An Lm may carry low-rank adapters (LoRA, lora.ts): every weight read goes through `project`
 * (linears) or `embedCodes` (tables), which add the adapter's thin path when the weight has one.
 */
import * as tf from '@tensorflow/tfjs';
import { beatInput, type BeatClock } from './beatClock';
import { LN_EPS, type LmConfig } from './config';

export interface Norm { weight: tf.Variable; bias: tf.Variable } // [d], [d]
export interface Attn { q: tf.Variable; k: tf.Variable; v: tf.Variable; o: tf.Variable } // each [d, d], no biases
export interface Linear { weight: tf.Variable; bias: tf.Variable } // [out, in], [out]

export interface Block {
  norm1: Norm;
  selfAttn: Attn;
  normCross?: Norm; // cross mode only
  crossAttn?: Attn; // cross mode only
  norm2: Norm;
  fc1: tf.Variable; // [ffn, d]
  fc2: tf.Variable; // [d, ffn]
}

export interface LmParams {
  embed: tf.Variable[]; // K x [card + 1, d]
  blocks: Block[];
  outNorm: Norm;
  heads: tf.Variable[]; // K x [card, d]
  textProj: Linear; // enc_to_dec_proj [d, textDim]
  chromaProj?: Linear; // audio_enc_to_dec_proj [d, chromaBins], prefix mode only
  beatProj?: tf.Variable; // beat_proj [d, BEAT_FEATURES], config.beatClock only (beatClock.ts)
  keyProj?: tf.Variable; // key_proj [d, KEY_FEATURES], config.keyChannel only (beatClock.ts)
}

/**
 * A low-rank update of one weight (LoRA), applied beside the frozen weight, never materialised.
 * Linear W [out, in]: acts as W + scale · B A, with A [r, in], B [out, r].
 * Embedding table [n, d] (PEFT layout): acts as table + scale · (B A)ᵀ, with A [r, n], B [d, r].
 * `dropout` (training only, linears only as in PEFT): the thin path's input goes through inverted
 * dropout whose mask comes from `seed` alone, so running the same op again (recompute.ts) drops
 * the same elements.
 */
export interface LowRank { a: tf.Tensor; b: tf.Tensor; scale: number; dropout?: { rate: number; seed: number } }

export interface Lm {
  config: LmConfig;
  params: LmParams;
  /** Hugging Face name -> variable, one to one (weights.ts builds it). */
  named: Map<string, tf.Variable>;
  positions: tf.Tensor2D; // [maxPositions, d], sinusoid table (not trained)
  /** Adapters keyed by the weight they update (object identity); absent = the plain model. `withLora` (lora.ts) makes such a view. */
  adapters?: ReadonlyMap<tf.Tensor, LowRank>;
}

/** Conditioning inputs. Padded text rows may hold anything: they are projected, then zeroed by the mask. */
export interface LmCondition {
  textStates: tf.Tensor3D; // [B, Tt, textDim] raw T5 encoder states
  textMask: tf.Tensor2D; // [B, Tt] 1 = real token, 0 = padding
  chroma?: tf.Tensor3D; // [B, Tc, chromaBins] one-hot chroma, prefix mode only
  /** Per row, the beat clock of column 0 and the key (beatClock.ts); ignored by an LM without them. Absent = none. */
  beat?: readonly BeatClock[];
}

/** What the conditioning turns into; computed once per generation. */
export interface CondState {
  cross: Array<{ k: tf.Tensor4D; v: tf.Tensor4D }>; // per block [B, H, Tt, D]; empty in prefix mode
  crossBias: tf.Tensor4D | null; // [B, 1, 1, Tt] additive key mask ('hf'), null ('audiocraft')
  prefix: tf.Tensor3D | null; // [B, P, d] prefix mode only
  prefixBias: tf.Tensor4D | null; // [B, 1, 1, P] additive key mask over the prefix
}

/** Large finite negative for masked keys: a fully masked row becomes uniform, never NaN. */
export const MASKED = -1e9;

/** audiocraft `create_sin_embedding`: [cos | sin] of p / 10000^(i / (half - 1)), computed in float64. */
export function sinusoidTable(n: number, d: number, maxPeriod = 10000): Float32Array {
  const half = d / 2;
  const out = new Float32Array(n * d); // [n, d]
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < half; i++) {
      const phase = p / maxPeriod ** (i / (half - 1));
      out[p * d + i] = Math.cos(phase);
      out[p * d + half + i] = Math.sin(phase);
    }
  }
  return out;
}

const linear = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => {
  const inDim = x.shape[x.shape.length - 1];
  const y = tf.matMul(x.reshape([-1, inDim]), w, false, true); // [N, out]
  return y.reshape([...x.shape.slice(0, -1), w.shape[0]]); // [..., out]
};

/** x [..., in] through the model's weight w [out, in] and its adapter, if any: x Wᵀ + scale · (drop(x) Aᵀ) Bᵀ -> [..., out]. */
export function project(lm: Lm, x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const y = linear(x, w); // [..., out]
  const ad = lm.adapters?.get(w);
  if (!ad) return y;
  const xa = ad.dropout ? tf.dropout(x, ad.dropout.rate, undefined, ad.dropout.seed) : x; // [..., in], mask fixed by the seed
  return y.add(linear(linear(xa, ad.a), ad.b).mul(ad.scale)); // [..., out]
}

/** A linear weight [out, in] with its adapter folded in (W + scale · B A); w itself when it has none. Call inside a tidy. */
export function denseWeight(lm: Lm, w: tf.Tensor): tf.Tensor {
  const ad = lm.adapters?.get(w);
  return ad ? w.add(tf.matMul(ad.b, ad.a).mul(ad.scale)) : w; // [out, in]
}

const layerNorm = (x: tf.Tensor, n: Norm): tf.Tensor => {
  const { mean, variance } = tf.moments(x, -1, true); // [B, L, 1]
  return x.sub(mean).mul(tf.rsqrt(variance.add(LN_EPS))).mul(n.weight).add(n.bias); // [B, L, d]
};

const gelu = (x: tf.Tensor): tf.Tensor => x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5); // exact erf GELU

/** [B, L, d] -> [B, H, L, D] */
const splitHeads = (x: tf.Tensor, H: number): tf.Tensor4D => {
  const [B, L, d] = x.shape;
  return x.reshape([B, L, H, d / H]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
};

/** softmax(q kᵀ / √D + bias) v, heads merged: q [B, H, Lq, D], k/v [B, H, Lk, D] -> [B, Lq, d]. */
function attend(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor | null): tf.Tensor {
  const [B, H, Lq, D] = q.shape;
  let scores: tf.Tensor = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(D)); // [B, H, Lq, Lk]
  if (bias) scores = scores.add(bias); // [B, H, Lq, Lk]
  const y = tf.matMul(tf.softmax(scores), v); // [B, H, Lq, D]
  return y.transpose([0, 2, 1, 3]).reshape([B, Lq, H * D]); // [B, Lq, d]
}

/** Additive causal mask for queries at positions offset..offset+L-1 over keys 0..Lk-1: [1, 1, L, Lk]. */
export function causalBias(offset: number, L: number, Lk: number): tf.Tensor4D {
  const qPos = tf.range(offset, offset + L, 1, 'int32').reshape([L, 1]); // [L, 1]
  const kPos = tf.range(0, Lk, 1, 'int32').reshape([1, Lk]); // [1, Lk]
  return tf.where(tf.lessEqual(kPos, qPos), 0, MASKED).reshape([1, 1, L, Lk]) as tf.Tensor4D;
}

/** Project the conditioning (no tidy: call inside one; `encodeCondition` keeps the result). */
function conditionState(lm: Lm, cond: LmCondition): CondState {
  const { config: cfg, params: p } = lm;
  const [B, Tt] = cond.textMask.shape;
  const mask = cond.textMask.toFloat(); // [B, Tt]
  const text = project(lm, cond.textStates, p.textProj.weight).add(p.textProj.bias).mul(mask.expandDims(2)); // [B, Tt, d]
  const keyBias = cfg.textMasking === 'hf' ? tf.sub(1, mask).mul(MASKED).reshape([B, 1, 1, Tt]) : tf.zeros([B, 1, 1, Tt]); // [B, 1, 1, Tt]
  if (cfg.conditioning === 'cross') {
    const cross = p.blocks.map((b) => ({
      k: splitHeads(project(lm, text, b.crossAttn!.k), cfg.heads), // [B, H, Tt, D]
      v: splitHeads(project(lm, text, b.crossAttn!.v), cfg.heads), // [B, H, Tt, D]
    }));
    return { cross, crossBias: cfg.textMasking === 'hf' ? (keyBias as tf.Tensor4D) : null, prefix: null, prefixBias: null };
  }
  if (!cond.chroma || !p.chromaProj) throw new RangeError('LM: prefix conditioning needs chroma [B, Tc, chromaBins]');
  const chroma = project(lm, cond.chroma, p.chromaProj.weight).add(p.chromaProj.bias); // [B, Tc, d]
  const prefix = tf.concat([chroma, text], 1) as tf.Tensor3D; // [B, Tc + Tt, d]  (HF order: chroma, then text)
  const prefixBias = tf.concat([tf.zeros([B, 1, 1, chroma.shape[1]!]), keyBias], 3) as tf.Tensor4D; // [B, 1, 1, P]
  return { cross: [], crossBias: null, prefix, prefixBias };
}

/** Project the conditioning once (per generation): cross-attention K/V per block, or the prefix. Caller disposes. */
export function encodeCondition(lm: Lm, cond: LmCondition): CondState {
  let state!: CondState;
  tf.tidy(() => {
    state = conditionState(lm, cond);
    condTensors(state).forEach((t) => tf.keep(t));
  });
  return state;
}

function condTensors(c: CondState): tf.Tensor[] {
  const all: Array<tf.Tensor | null> = [...c.cross.flatMap((x) => [x.k, x.v]), c.crossBias, c.prefix, c.prefixBias];
  return all.filter((t): t is tf.Tensor => t !== null);
}

export function disposeCondState(c: CondState): void {
  tf.dispose(condTensors(c));
}

/**
 * Sum of the K codebook embeddings: codes [B, K, L] int32 -> [B, L, d].
 * `differentiable`: gather's gradient is UnsortedSegmentSum, which tfjs's cpu backend runs as one
 * full pass per segment (card + 1 of them) and stock tfjs-backend-wasm lacks (runtime/wasmKernels.ts
 * adds it); there, training looks up by one-hot matmul instead (same values; its gradient is a
 * matmul). Inference (false) always gathers. A table's adapter (PEFT embedding layout) adds
 * scale · lookup(Aᵀ) Bᵀ.
 */
export function embedCodes(lm: Lm, codes: tf.Tensor3D, differentiable = true): tf.Tensor3D {
  const [B, K, L] = codes.shape;
  const backend = tf.getBackend();
  const byGather = !differentiable || (backend !== 'cpu' && !!tf.getKernel('UnsortedSegmentSum', backend));
  const lookup = (table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D => (byGather
    ? tf.gather(table, ids) as unknown as tf.Tensor3D // [B, L, d]
    : tf.matMul(tf.oneHot(ids.reshape([B * L]), table.shape[0]), table).reshape([B, L, table.shape[1]])); // [B, L, d]
  const perBook = lm.params.embed.map((table, k) => {
    const ids = codes.slice([0, k, 0], [B, 1, L]).reshape([B, L]) as tf.Tensor2D; // [B, L]
    const x = lookup(table as tf.Tensor2D, ids); // [B, L, d]
    const ad = lm.adapters?.get(table);
    return ad ? x.add(linear(lookup(ad.a.transpose() as tf.Tensor2D, ids), ad.b).mul(ad.scale)) : x; // [B, L, d] + scale · [B, L, r] Bᵀ
  }); // K x [B, L, d]
  return (K === 1 ? perBook[0] : tf.addN(perBook)) as tf.Tensor3D; // [B, L, d]
}

/** Per-block self-attention K/V store: `write` receives this call's k, v [B, H, L, D], returns what to attend over. */
export type KvWriter = (layer: number, k: tf.Tensor4D, v: tf.Tensor4D) => { k: tf.Tensor4D; v: tf.Tensor4D };

/** One pre-norm block: x [B, L, d] -> [B, L, d] (self-attention, cross-attention in cross mode, FFN). */
export function block(lm: Lm, b: Block, x: tf.Tensor, cross: { k: tf.Tensor4D; v: tf.Tensor4D } | null, crossBias: tf.Tensor | null,
  selfBias: tf.Tensor | null, kv: ((k: tf.Tensor4D, v: tf.Tensor4D) => { k: tf.Tensor4D; v: tf.Tensor4D }) | null): tf.Tensor {
  const H = lm.config.heads;
  const lin = (y: tf.Tensor, w: tf.Tensor) => project(lm, y, w);
  const h = layerNorm(x, b.norm1); // [B, L, d]
  let k = splitHeads(lin(h, b.selfAttn.k), H); // [B, H, L, D]
  let v = splitHeads(lin(h, b.selfAttn.v), H); // [B, H, L, D]
  if (kv) ({ k, v } = kv(k, v)); // [B, H, Lk, D]
  const q = splitHeads(lin(h, b.selfAttn.q), H); // [B, H, L, D]
  x = x.add(lin(attend(q, k, v, selfBias), b.selfAttn.o)); // [B, L, d]
  if (b.crossAttn && cross) {
    const qc = splitHeads(lin(layerNorm(x, b.normCross!), b.crossAttn.q), H); // [B, H, L, D]
    x = x.add(lin(attend(qc, cross.k, cross.v, crossBias), b.crossAttn.o)); // [B, L, d]
  }
  return x.add(lin(gelu(lin(layerNorm(x, b.norm2), b.fc1)), b.fc2)); // [B, L, d]
}

/** Runs block `i` on x; `recompute.ts` supplies one that keeps no activations for the backward pass. */
export type BlockRunner = (lm: Lm, i: number, x: tf.Tensor, ctx: CondState, selfBias: tf.Tensor | null) => tf.Tensor;

/** The transformer stack: x [B, L, d] (positions added) -> final-normed hidden [B, L, d]. */
export function runBlocks(lm: Lm, x: tf.Tensor, ctx: CondState, selfBias: tf.Tensor | null, kv: KvWriter | null, runner?: BlockRunner): tf.Tensor3D {
  lm.params.blocks.forEach((b, i) => {
    x = runner && !kv ? runner(lm, i, x, ctx, selfBias)
      : block(lm, b, x, ctx.cross[i] ?? null, ctx.crossBias, selfBias, kv ? (k, v) => kv(i, k, v) : null);
  });
  return layerNorm(x, lm.params.outNorm) as tf.Tensor3D; // [B, L, d]
}

/** K heads: hidden [B, L, d] -> logits [B, K, L, card]. */
export function lmHeads(lm: Lm, h: tf.Tensor3D): tf.Tensor4D {
  return tf.stack(lm.params.heads.map((w) => project(lm, h, w)), 1) as tf.Tensor4D; // [B, K, L, card]
}

/** Positions [offset, offset + L) of the sinusoid table: [1, L, d]. */
export function positionSlice(lm: Lm, offset: number, L: number): tf.Tensor3D {
  if (offset + L > lm.config.maxPositions) throw new RangeError(`LM: position ${offset + L} exceeds maxPositions ${lm.config.maxPositions}`);
  return lm.positions.slice([offset, 0], [L, lm.config.dim]).expandDims(0) as tf.Tensor3D; // [1, L, d]
}

/**
 * The decoder without its heads (training, parity): codes [B, K, S] int32 -> final-normed hidden
 * [B, S, d]. In prefix mode the prefix is prepended, positions run over the whole sequence and
 * the prefix positions are stripped.
 */
export function hiddenStates(lm: Lm, codes: tf.Tensor3D, cond: LmCondition, runner?: BlockRunner): tf.Tensor3D {
  return tf.tidy(() => {
    const ctx = conditionState(lm, cond);
    const S = codes.shape[2];
    let x: tf.Tensor = embedCodes(lm, codes); // [B, S, d]
    const clock = beatInput(lm, cond.beat, 0, S); // [B, S, d] or null
    if (clock) x = x.add(clock); // [B, S, d]
    const P = ctx.prefix ? ctx.prefix.shape[1] : 0;
    if (ctx.prefix) x = tf.concat([ctx.prefix, x], 1); // [B, P + S, d]
    x = x.add(positionSlice(lm, 0, P + S)); // [B, P + S, d]
    let bias: tf.Tensor = causalBias(0, P + S, P + S); // [1, 1, P+S, P+S]
    if (ctx.prefixBias) bias = bias.add(tf.pad(ctx.prefixBias, [[0, 0], [0, 0], [0, 0], [0, S]])); // [B, 1, P+S, P+S]
    const h = runBlocks(lm, x, ctx, bias, null, runner); // [B, P + S, d]
    return (P ? h.slice([0, P, 0], [-1, S, -1]) : h) as tf.Tensor3D; // [B, S, d]
  });
}

/** Full forward without cache: codes [B, K, S] int32 -> logits [B, K, S, card]. */
export function forward(lm: Lm, codes: tf.Tensor3D, cond: LmCondition): tf.Tensor4D {
  return tf.tidy(() => lmHeads(lm, hiddenStates(lm, codes, cond))); // [B, K, S, card]
}

/** Free every variable and the position table (of the base model: never call it on a `withLora` view). */
export function disposeLm(lm: Lm): void {
  for (const v of lm.named.values()) v.dispose();
  lm.positions.dispose();
}

