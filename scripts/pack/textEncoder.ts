import { GraphBuilder } from './onnx.ts';
import { MASK_NEG, relativeBiasTable, type T5Config, type T5Layer, type T5Weights } from '../../src/text/t5Design.ts';
import { gaussian, mulberry32 } from '../../src/util/rng.ts';

/**
 * The bundled pack's text encoder: a small T5-architecture encoder (v1.0: ReLU FFN) with seeded
 * random weights, exported with the Hugging Face T5 encoder ONNX interface:
 *   input_ids int64 [B,S], attention_mask int64 [B,S] -> last_hidden_state float32 [B,S,D].
 *
 * Sizes: d_model 256 (so random token embeddings are near-orthogonal across a few thousand pieces and the
 * LM's cross-attention can tell them apart), 4 heads of d_kv 64 (t5-base's head width), d_ff 512 and
 * 2 layers. Random layers add context mixing, not meaning, so depth buys little; 2 layers keep the file
 * about 4.2 MB + vocab x 1 KB (~6 MB with the ~1.9k-piece studio vocabulary).
 */
export const STUDIO_T5: Omit<T5Config, 'vocabSize'> = {
  dModel: 256, numHeads: 4, dKv: 64, dFf: 512, numLayers: 2, numBuckets: 32, maxDistance: 128, eps: 1e-6,
};

export const STUDIO_T5_SEED = 0x7e5_0001;

/** Std of the relative position bias; T5 initialises it tiny, we make word order matter visibly. */
const REL_BIAS_STD = 1.0;

function normal(rand: () => number, n: number, std: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gaussian(rand) * std;
  return a;
}

/**
 * Seeded weights with the HF T5 initialisation scales (q: (d*d_kv)^-1/2, k/v/wi: d^-1/2,
 * o: (h*d_kv)^-1/2, wo: d_ff^-1/2; unit-variance embeddings; norm weights 1). With these, the
 * unscaled attention logits have roughly unit variance and the residual stream stays O(1).
 */
export function makeT5Weights(config: T5Config, seed = STUDIO_T5_SEED): T5Weights {
  const { vocabSize: V, dModel: d, numHeads: H, dKv, dFf, numLayers, numBuckets } = config;
  const rand = mulberry32(seed);
  const inner = H * dKv;
  const embed = normal(rand, V * d, 1);
  const relBias = normal(rand, numBuckets * H, REL_BIAS_STD);
  const layers: T5Layer[] = [];
  for (let l = 0; l < numLayers; l++) {
    layers.push({
      ln1: new Float32Array(d).fill(1),
      q: normal(rand, d * inner, (d * dKv) ** -0.5),
      k: normal(rand, d * inner, d ** -0.5),
      v: normal(rand, d * inner, d ** -0.5),
      o: normal(rand, inner * d, inner ** -0.5),
      ln2: new Float32Array(d).fill(1),
      wi: normal(rand, d * dFf, d ** -0.5),
      wo: normal(rand, dFf * d, dFf ** -0.5),
    });
  }
  return { config, embed, relBias, layers, finalLn: new Float32Array(d).fill(1) };
}

