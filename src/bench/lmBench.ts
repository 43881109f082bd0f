// Browser harness for the LM part of `npm run bench`: generation speed per tfjs backend on the
// bundled pack, the KV cache against full recomputation, peak tfjs memory; and the text encoder
// on one ONNX Runtime backend (for the WebGPU/WASM parity test).
import * as tf from '@tensorflow/tfjs';
import { Codec } from '../codec/encodec';
import { createCache, disposeCache, disposeLm, extend, forward, generate, loadLm, step } from '../lm';
import { createStepper } from '../lm/stepper';
import { clockAt, NO_CLOCK, withKey } from '../lm/beatClock';
import { fetchPackFile } from '../packs/fetchFile';
import { fileUrl, type Manifest } from '../packs/manifest';
import { fetchManifest } from '../workers/packFiles';
import type { BackendName } from '../runtime/backend';
import { mulberry32 } from '../util/rng';

async function pack(): Promise<{ manifest: Manifest; bytes: (role: string) => Promise<Uint8Array> }> {
  const url = new URL('models/studio/manifest.json', document.baseURI).toString();
  const manifest = await fetchManifest(fetch, url);
  return { manifest, bytes: (role) => fetchPackFile(fetch, fileUrl(url, manifest.files[role]), manifest.files[role]) };
}

/** Switch tfjs to `backend` and load the bundled pack's LM on it. */
async function bundledLm(backend: BackendName) {
  const { useTfBackend } = await import('../runtime/tfBackend');
  const used = await useTfBackend(backend);
  const { manifest, bytes } = await pack();
  const lm = loadLm(manifest.lm!.config, await bytes(manifest.lm!.weights));
  return { used, manifest, bytes, lm };
}

/** The text encoder's states for fixed ids on one ORT backend. */
export async function runText(backend: BackendName): Promise<number[]> {
  const { manifest, bytes } = await pack();
  const { createOrtSession } = await import('../runtime/ortSession');
  const s = await createOrtSession(await bytes(manifest.text!.encoder), backend);
  const ids = [1377, 670, 1429, 336, 255, 1406, 1];
  const out = await s.run({
    input_ids: { type: 'int64', data: BigInt64Array.from(ids.map(BigInt)), dims: [1, ids.length] },
    attention_mask: { type: 'int64', data: new BigInt64Array(ids.length).fill(1n), dims: [1, ids.length] },
  });
  await s.release();
  return Array.from(out.last_hidden_state.data as Float32Array);
}

export interface LmRun {
  backend: string;
  seconds: number;
  frames: number;
  generateMs: number;
  decodeMs: number;
  framesPerSecond: number;
  /** (generate + decode) / audio seconds. */
  rtf: number;
  /** ms per step with the KV cache vs recomputing the whole prefix, at the same length. */
  cachedStepMs: number;
  recomputeStepMs: number;
  peakBytes: number;
}

export async function runLm(backend: BackendName, seconds: number): Promise<LmRun> {
  const { used, manifest, bytes, lm } = await bundledLm(backend);
  // The codec in its own ORT worker, as in the app (ORT in this context would slow tfjs-wasm ~2x);
  // in-process where there are no workers (the GPU-machine harness runs in Node).
  const ort = typeof Worker === 'undefined'
    ? { create: (await import('../runtime/ortSession')).createOrtSession, terminate: () => {} }
    : (await import('../runtime/ortWorker')).ortWorkerSessions();
  const codec = new Codec(manifest.codec, await ort.create(await bytes(manifest.codec.encoder), 'wasm'), await ort.create(await bytes(manifest.codec.decoder), 'wasm'));
  const D = manifest.lm!.config.textDim;
  const textStates = tf.randomNormal([1, 7, D], 0, 1, 'float32', 3) as tf.Tensor3D; // [1, S, D]
  const textMask = tf.ones([1, 7]) as tf.Tensor2D; // [1, S]
  const frames = Math.round(seconds * manifest.codec.frameRate);
  let peakBytes = tf.memory().numBytes;
  await generate(lm, { textStates, textMask, frames: 10, cfg: 3, seed: 1 }); // warm-up (kernels, shaders)
  const t0 = performance.now();
  const codes = await generate(lm, { textStates, textMask, frames, cfg: 3, seed: 1, onStep: () => { peakBytes = Math.max(peakBytes, tf.memory().numBytes); } });
  const generateMs = performance.now() - t0;
  const t1 = performance.now();
  await codec.decode({ codes, k: manifest.codec.codebooks, t: frames });
  const decodeMs = performance.now() - t1;
  // KV cache vs full recompute at a prefix of `len` columns (batch 2, as with CFG).
  const len = Math.min(frames, 250);
  const cond = { textStates: tf.concat([textStates, textStates]) as tf.Tensor3D, textMask: tf.concat([textMask, textMask]) as tf.Tensor2D };
  const K = manifest.codec.codebooks;
  const prefix = tf.zeros([2, K, len], 'int32') as tf.Tensor3D; // [2, K, len]
  const cache = createCache(lm, cond, len + 8);
  const head = prefix.slice([0, 0, 0], [2, K, len - 4]) as tf.Tensor3D; // [2, K, len - 4]
  tf.dispose([extend(lm, head, cache), head]);
  const col = tf.zeros([2, K, 1], 'int32') as tf.Tensor3D;
  let t2 = performance.now();
  for (let i = 0; i < 4; i++) {
    const logits = step(lm, col, cache);
    await logits.data();
    logits.dispose();
  }
  const cachedStepMs = (performance.now() - t2) / 4;
  t2 = performance.now();
  for (let i = 0; i < 2; i++) {
    const out = forward(lm, prefix, cond);
    await out.data();
    out.dispose();
  }
  const recomputeStepMs = (performance.now() - t2) / 2;
  disposeCache(cache);
  tf.dispose([textStates, textMask, cond.textStates, cond.textMask, prefix, col]);
  disposeLm(lm);
  ort.terminate();
  return {
    backend: used, seconds, frames, generateMs, decodeMs, framesPerSecond: frames / (generateMs / 1000),
    rtf: (generateMs + decodeMs) / 1000 / seconds, cachedStepMs, recomputeStepMs, peakBytes,
  };
}

