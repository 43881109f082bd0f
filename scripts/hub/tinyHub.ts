/**
 * A tiny stand-in for the Hugging Face hub files of musicgen-small: the same repositories,
 * revisions, file names, tensor names and graph interfaces as the real pack manifest
 * (public/models/musicgen-small/manifest.json), at tiny sizes, built from code and seeds by the
 * bundled pack's own builders (codec graphs, T5 graph, LM initialiser):
 *   facebook/musicgen-small  model.safetensors  the whole MusicgenForConditionalGeneration, F32:
 *                                               text_encoder.* (T5), audio_encoder.* (codebooks),
 *                                               decoder.* (LM: d 64, 2 layers, K 4 x 2048), enc_to_dec_proj.*
 *                            config.json        the matching Hugging Face config
 *                            tokenizer.json     a T5-format tokenizer (the studio's vocabulary)
 *   Xenova/musicgen-small    onnx/text_encoder.onnx   T5 encoder, d 32 (input_ids, attention_mask -> last_hidden_state)
 *                            onnx/encodec_encoder.onnx, onnx/encodec_decode.onnx   EnCodec interface, K 4 x 2048, 32 kHz
 *   Xenova/t5-base           onnx/encoder_model.onnx, tokenizer.json   the t5-base export's names and interface
 * Deterministic: the same code gives the same bytes. Not committed (about 16 MB): tests build it in
 * memory, `npx tsx scripts/hub/build-hub.ts [dir]` writes it to disk (default .cache/hub).
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { bandWeights, CODEC_DESIGN, leftPad } from '../../src/codec/design.ts';
import { disposeLm, initLm, type LmConfig } from '../../src/lm/index.ts';
import { POSITIONS_NAME } from '../../src/lm/weights.ts';
import { writeSafetensors, type NamedTensor } from '../../src/lm/safetensors.ts';
import { gaussian, mulberry32 } from '../../src/util/rng.ts';
import { buildDecoderGraph, buildEncoderGraph } from '../pack/codecGraphs.ts';
import { fromHalf, toHalf } from '../pack/onnx.ts';
import { buildTextEncoder } from '../pack/textEncoder.ts';
import { buildStudioTokenizer } from '../pack/textTokenizer.ts';
import type { T5Weights } from '../../src/text/t5Design.ts';

export const TINY_SEED = 20261206;
export const TINY_T5 = { dModel: 32, numHeads: 2, dKv: 16, dFf: 64, numLayers: 2 } as const;
/** Same as musicgen-small except the widths. */
export function tinyLmConfig(textDim: number): LmConfig {
  return {
    dim: 64, layers: 2, heads: 4, ffn: 256, codebooks: 4, card: 2048, textDim, maxPositions: 2048,
    conditioning: 'cross', chromaBins: 0, dropout: 0, textMasking: 'hf', beatClock: false, keyChannel: false,
  };
}

type Json = Record<string, unknown>;
interface ManifestFileJson { repo?: string; revision?: string; path: string; tensors?: string[]; [k: string]: unknown }