/** The ONNX graph for `w` (opset 20). Works for any sequence length: relative offsets are clamped to +-maxDistance. */
export function buildT5EncoderGraph(w: T5Weights): Uint8Array {
  const { vocabSize: V, dModel: d, numHeads: H, dKv, dFf, maxDistance: M, eps } = w.config;
  const inner = H * dKv;
  const g = new GraphBuilder('studio_t5_encoder');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const i64 = (name: string, v: number[]) => g.i64(name, [v.length], v);
  const axisLast = i64('axis_last', [-1]);
  const epsT = g.f32('eps', [1], [eps]);

  const rms = (x: string, weight: Float32Array, name: string): string => {
    const ms = g.o('ReduceMean', [g.o('Mul', [x, x]), axisLast], { keepdims: 1 }); // [B,S,1]
    const inv = g.o('Reciprocal', [g.o('Sqrt', [g.o('Add', [ms, epsT])])]);
    return g.o('Mul', [g.o('Mul', [x, inv]), g.f32(name, [d], weight)]);
  };

  let x = g.o('Gather', [g.f32('shared.weight', [V, d], w.embed), ids], { axis: 0 }); // [B,S,d]

  // Additive key mask [B,1,1,S]: 0 for tokens, MASK_NEG for padding.
  const maskF = g.o('Cast', [mask], { to: 1 });
  const keyMask = g.o('Unsqueeze', [
    g.o('Mul', [g.o('Sub', [g.f32('one_f', [1], [1]), maskF]), g.f32('mask_neg', [1], [MASK_NEG])]), i64('axes_12', [1, 2]),
  ]);

  // Relative position bias [1,H,S,S]: offset j - i clamped to [-M, M], looked up in a per-offset table.
  const S = g.o('Squeeze', [g.o('Slice', [g.o('Shape', [ids]), i64('one', [1]), i64('two', [2])]), i64('axis0', [0])]);
  const pos = g.o('Range', [g.i64('zero_s', [], [0]), S, g.i64('one_s', [], [1])]); // [S]
  const rel = g.o('Sub', [g.o('Unsqueeze', [pos, i64('axes0', [0])]), g.o('Unsqueeze', [pos, i64('axes1', [1])])]); // [S,S]
  const relIdx = g.o('Add', [g.o('Clip', [rel, g.i64('neg_m', [], [-M]), g.i64('pos_m', [], [M])]), g.i64('m_off', [], [M])]);
  const table = g.f32('relative_attention_bias_table', [2 * M + 1, H], relativeBiasTable(w.relBias, w.config));
  const posBias = g.o('Unsqueeze', [g.o('Transpose', [g.o('Gather', [table, relIdx], { axis: 0 })], { perm: [2, 0, 1] }), i64('axes0b', [0])]);
  const bias = g.o('Add', [posBias, keyMask]); // [B,H,S,S]

  const heads = i64('heads_shape', [0, 0, H, dKv]);
  const merged = i64('merged_shape', [0, 0, inner]);
  w.layers.forEach((L, l) => {
    const p = `encoder.block.${l}`;
    const h = rms(x, L.ln1, `${p}.layer.0.layer_norm.weight`);
    const proj = (m: Float32Array, n: string, perm: number[]) =>
      g.o('Transpose', [g.o('Reshape', [g.o('MatMul', [h, g.f32(`${p}.layer.0.SelfAttention.${n}`, [d, inner], m)]), heads])], { perm });
    const q = proj(L.q, 'q', [0, 2, 1, 3]); // [B,H,S,dkv]
    const kT = proj(L.k, 'k', [0, 2, 3, 1]); // [B,H,dkv,S]
    const v = proj(L.v, 'v', [0, 2, 1, 3]); // [B,H,S,dkv]
    const att = g.o('Softmax', [g.o('Add', [g.o('MatMul', [q, kT]), bias])], { axis: -1 }); // no 1/sqrt(d_kv), as T5
    const ctx = g.o('Reshape', [g.o('Transpose', [g.o('MatMul', [att, v])], { perm: [0, 2, 1, 3] }), merged]);
    x = g.o('Add', [x, g.o('MatMul', [ctx, g.f32(`${p}.layer.0.SelfAttention.o`, [inner, d], L.o)])]);
    const f = rms(x, L.ln2, `${p}.layer.1.layer_norm.weight`);
    const hid = g.o('Relu', [g.o('MatMul', [f, g.f32(`${p}.layer.1.DenseReluDense.wi`, [d, dFf], L.wi)])]);
    x = g.o('Add', [x, g.o('MatMul', [hid, g.f32(`${p}.layer.1.DenseReluDense.wo`, [dFf, d], L.wo)])]);
  });
  const out = rms(x, w.finalLn, 'encoder.final_layer_norm.weight');
  g.o('Identity', [out], {}, 'last_hidden_state');
  g.output('last_hidden_state', 'float32', ['batch_size', 'sequence_length', d]);
  return g.build('MusicGen Studio bundled text encoder: T5 encoder architecture, seeded weights (HF T5 encoder ONNX interface).');
}

/** Weights + graph for a tokenizer of `vocabSize` pieces. `bytes` is deterministic for the same arguments. */
export function buildTextEncoder(vocabSize: number, seed = STUDIO_T5_SEED, overrides: Partial<Omit<T5Config, 'vocabSize'>> = {}):
  { bytes: Uint8Array; weights: T5Weights; config: T5Config } {
  const config: T5Config = { ...STUDIO_T5, ...overrides, vocabSize };
  const weights = makeT5Weights(config, seed);
  return { bytes: buildT5EncoderGraph(weights), weights, config };
}
