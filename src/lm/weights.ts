/**
 * LM variables under their Hugging Face MusicGen names (one tensor per name, torch layout), loaded
 * from / saved to safetensors, or initialised from a seed.
 *
 * Names (i = block, k = codebook; D = decoder.model.decoder):
 *   D.embed_tokens.{k}.weight [card+1, d]        D.layers.{i}.self_attn.{q,k,v,out}_proj.weight [d, d]
 *   D.layers.{i}.encoder_attn.{q,k,v,out}_proj.weight [d, d]   (cross mode)
 *   D.layers.{i}.{self_attn,encoder_attn,final}_layer_norm.{weight,bias} [d]
 *   D.layers.{i}.fc1.weight [ffn, d]   D.layers.{i}.fc2.weight [d, ffn]   D.layer_norm.{weight,bias} [d]
 *   decoder.lm_heads.{k}.weight [card, d]   enc_to_dec_proj.{weight [d, textDim], bias [d]}
 *   audio_enc_to_dec_proj.{weight [d, chromaBins], bias [d]}   (prefix mode)
 *   D.embed_positions.weights [n, d]: the sinusoid table HF checkpoints carry (optional, not a variable).
 *   D.beat_proj.weight [d, BEAT_FEATURES]: the bundled LM's beat clock (config.beatClock only; beatClock.ts).
 *   D.key_proj.weight [d, KEY_FEATURES]: the bundled LM's key input (config.keyChannel only; beatClock.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors/StudioError';
import { gaussian, mulberry32 } from '../util/rng';
import { BEAT_FEATURES, BEAT_PROJ_NAME, KEY_FEATURES, KEY_PROJ_NAME } from './beatClock';
import type { LmConfig } from './config';
import { disposeLm, sinusoidTable, type Attn, type Lm, type LmParams, type Norm } from './model';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';

const D = 'decoder.model.decoder';
export const POSITIONS_NAME = `${D}.embed_positions.weights`;

/** What a weight is, for initialisation. `depth`: 1-based block index, or null outside blocks. */
export type ParamKind = 'linear' | 'embed' | 'normWeight' | 'bias' | 'zero';
type Maker = (name: string, shape: number[], kind: ParamKind, depth: number | null) => tf.Tensor;

