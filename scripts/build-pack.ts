/**
 * Builds the bundled model pack, public/models/studio/, from code and seeds alone (no download):
 *   npm run build:pack            writes the pack
 *   npm run build:pack -- --check rebuilds in memory and fails if any committed byte differs
 * The codec is an EnCodec-interface ONNX pair (see src/codec/design.ts for the signal design).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { CODEC_DESIGN, bandScale } from '../src/codec/design.ts';
import { buildStudioTextPack } from './pack/textPack.ts';
import { buildStudioLm, packDescription, studioLmConfig } from './pack/lmPack.ts';
import { trainRvq } from './pack/trainRvq.ts';
import { buildDecoderGraph, buildEncoderGraph } from './pack/codecGraphs.ts';

// PACK_OUT: build somewhere else (to compare a candidate before replacing the committed pack).
const PACK_DIR = process.env.PACK_OUT ?? new URL('../public/models/studio/', import.meta.url).pathname;
const SEED = 20261125;
const check = process.argv.includes('--check');
const t0 = Date.now();
const log = (m: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

const scale = bandScale();
const { codebooks, dims } = trainRvq({ seed: SEED, segments: Number(process.env.PACK_SEGMENTS ?? 320), iters: Number(process.env.PACK_ITERS ?? 10), scale, log });
const text = buildStudioTextPack(SEED);
const lmConfig = studioLmConfig(text.hiddenSize, CODEC_DESIGN.cardinality, CODEC_DESIGN.codebooks);
// The LM: once pretrained (npm run pretrain, hours), its weights are kept here as committed and
// `npm run pretrain -- --check` is what reproduces them; before that, seeded initial weights.
const committed = existsSync(PACK_DIR + 'manifest.json') ? JSON.parse(readFileSync(PACK_DIR + 'manifest.json', 'utf8')) : null;
const pretraining = committed?.lm?.pretraining;
const lmWeights = pretraining ? new Uint8Array(readFileSync(PACK_DIR + committed.files[committed.lm.weights].path)) : await buildStudioLm(lmConfig, SEED + 7);
if (pretraining) log(`LM: keeping the pretrained weights (${pretraining.steps} steps; npm run pretrain -- --check reproduces them)`);
const files: Record<string, Uint8Array> = {
  'encodec_encoder.onnx': buildEncoderGraph(codebooks, dims, { scale, gainStep: CODEC_DESIGN.gainStep }),
  'encodec_decode.onnx': buildDecoderGraph(codebooks, dims, { scale, phaseState: true }),
  'text_encoder.onnx': text.encoder,
  'tokenizer.json': text.tokenizer,
  'model.safetensors': lmWeights,
};
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const d = CODEC_DESIGN;
const manifest = {
  schema: 1,
  id: 'studio',
  name: 'Studio (bundled)',
  version: '0.1.0',
  description: packDescription(!!pretraining),
  files: {
    codecEncoder: { path: 'encodec_encoder.onnx', bytes: files['encodec_encoder.onnx'].length, sha256: sha(files['encodec_encoder.onnx']) },
    codecDecoder: { path: 'encodec_decode.onnx', bytes: files['encodec_decode.onnx'].length, sha256: sha(files['encodec_decode.onnx']) },
    textEncoder: { path: 'text_encoder.onnx', bytes: files['text_encoder.onnx'].length, sha256: sha(files['text_encoder.onnx']) },
    tokenizer: { path: 'tokenizer.json', bytes: files['tokenizer.json'].length, sha256: sha(files['tokenizer.json']) },
    lmWeights: { path: 'model.safetensors', bytes: files['model.safetensors'].length, sha256: sha(files['model.safetensors']) },
  },
  codec: {
    encoder: 'codecEncoder',
    decoder: 'codecDecoder',
    sampleRate: d.sampleRate,
    frameRate: d.sampleRate / d.hopLength,
    hopLength: d.hopLength,
    codebooks: d.codebooks,
    cardinality: d.cardinality,
    specialToken: d.cardinality,
    /** Frames of context each side when long audio is processed in chunks (window reach). */
    contextFrames: 3, // the synthesis window reaches 3 frames back
  },
  text: { encoder: 'textEncoder', tokenizer: 'tokenizer', hiddenSize: text.hiddenSize, maxTokens: text.maxTokens },
  lm: {
    weights: 'lmWeights',
    config: pretraining ? committed.lm.config : lmConfig, // pretraining may grow the LM (scripts/pretrain/grow.ts)
    // continuationCfg, measured in session 16 (eval:prompts' continuation, 96 pieces shown 4 s,
    // continued to 10 s): key on the last 6 s 48% at CFG 3, 65% at 4 and 5 (the piece itself 63%);
    // tempo 72% -> 67% / 66%; both 33% -> 43% / 48%. Fresh takes gain nothing from 5 (session 13).
    defaults: { seconds: 8, temperature: 1, topK: 250, topP: 0, cfg: 3, continuationCfg: 5 },
    // Measured on two fixtures, 100 steps of 5 s crops (session 4): full lr 2e-5 barely moves this
    // small model (validation 6.5 -> 6.3), 1e-3 reaches 5.2; LoRA 1e-3 trains as fast as 2e-3
    // without its rising validation loss.
    trainDefaults: { lr: { full: 1e-3, lora: 1e-3 } },
    // Pretrained on 5 s crops (scripts/pretrain.ts, cropFrames 250): past position 250 its loss on
    // real pieces is ~5.0 against ~2.8 (session 9), so longer takes are sampled in 5 s windows that
    // keep the last 2 s as context (audiocraft keeps 12 of 30 s).
    window: { maxSeconds: 5, extendStrideSeconds: 3 },
    ...(pretraining ? { pretraining } : {}),
  },
  chroma: { nFft: 16384, hopLength: 4096 },
};
const out: Record<string, Uint8Array> = { ...files, 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n') };

if (check) {
  const bad = Object.entries(out).filter(([name, bytes]) => {
    const p = PACK_DIR + name;
    return !existsSync(p) || sha(new Uint8Array(readFileSync(p))) !== sha(bytes);
  });
  if (bad.length) { console.error(`differs from the committed pack: ${bad.map(([n]) => n).join(', ')}`); process.exit(1); }
  log('the committed pack is reproduced byte for byte');
} else {
  mkdirSync(PACK_DIR, { recursive: true });
  for (const [name, bytes] of Object.entries(out)) writeFileSync(PACK_DIR + name, bytes);
  const total = Object.values(out).reduce((s, b) => s + b.length, 0);
  log(`wrote ${PACK_DIR} (${(total / 1e6).toFixed(2)} MB)`);
}
