/**
 * Pretrains the bundled pack's LM on the procedural corpus (issue 7), with the studio's own
 * training loop (src/lm/train: AdamW, warmup + cosine, clipping, condition dropout) on tfjs WASM
 * in Node, then writes the weights into the pack:
 *
 *   npm run pretrain                  corpus -> codes -> train (resumes from its checkpoint) -> pack
 *   npm run pretrain -- --check       the same, then fails unless the weights equal the committed ones
 *   PRETRAIN_STEPS=... PRETRAIN_PIECES=... npm run pretrain
 *
 * Everything is deterministic from the seeds below, the pack's codec and text encoder, and the
 * settings, so a rerun reproduces the committed weights. Losses go to <dir>/log.jsonl; a
 * checkpoint is written every `checkpointEvery` steps and a restarted run continues from it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { disposeLm, evalLoss, initLm, makeBatch, disposeBatch, readCheckpoint, saveLm, Trainer, type Crop, type TrainClip } from '../src/lm/index.ts';
import { patchWasmKernels } from '../src/runtime/wasmKernels.ts';
import { packDescription } from './pack/lmPack.ts';
import { corpusCodes, type CorpusPiece } from './pretrain/corpusCodes.ts';
import { loadStudioTools, type StudioTools } from './pretrain/studioPack.ts';

const PACK_DIR = process.env.PACK_DIR ?? new URL('../public/models/studio/', import.meta.url).pathname;
const DIR = process.env.PRETRAIN_DIR ?? new URL('../.cache/pretrain/', import.meta.url).pathname;
const SETTINGS = {
  corpusSeed: 7_000_000,
  valSeed: 9_000_000,
  pieces: Number(process.env.PRETRAIN_PIECES ?? 600),
  valPieces: 24,
  seconds: 10,
  captionsPerPiece: 3,
  initSeed: 20261126,
  train: {
    steps: Number(process.env.PRETRAIN_STEPS ?? 600),
    lr: 1.5e-3,
    warmup: 60,
    batchSize: 8,
    cropFrames: 250,
    condDropout: 0.3,
    evalEvery: 0,
    checkpointEvery: 50,
    valFraction: 0,
    seed: 11,
  },
};
const t0 = Date.now();
const log = (m: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}`);

async function clipsOf(tools: StudioTools, pieces: CorpusPiece[], prefix: string, captions = Infinity): Promise<TrainClip[]> {
  const clips: TrainClip[] = [];
  for (const [i, p] of pieces.entries()) {
    for (const [j, caption] of p.captions.slice(0, captions).entries()) {
      const c = await tools.caption(caption);
      clips.push({ name: `${prefix}${i}.${j}`, caption, codes: p.codes, frames: p.frames, text: { states: c.states, tokens: c.dims.s, mask: Uint8Array.from(c.mask) } });
    }
  }
  return clips;
}

async function main(): Promise<void> {
  patchWasmKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  mkdirSync(DIR, { recursive: true });
  const tools = await loadStudioTools(PACK_DIR);
  const cfg = tools.manifest.lm!.config;
  const common = { seconds: SETTINGS.seconds, captionsPerPiece: SETTINGS.captionsPerPiece, cacheDir: DIR, log };
  const train = await clipsOf(tools, await corpusCodes(tools, { ...common, firstSeed: SETTINGS.corpusSeed, pieces: SETTINGS.pieces }), 'p');
  const val = await clipsOf(tools, await corpusCodes(tools, { ...common, firstSeed: SETTINGS.valSeed, pieces: SETTINGS.valPieces }), 'v', 1);
  log(`${train.length} training clips (${SETTINGS.pieces} pieces x ${SETTINGS.captionsPerPiece} captions), ${val.length} validation clips`);

  const runId = createHash('sha256').update(JSON.stringify({ SETTINGS, cfg, codec: tools.manifest.files })).digest('hex').slice(0, 10);
  const ckptFile = `${DIR}/ckpt-${runId}.bin`;
  const logFile = `${DIR}/log-${runId}.jsonl`;
  const lm = initLm(cfg, SETTINGS.initSeed);
  const resume = existsSync(ckptFile) ? readCheckpoint(new Uint8Array(readFileSync(ckptFile)), lm) : undefined;
  if (resume) log(`resuming from step ${resume.step} (${ckptFile})`);

  // Validation: fixed 5 s crops of held-out pieces, conditional, on every checkpoint.
  const shape = { codebooks: cfg.codebooks, card: cfg.card, textDim: cfg.textDim };
  const valCrops: Crop[] = val.map((c, i) => ({ clip: i, start: 0, frames: Math.min(SETTINGS.train.cropFrames, c.frames) }));
  const validate = async (): Promise<number> => {
    let sum = 0;
    for (let i = 0; i < valCrops.length; i += SETTINGS.train.batchSize) {
      const batch = makeBatch(val, valCrops.slice(i, i + SETTINGS.train.batchSize), shape);
      try {
        sum += (await evalLoss(lm, batch)) * Math.min(SETTINGS.train.batchSize, valCrops.length - i);
      } finally {
        disposeBatch(batch);
      }
    }
    return sum / valCrops.length;
  };

  let last = { loss: NaN, lr: NaN, tps: NaN };
  const trainer = new Trainer(lm, train, SETTINGS.train, {
    onStep: (s) => {
      last = { loss: s.smoothLoss, lr: s.lr, tps: s.tokensPerSecond };
      appendFileSync(logFile, JSON.stringify({ step: s.step, loss: s.loss, condDropped: s.condDropped, lr: s.lr, gradNorm: s.gradNorm }) + '\n');
      if (s.step % 10 === 0) log(`step ${s.step}/${s.steps} loss ${s.smoothLoss.toFixed(3)} lr ${s.lr.toExponential(2)} ${Math.round(s.tokensPerSecond)} tok/s, eta ${Math.round(s.etaSeconds / 60)} min`);
    },
    onCheckpoint: async (bytes, step) => {
      writeFileSync(ckptFile, bytes);
      const v = await validate();
      appendFileSync(logFile, JSON.stringify({ step, valLoss: v }) + '\n');
      log(`checkpoint at step ${step}: validation loss ${v.toFixed(3)} (train ${last.loss.toFixed(3)})`);
    },
  }, resume);
  const result = await trainer.run();
  log(`trained ${result.step} steps, loss ${result.loss.toFixed(3)}`);

  const weights = await saveLm(lm, { producer: 'musicgen-studio pretrain', run: runId, steps: String(result.step), corpus: `${SETTINGS.pieces} pieces` }, 'F16');
  disposeLm(lm);
  if (process.argv.includes('--check')) checkPackWeights(weights);
  else writePackWeights(weights, result.step);
}

function checkPackWeights(weights: Uint8Array): void {
  const manifest = JSON.parse(readFileSync(`${PACK_DIR}/manifest.json`, 'utf8'));
  const want = manifest.files[manifest.lm.weights].sha256;
  const got = createHash('sha256').update(weights).digest('hex');
  if (got !== want) {
    console.error(`the pretrained weights differ from the committed pack (${got} vs ${want})`);
    process.exit(1);
  }
  log('the committed LM weights are reproduced byte for byte');
}

/** Replace the pack's LM weights and their manifest entry (size, hash, description). */
function writePackWeights(weights: Uint8Array, steps: number): void {
  const manifestPath = `${PACK_DIR}/manifest.json`;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const entry = manifest.files[manifest.lm.weights];
  writeFileSync(`${PACK_DIR}/${entry.path}`, weights);
  entry.bytes = weights.length;
  entry.sha256 = createHash('sha256').update(weights).digest('hex');
  manifest.lm.pretraining = { script: 'scripts/pretrain.ts', steps, pieces: SETTINGS.pieces, seconds: SETTINGS.seconds };
  manifest.description = packDescription(true);
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  log(`wrote ${entry.path} (${(weights.length / 1e6).toFixed(2)} MB) into ${PACK_DIR}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