/**
 * Logits of the bundled LM on one tfjs backend, batch 2: a 6-column chunk then 3 single columns.
 * 'ops': through the KV cache in that backend's default layout (static on GPUs, growing on
 * CPU/WASM), every column's logits. 'stepper': as generate() runs it (the fused step on WebGPU),
 * the last column of each feed.
 */
export async function lmLogits(backend: BackendName, path: 'ops' | 'stepper' = 'ops'): Promise<{ backend: string; layout: string; logits: number[] }> {
  const { used, lm } = await bundledLm(backend);
  const { codebooks: K, card, textDim } = lm.config;
  const textStates = tf.randomNormal([2, 5, textDim], 0, 1, 'float32', 9) as tf.Tensor3D; // [2, 5, textDim]
  const textMask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]); // [2, 5]
  const beat = [withKey(clockAt(133, 50, 3), 9), NO_CLOCK]; // row 0 with a beat clock and a key (when the LM takes them)
  const ids = Array.from({ length: 2 * K * 9 }, (_, i) => (i * 131 + 7) % (card + 1)); // [2, K, 9]
  const codes = tf.tensor3d(ids, [2, K, 9], 'int32');
  const feeds = [[0, 6], [6, 1], [7, 1], [8, 1]];
  const logits: number[] = [];
  let layout: string;
  if (path === 'stepper') {
    const stepper = await createStepper(lm, { textStates, textMask, beat }, 9);
    layout = stepper.kind;
    for (const [from, len] of feeds) {
      const cols = tf.tidy(() => codes.slice([0, 0, from], [2, K, len])); // [2, K, len]
      logits.push(...(await stepper.feed((await cols.data()) as Int32Array, len))); // [2, K, card]
      cols.dispose();
    }
    stepper.dispose();
  } else {
    const cache = createCache(lm, { textStates, textMask, beat }, 9);
    for (const [from, len] of feeds) {
      const cols = codes.slice([0, 0, from], [2, K, len]) as tf.Tensor3D; // [2, K, len]
      const out = extend(lm, cols, cache); // [2, K, len, card]
      const data = await out.data();
      logits.push(...data);
      tf.dispose([cols, out]);
    }
    layout = cache.layout;
    disposeCache(cache);
  }
  tf.dispose([textStates, textMask, codes]);
  disposeLm(lm);
  return { backend: used, layout, logits };
}

export interface TrainRun {
  backend: string;
  steps: number;
  batch: number;
  cropFrames: number;
  msPerStep: number;
  /** Valid target tokens (K x frames cells) per second of training compute. */
  tokensPerSecond: number;
  firstLoss: number;
  lastLoss: number;
  peakBytes: number;
}

/**
 * Fine-tuning speed of the bundled LM on one tfjs backend: the studio's Trainer (AdamW, clipping,
 * condition dropout) on two seeded random clips with captions, `steps` steps of batch 2 x 5 s crops.
 */