/** Build the model from one maker called once per HF name; the single place that knows names and shapes. */
function buildLm(cfg: LmConfig, make: Maker, positions: Float32Array): Lm {
  const named = new Map<string, tf.Variable>();
  const v = (name: string, shape: number[], kind: ParamKind, depth: number | null = null): tf.Variable => {
    const t = make(name, shape, kind, depth);
    const variable = tf.variable(t, true); // unnamed: tfjs variable names are global
    t.dispose();
    named.set(name, variable);
    return variable;
  };
  const { dim: d, ffn, card, codebooks: K } = cfg;
  const norm = (n: string, depth: number | null = null): Norm => ({ weight: v(`${n}.weight`, [d], 'normWeight', depth), bias: v(`${n}.bias`, [d], 'bias', depth) });
  const attn = (n: string, depth: number): Attn => ({
    q: v(`${n}.q_proj.weight`, [d, d], 'linear', depth),
    k: v(`${n}.k_proj.weight`, [d, d], 'linear', depth),
    v: v(`${n}.v_proj.weight`, [d, d], 'linear', depth),
    o: v(`${n}.out_proj.weight`, [d, d], 'linear', depth),
  });
  const cross = cfg.conditioning === 'cross';
  const makeParams = (): LmParams => ({
    embed: Array.from({ length: K }, (_, k) => v(`${D}.embed_tokens.${k}.weight`, [card + 1, d], 'embed')),
    blocks: Array.from({ length: cfg.layers }, (_, i) => {
      const L = `${D}.layers.${i}`;
      return {
        norm1: norm(`${L}.self_attn_layer_norm`, i + 1),
        selfAttn: attn(`${L}.self_attn`, i + 1),
        normCross: cross ? norm(`${L}.encoder_attn_layer_norm`, i + 1) : undefined,
        crossAttn: cross ? attn(`${L}.encoder_attn`, i + 1) : undefined,
        norm2: norm(`${L}.final_layer_norm`, i + 1),
        fc1: v(`${L}.fc1.weight`, [ffn, d], 'linear', i + 1),
        fc2: v(`${L}.fc2.weight`, [d, ffn], 'linear', i + 1),
      };
    }),
    outNorm: norm(`${D}.layer_norm`),
    heads: Array.from({ length: K }, (_, k) => v(`decoder.lm_heads.${k}.weight`, [card, d], 'linear')),
    textProj: { weight: v('enc_to_dec_proj.weight', [d, cfg.textDim], 'linear'), bias: v('enc_to_dec_proj.bias', [d], 'bias') },
    chromaProj: cross ? undefined : { weight: v('audio_enc_to_dec_proj.weight', [d, cfg.chromaBins], 'linear'), bias: v('audio_enc_to_dec_proj.bias', [d], 'bias') },
    beatProj: cfg.beatClock ? v(BEAT_PROJ_NAME, [d, BEAT_FEATURES], 'zero') : undefined,
    keyProj: cfg.keyChannel ? v(KEY_PROJ_NAME, [d, KEY_FEATURES], 'zero') : undefined,
  });
  try {
    return { config: cfg, params: makeParams(), named, positions: tf.tensor2d(positions, [cfg.maxPositions, d]) };
  } catch (err) {
    for (const x of named.values()) x.dispose(); // no leak when a tensor is missing or misshapen
    throw err;
  }
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export interface LoadOptions {
  /** 'file' (default): use the checkpoint's embed_positions table when it has >= maxPositions rows
   *  (audiocraft's float32 rounding); 'computed': always our float64 sinusoids (differ by <= 3e-5). */
  positions?: 'file' | 'computed';
}

/**
 * Load an LM from safetensors bytes. Every expected name must be present with its exact shape (but
 * the beat clock's, which is zero when absent); unknown names are refused.
 */
export function loadLm(cfg: LmConfig, bytes: Uint8Array, opts: LoadOptions = {}): Lm {
  const { tensors } = readSafetensors(bytes);
  return lmFromTensors(cfg, tensors, opts);
}

export function lmFromTensors(cfg: LmConfig, tensors: Map<string, NamedTensor>, opts: LoadOptions = {}): Lm {
  const table = tensors.get(POSITIONS_NAME);
  let positions = sinusoidTable(cfg.maxPositions, cfg.dim);
  if (opts.positions !== 'computed' && table && table.shape[1] === cfg.dim && table.shape[0] >= cfg.maxPositions) {
    positions = table.data.slice(0, cfg.maxPositions * cfg.dim);
  }
  const lm = buildLm(
    cfg,
    (name, shape) => {
      const t = tensors.get(name);
      // A file from before the beat clock (a model fine-tuned on an older pack) is that LM with its clock at zero.
      if (!t && (name === BEAT_PROJ_NAME || name === KEY_PROJ_NAME)) return tf.zeros(shape);
      if (!t) throw new StudioError('MODEL_INTEGRITY', `LM weights: missing tensor ${name}`);
      if (!sameShape(t.shape, shape)) throw new StudioError('MODEL_INTEGRITY', `LM weights: ${name} has shape [${t.shape}], config wants [${shape}]`);
      return tf.tensor(t.data, shape, 'float32');
    },
    positions,
  );
  const unknown = [...tensors.keys()].filter((name) => name !== POSITIONS_NAME && !lm.named.has(name));
  if (unknown.length > 0) {
    disposeLm(lm);
    throw new StudioError('MODEL_INTEGRITY', `LM weights: unexpected tensors ${unknown.slice(0, 5).join(', ')}`);
  }
  return lm;
}

/** All variables (HF names) plus the position table, as a safetensors file. */
export async function saveLm(lm: Lm, metadata: Record<string, string> = {}, dtype: 'F32' | 'F16' = 'F32'): Promise<Uint8Array> {
  const out = new Map<string, NamedTensor>();
  for (const [name, v] of lm.named) out.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  out.set(POSITIONS_NAME, { shape: lm.positions.shape, data: (await lm.positions.data()) as Float32Array });
  return writeSafetensors(out, { format: 'pt', ...metadata }, dtype);
}

/**
 * Seeded initial weights, audiocraft's `weight_init: gaussian` + `depthwise_init: current`:
 * truncated normal (±3σ) with σ = 1/√fan_in for linears (fan_in = in features) and σ = 1/√d for
 * embeddings, divided by √(2·depth) inside block `depth` (1-based); LayerNorms 1 / 0, biases 0.
 * (audiocraft leaves enc_to_dec_proj at torch's default init; we use the same gaussian rule for it.)
 */
export function initLm(cfg: LmConfig, seed: number): Lm {
  const rand = mulberry32(seed);
  const truncNormal = (std: number) => {
    for (;;) {
      const z = gaussian(rand);
      if (Math.abs(z) <= 3) return z * std;
    }
  };
  return buildLm(
    cfg,
    (_name, shape, kind, depth) => {
      const n = shape.reduce((a, b) => a * b, 1);
      if (kind === 'normWeight') return tf.ones(shape);
      if (kind === 'bias' || kind === 'zero') return tf.zeros(shape); // 'zero': the beat clock starts silent
      const fanIn = shape[shape.length - 1];
      const std = 1 / Math.sqrt(fanIn) / (depth ? Math.sqrt(2 * depth) : 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = truncNormal(std);
      return tf.tensor(data, shape, 'float32');
    },
    sinusoidTable(cfg.maxPositions, cfg.dim),
  );
}