/** Hub path (no leading slash) of a manifest file entry. */
export function hubPath(f: { repo?: string; revision?: string; path: string }): string {
  if (!f.repo) throw new Error(`${f.path} has no repo`);
  return `${f.repo}/resolve/${f.revision ?? 'main'}/${f.path}`;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** K seeded codebooks [card, bands]: stage 0 a ladder of levels (as the bundled RVQ), then small random residuals. */
function tinyCodebooks(seed: number): { codebooks: Float32Array[]; dims: number } {
  const { bands } = bandWeights(CODEC_DESIGN);
  const { codebooks: K, cardinality: card, logFloor } = CODEC_DESIGN;
  const rand = mulberry32(seed);
  const half = (v: number) => fromHalf(toHalf(v));
  const lo = Math.log(logFloor);
  const out: Float32Array[] = [];
  for (let k = 0; k < K; k++) {
    const cb = new Float32Array(card * bands);
    for (let j = 0; j < card; j++) {
      const level = lo + ((-1 - lo) * j) / (card - 1);
      for (let b = 0; b < bands; b++) cb[j * bands + b] = half(k === 0 ? level : 0.5 * gaussian(rand));
    }
    out.push(cb);
  }
  return { codebooks: out, dims: bands };
}

/** The T5 weights under Hugging Face names (torch Linear layout [out, in]), as model.safetensors holds them. */
function t5Tensors(w: T5Weights, prefix: string): Map<string, NamedTensor> {
  const { vocabSize: V, dModel: d, numHeads: H, dKv, dFf, numBuckets } = w.config;
  const inner = H * dKv;
  const m = new Map<string, NamedTensor>();
  const t = (rows: number, cols: number, a: Float32Array): NamedTensor => {
    const out = new Float32Array(rows * cols); // [in, out] -> [out, in]
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
    return { shape: [cols, rows], data: out };
  };
  m.set(`${prefix}shared.weight`, { shape: [V, d], data: w.embed });
  m.set(`${prefix}encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight`, { shape: [numBuckets, H], data: w.relBias });
  w.layers.forEach((L, l) => {
    const p = `${prefix}encoder.block.${l}.layer`;
    m.set(`${p}.0.layer_norm.weight`, { shape: [d], data: L.ln1 });
    m.set(`${p}.0.SelfAttention.q.weight`, t(d, inner, L.q));
    m.set(`${p}.0.SelfAttention.k.weight`, t(d, inner, L.k));
    m.set(`${p}.0.SelfAttention.v.weight`, t(d, inner, L.v));
    m.set(`${p}.0.SelfAttention.o.weight`, t(inner, d, L.o));
    m.set(`${p}.1.layer_norm.weight`, { shape: [d], data: L.ln2 });
    m.set(`${p}.1.DenseReluDense.wi.weight`, t(d, dFf, L.wi));
    m.set(`${p}.1.DenseReluDense.wo.weight`, t(dFf, d, L.wo));
  });
  m.set(`${prefix}encoder.final_layer_norm.weight`, { shape: [d], data: w.finalLn });
  return m;
}

async function lmTensors(cfg: LmConfig, seed: number): Promise<Map<string, NamedTensor>> {
  const before = tf.getBackend();
  if (before !== 'cpu') await tf.setBackend('cpu');
  const lm = initLm(cfg, seed);
  try {
    const m = new Map<string, NamedTensor>();
    for (const [name, v] of lm.named) m.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    m.set(POSITIONS_NAME, { shape: lm.positions.shape, data: (await lm.positions.data()) as Float32Array });
    return m;
  } finally {
    disposeLm(lm);
  }
}

export interface TinyHub {
  /** Hub paths ('<org>/<repo>/resolve/<revision>/<path>') -> bytes. */
  files: Map<string, Uint8Array>;
  /** The tiny pack's manifest: the real manifest's files (same repos, revisions, paths), sizes and hashes filled, tiny numbers. */
  manifest: Json;
  /**
   * A tiny melody-conditioned pack beside it (musicgen-melody's prefix conditioning: the same codec
   * and text files, a decoder with `audio_enc_to_dec_proj` at facebook/musicgen-melody's path). No
   * real melody pack is registered; this one lets the browser tests take the melody path.
   */
  melodyManifest: Json;
}

/** Builds the hub files for `realManifest` (the JSON of public/models/musicgen-small/manifest.json). */
export async function buildTinyHub(realManifest: Json, seed = TINY_SEED): Promise<TinyHub> {
  const tokenizerJson = buildStudioTokenizer();
  const tokenizer = new TextEncoder().encode(JSON.stringify(tokenizerJson));
  const vocab = tokenizerJson.model.vocab.length;
  const t5 = buildTextEncoder(vocab, seed + 1, TINY_T5);
  const t5base = buildTextEncoder(vocab, seed + 2, TINY_T5);
  const { codebooks, dims } = tinyCodebooks(seed + 3);
  const lmCfg = tinyLmConfig(TINY_T5.dModel);

  const all = new Map<string, NamedTensor>([...t5Tensors(t5.weights, 'text_encoder.'), ...(await lmTensors(lmCfg, seed + 4))]);
  codebooks.forEach((cb, k) => all.set(`audio_encoder.quantizer.layers.${k}.codebook.embed`, { shape: [CODEC_DESIGN.cardinality, dims], data: cb }));
  const safetensors = writeSafetensors(all, { format: 'pt' }, 'F32');

  const files = realManifest.files as Record<string, ManifestFileJson>;
  const content: Record<string, Uint8Array> = {
    codecEncoder: buildEncoderGraph(codebooks, dims),
    codecDecoder: buildDecoderGraph(codebooks, dims),
    textEncoder: t5.bytes,
    tokenizer,
    lmWeights: safetensors,
  };
  const out = new Map<string, Uint8Array>();
  const tinyFiles: Record<string, Json> = {};
  for (const [role, f] of Object.entries(files)) {
    const bytes = content[role];
    if (!bytes) throw new Error(`the tiny hub has nothing for role ${role}`);
    out.set(hubPath(f), bytes);
    const { approxBytes: _a, sha256: _s, ...keep } = f;
    tinyFiles[role] = f.tensors ? { ...keep, bytes: bytes.length } : { ...keep, bytes: bytes.length, sha256: sha(bytes) };
  }
  const lmFile = files[(realManifest.lm as Json).weights as string];
  const dec = { hidden_size: lmCfg.dim, num_hidden_layers: lmCfg.layers, num_attention_heads: lmCfg.heads, ffn_dim: lmCfg.ffn,
    num_codebooks: lmCfg.codebooks, vocab_size: lmCfg.card, max_position_embeddings: lmCfg.maxPositions, dropout: 0,
    pad_token_id: lmCfg.card, bos_token_id: lmCfg.card, model_type: 'musicgen_decoder' };
  const hfConfig = {
    architectures: ['MusicgenForConditionalGeneration'], model_type: 'musicgen', decoder: dec,
    text_encoder: { model_type: 't5', d_model: TINY_T5.dModel, num_heads: TINY_T5.numHeads, d_kv: TINY_T5.dKv, d_ff: TINY_T5.dFf,
      num_layers: TINY_T5.numLayers, vocab_size: vocab, feed_forward_proj: 'relu' },
    audio_encoder: { model_type: 'encodec', sampling_rate: CODEC_DESIGN.sampleRate, codebook_size: CODEC_DESIGN.cardinality },
  };
  out.set(hubPath({ ...lmFile, path: 'config.json' }), new TextEncoder().encode(JSON.stringify(hfConfig, null, 2)));
  // The t5-base export, as Xenova/t5-base lays it out.
  out.set('Xenova/t5-base/resolve/main/onnx/encoder_model.onnx', t5base.bytes);
  out.set('Xenova/t5-base/resolve/main/tokenizer.json', tokenizer);

  const manifest: Json = {
    ...realManifest,
    id: 'musicgen-small-tiny',
    name: 'MusicGen small (tiny test double)',
    version: `tiny-${seed}`,
    description: 'Tiny stand-in for the musicgen-small pack, built by scripts/hub/tinyHub.ts: same hub paths, tensor names and graph interfaces, seeded weights.',
    files: tinyFiles,
    // The bundled codec design's reach (its stand-in decoder has the real interface, so no phase hand-on:
    // each decode chunk starts its running phases at zero).
    codec: { ...(realManifest.codec as Json), contextFrames: Math.ceil(leftPad(CODEC_DESIGN) / CODEC_DESIGN.hopLength) + 1 },
    text: { ...(realManifest.text as Json), hiddenSize: TINY_T5.dModel },
    lm: { ...(realManifest.lm as Json), config: lmCfg },
  };
  // The melody double: a prefix-mode decoder (one-hot chroma frames prepended to the text), its own weights.
  const melodyCfg: LmConfig = { ...lmCfg, conditioning: 'prefix', chromaBins: 12 };
  const melodyWeights = writeSafetensors(new Map([...t5Tensors(t5.weights, 'text_encoder.'), ...(await lmTensors(melodyCfg, seed + 5))]), { format: 'pt' }, 'F32');
  const melodyFile = { repo: 'facebook/musicgen-melody', revision: 'main', path: 'model.safetensors' };
  out.set(hubPath(melodyFile), melodyWeights);
  const melodyManifest: Json = {
    ...manifest,
    id: 'musicgen-melody-tiny',
    name: 'MusicGen melody (tiny test double)',
    description: 'Tiny stand-in for a musicgen-melody pack, built by scripts/hub/tinyHub.ts: prefix (melody) conditioning, seeded weights.',
    files: { ...tinyFiles, lmWeights: { ...melodyFile, tensors: ['decoder.', 'enc_to_dec_proj.', 'audio_enc_to_dec_proj.'], bytes: melodyWeights.length } },
    lm: { ...(manifest.lm as Json), config: melodyCfg },
  };
  return { files: out, manifest, melodyManifest };
}