export async function runTrain(backend: BackendName, steps: number): Promise<TrainRun> {
  const { Trainer } = await import('../lm/train');
  const { used, lm } = await bundledLm(backend);
  const { codebooks: K, card, textDim } = lm.config;
  const rand = mulberry32(5);
  const clip = (name: string) => ({
    name, caption: name, frames: 500,
    codes: Int32Array.from({ length: K * 500 }, () => Math.floor(rand() * card)),
    text: { states: Float32Array.from({ length: 6 * textDim }, () => rand() - 0.5), tokens: 6 },
  });
  const cropFrames = 250;
  const losses: number[] = [];
  let peakBytes = tf.memory().numBytes;
  let tokensPerSecond = NaN;
  const t0 = performance.now();
  try {
    await new Trainer(lm, [clip('a'), clip('b')], { steps, batchSize: 2, cropFrames, lr: 1e-4, warmup: 1, evalEvery: 0, checkpointEvery: 0, valFraction: 0 }, {
      onStep: (s) => {
        losses.push(s.loss);
        tokensPerSecond = s.tokensPerSecond;
        peakBytes = Math.max(peakBytes, tf.memory().numBytes);
      },
    }).run();
  } finally {
    disposeLm(lm);
  }
  return { backend: used, steps, batch: 2, cropFrames, msPerStep: (performance.now() - t0) / steps, tokensPerSecond, firstLoss: losses[0], lastLoss: losses.at(-1)!, peakBytes };
}

/**
 * Diagnostics for the LM in this page: tfjs flags, a kernel profile of one cached decode step, and
 * 10 s of generation without and then with the codec's ORT sessions loaded on `ortBackend`
 * ('none' = load nothing), in this context or (`where` = 'worker') in an ORT worker as the app does. Finding (2026-11-26, 2 cores): ORT loaded in the same JS context makes
 * tfjs-wasm generation ~1.9x slower (3.8 s -> 7.2 s), with 1 ORT thread as with 2.
 */
export async function lmProfile(backend: BackendName, ortBackend: BackendName | 'none' = 'wasm', where: 'here' | 'worker' = 'here'): Promise<{ flags: Record<string, unknown>; stepMs: number; kernels: number; kernelMs: number; top: string[] }> {
  const { manifest, bytes, lm } = await bundledLm(backend);
  const flags = Object.fromEntries(['WASM_HAS_SIMD_SUPPORT', 'WASM_HAS_MULTITHREAD_SUPPORT'].map((k) => [k, tf.env().get(k)]));
  const textStates = tf.randomNormal([2, 7, lm.config.textDim], 0, 1, 'float32', 3) as tf.Tensor3D;
  const textMask = tf.ones([2, 7]) as tf.Tensor2D;
  const cache = createCache(lm, { textStates, textMask }, 300);
  const col = tf.zeros([2, lm.config.codebooks, 1], 'int32') as tf.Tensor3D;
  const run = async () => { const l = step(lm, col, cache); await l.data(); l.dispose(); };
  for (let i = 0; i < 20; i++) await run();
  const t = performance.now();
  for (let i = 0; i < 50; i++) await run();
  const stepMs = (performance.now() - t) / 50;
  const prof = await tf.profile(run);
  const agg = new Map<string, number>();
  for (const k of prof.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (Number(k.kernelTimeMs) || 0));
  const top = [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(2)}`);
  const kernelMs = [...agg.values()].reduce((a, b) => a + b, 0);
  const one = { textStates: textStates.slice([0, 0, 0], [1, 7, lm.config.textDim]) as tf.Tensor3D, textMask: textMask.slice([0, 0], [1, 7]) as tf.Tensor2D };
  let t1 = performance.now();
  await generate(lm, { ...one, frames: 500, cfg: 3, seed: 1 });
  const generateMs = performance.now() - t1;
  // The same with the codec's ORT sessions alive (as in runLm and the app's worker)
  const create = where === 'worker' ? (await import('../runtime/ortWorker')).ortWorkerSessions().create : (await import('../runtime/ortSession')).createOrtSession;
  const sessions = ortBackend === 'none' ? [] : [await create(await bytes(manifest.codec.encoder), ortBackend), await create(await bytes(manifest.codec.decoder), ortBackend)];
  t1 = performance.now();
  await generate(lm, { ...one, frames: 500, cfg: 3, seed: 1 });
  const withOrtMs = performance.now() - t1;
  for (const x of sessions) await x.release();
  const { sampleToken, cfgCombine } = await import('../lm/sampling');
  const a = Float32Array.from({ length: 2048 }, (_, i) => Math.sin(i)), b2 = Float32Array.from({ length: 2048 }, (_, i) => Math.cos(i));
  t1 = performance.now();
  for (let i = 0; i < 2000; i++) sampleToken(cfgCombine(a, b2, 3), { temperature: 1, topK: 250, topP: 0 }, Math.random);
  const sampleMs = (performance.now() - t1) / 500; // per step (4 codebooks)
  tf.dispose([one.textStates, one.textMask]);
  top.push(`generate 500 frames ${generateMs.toFixed(0)} ms (${withOrtMs.toFixed(0)} ms with ORT sessions alive); sampling ${sampleMs.toFixed(2)} ms/step`);
  disposeCache(cache);
  tf.dispose([textStates, textMask, col]);
  disposeLm(lm);
  return { flags, stepMs, kernels: prof.kernels.length, kernelMs, top };
}

