/**
 * Memory a generation needs, estimated before it starts (pure arithmetic, float32 throughout):
 * the weights, the KV cache (self-attention K and V for every column of every row and layer, plus
 * cross-attention K and V over the text states), and the working set of one step. With CFG the
 * batch has 2 rows. The growing cache (CPU/WASM) briefly holds a layer twice while it concatenates.
 */
import type { LmConfig } from './config';
import type { CacheLayout } from './cache';

const F32 = 4;

export interface GenerationShape {
  /** Rows in the forward batch: 2 with CFG (cond + null), else 1. */
  rows: number;
  /** Text tokens the cross-attention keys cover (the encoder's maximum). */
  textTokens: number;
  layout: CacheLayout;
}

export interface MemoryEstimate {
  weightsBytes: number;
  cacheBytes: number;
  workBytes: number;
  totalBytes: number;
}

/** Parameters of an LM with this config (the variables weights.ts creates). */
export function paramCount(c: LmConfig): number {
  const cross = c.conditioning === 'cross';
  const attn = 4 * c.dim * c.dim; // q, k, v, out
  const norm = 2 * c.dim;
  const block = norm + attn + (cross ? norm + attn : 0) + norm + 2 * c.dim * c.ffn;
  const embeddings = c.codebooks * (c.card + 1) * c.dim;
  const heads = c.codebooks * c.card * c.dim;
  const textProj = c.textDim * c.dim + c.dim;
  const chromaProj = cross ? 0 : c.chromaBins * c.dim + c.dim;
  return c.layers * block + embeddings + heads + textProj + chromaProj + norm;
}

/** The weights as held during generation: the variables plus the sinusoid table. */
export function weightBytes(c: LmConfig): number {
  return (paramCount(c) + c.maxPositions * c.dim) * F32;
}

/** Bytes for a take of `frames` frames (S = frames + K columns). */
export function estimateGeneration(c: LmConfig, frames: number, s: GenerationShape, weightsBytes = weightBytes(c)): MemoryEstimate {
  const S = frames + c.codebooks;
  const perLayerSelf = 2 * s.rows * S * c.dim * F32; // K and V [rows, heads, S, head_dim]
  const cross = c.layers * 2 * s.rows * s.textTokens * c.dim * F32;
  const condition = s.rows * s.textTokens * (c.textDim + 2) * F32; // text states, mask, key bias
  const fusedHeads = c.codebooks * c.dim * c.card * F32; // the cache's transposed copy of the K heads
  const cacheBytes = c.layers * perLayerSelf + cross + condition + fusedHeads + (s.layout === 'grow' ? perLayerSelf : 0);
  // One step: logits and their copies, FFN hidden, attention scores, residual stream temporaries.
  const workBytes = s.rows * (3 * c.codebooks * c.card + 2 * c.ffn + 2 * c.heads * S + 8 * c.dim) * F32;
  return { weightsBytes, cacheBytes, workBytes, totalBytes: weightsBytes + cacheBytes + workBytes };
}

/** The longest take (frames, at most `maxFrames`) whose estimate fits in `budgetBytes`; 0 when none does. */
export function longestFitting(c: LmConfig, budgetBytes: number, maxFrames: number, s: GenerationShape, weightsBytes?: number): number {
  if (estimateGeneration(c, 1, s, weightsBytes).totalBytes > budgetBytes) return 0;
  let lo = 1;
  let hi = maxFrames;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateGeneration(c, mid, s, weightsBytes).totalBytes <= budgetBytes) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * What the LM may use on a backend. The device's memory is `navigator.deviceMemory` (GB, rounded
 * down and capped at 8 by browsers; 8 assumed where a browser does not say); half of it is the
 * budget, and on WASM at most 3.5 GB of tfjs-backend-wasm's 4 GB heap (its wasm32 maximum).
 */
export function memoryBudget(backend: string, deviceMemoryGb: number | undefined): number {
  const half = ((deviceMemoryGb && deviceMemoryGb > 0 ? deviceMemoryGb : 8) / 2) * 2 ** 30;
  return backend === 'wasm' ? Math.min(half, 3.5 * 2 ** 30) : half;
}

export interface TrainingShape {
  /** Crops per step. */
  batch: number;
  /** Frames per crop (the sequence is cropFrames + 1 columns with the delay pattern's start). */
  cropFrames: number;
  /** Text tokens of the longest caption (cross-attention keys). */
  textTokens: number;
  /** Parameters that train: all of them for a full fine-tune, the adapters' for LoRA. */
  trainableParams: number;
  method: 'full' | 'lora';
  /** Blocks recompute their activations in the backward pass (recompute.ts); false: every block's are kept. */
  recompute: boolean;
}

export interface TrainingEstimate {
  weightsBytes: number;
  /** Gradients (raw and clipped, briefly both) and AdamW's two moments of what trains (LoRA: one more set). */
  optimizerBytes: number;
  /** The last good checkpoint (what trains and its moments, serialised; kept for rollback). */
  checkpointBytes: number;
  /** What tfjs's autodiff holds at the peak of the backward pass. */
  activationBytes: number;
  totalBytes: number;
}

/**
 * Floats per position held at the backward pass's peak, fitted to measured peaks of real training
 * steps (memory.train.test.ts checks it on a config outside the fit). A block's intermediates
 * count in full (tfjs keeps every op's output and builds every gradient: several times what fused
 * kernels need; LoRA adds x·Aᵀ, ·Bᵀ, scale and sum per projection): every block's in a plain
 * pass, one block's when blocks recompute (recompute.ts), the others then holding only their
 * input and its gradient (perLayer).
 */
const ACTIVATION_FIT = {
  full: { dim: 131, ffn: 22, scores: 10, heads: 14, embed: 47, perLayer: 3 },
  lora: { dim: 213, ffn: 34, scores: 15, heads: 23, embed: 70, perLayer: 4 },
} as const;
/** Headroom over the fit: an estimate that errs low would let a run start and then fail. */
const ACTIVATION_MARGIN = 1.15;

/** Bytes one training step holds at its peak (float32 throughout). */
export function estimateTraining(c: LmConfig, s: TrainingShape, weightsBytes = weightBytes(c)): TrainingEstimate {
  const S = s.cropFrames + 1;
  const P = s.trainableParams;
  const f = ACTIVATION_FIT[s.method];
  const cross = c.conditioning === 'cross' ? f.scores * c.heads * s.textTokens : 0;
  const oneBlock = f.dim * c.dim + f.ffn * c.ffn + f.scores * c.heads * S + cross;
  const blocks = s.recompute ? oneBlock + (c.layers - 1) * f.perLayer * c.dim : c.layers * oneBlock;
  const perPosition = blocks + f.heads * c.codebooks * c.card + f.embed * c.dim; // + logits, log-softmax, grad
  const activationBytes = Math.ceil(ACTIVATION_MARGIN * s.batch * S * perPosition * F32);
  // Raw and clipped gradients, m, v; a LoRA step holds one more adapter-sized set (measured).
  const optimizerBytes = (s.method === 'lora' ? 5 : 4) * P * F32;
  const checkpointBytes = 3 * P * F32; // weights, m, v
  return { weightsBytes, optimizerBytes, checkpointBytes, activationBytes, totalBytes: weightsBytes + optimizerBytes + checkpointBytes + activationBytes };
}
