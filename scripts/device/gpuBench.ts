// Device harness: runs the studio's real LM (tfjs) and codec (onnxruntime-web) code on WebGPU in Node,
// through Dawn's Node bindings, and compares it with the WASM (and plain-JS cpu) backends in the same
// run. Bundled by scripts/device/build.mjs into .device/ (npm run device:prepare); see
// scripts/device/README.md. Writes gpu-bench.md and gpu-bench.json to $OUT (else ./device-out),
// after every section, so a run cut short still leaves what it measured.
import { adapterDiagnostics, dawnFlags, gpu, gpuErrors, setBaseUri, sharedUploads } from './nodeGpu'; // first: navigator.gpu must exist before tfjs-backend-webgpu loads
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { runLm, runText, type LmRun } from '../../src/bench/lmBench';
import { setFusedDecoding } from '../../src/lm/stepper';
import { fusedBreakdown, fusedRun, generateRun, loraTrainRun } from './bigGpu';
import { checkFusedStep } from '../../src/workers/gpuSelfTest';
import { resample } from '../../src/audio/resample';
import { Codec, type Codes } from '../../src/codec/encodec';
import {
  AdamW, createCache, disposeBatch, disposeCache, disposeLm, extend, forward, generate, initLm, loadLm,
  makeBatch, parseLmConfig, step, trainStep, type Lm, type LmConfig, type TrainClip,
} from '../../src/lm';
import type { CacheLayout } from '../../src/lm/cache';
import { parseManifest, type Manifest } from '../../src/packs/manifest';
import { chooseBackend, type BackendName } from '../../src/runtime/backend';
import { probeWebGpu } from '../../src/runtime/gpuProbe';
import { createOrtSession, useOneOrtBuild } from '../../src/runtime/ortSession';
import { useTfBackend } from '../../src/runtime/tfBackend';
import { gaussian, mulberry32 } from '../../src/util/rng';

// ---------- options ----------
const argv = process.argv.slice(2);
function opt(name: string, def: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
}
const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(opt('root', process.cwd())); // the repo checkout (public/models, e2e/fixtures)
const OUT = resolve(opt('out', process.env.OUT || join(ROOT, 'device-out')));
const SECONDS = Number(opt('seconds', '10')); // LM generation length per backend
const CODEC_SECONDS = Number(opt('codec-seconds', '30'));
const TRAIN_STEPS = Number(opt('train-steps', '5'));
const TRAIN_FRAMES = Number(opt('train-frames', '250'));
const BUDGET_S = Number(opt('budget', '300')); // the whole run; sections that would not fit are skipped
const SECTIONS = new Set(opt('sections', 'env,parity,lm,train,codec,text,big').split(','));
const BACKENDS = opt('backends', 'webgpu,wasm').split(',') as BackendName[];
const GEN_FRAMES = Number(opt('gen-frames', '25')); // parity: seeded generation length per backend
const BIG = opt('big', 'small');
const VARIANTS = argv.includes('--big-variants');
const SLOW = Number(opt('slow', '1')); // multiplies every section's time cap (SwiftShader: 10 or more) // 'small' = musicgen-small shape (seeded weights), or 'dim,layers,heads'
const t0 = performance.now();
const elapsed = () => (performance.now() - t0) / 1000;
const left = () => BUDGET_S - elapsed();

// ---------- results ----------
// One JSON (and the markdown rendered from it) per run. With --append a process adds to what
// earlier processes wrote: scripts/device/run.sh runs each group of sections in its own process,
// so a hang or a native crash in one loses nothing else.
interface Section { name: string; status: 'ok' | 'error' | 'skipped' | 'timeout'; seconds: number; note?: string; pid: number; gpuErrors?: number; firstGpuError?: string }
type Results = Record<string, unknown> & { sections: Section[]; markdown: Record<string, string[]>; processes: number };
const jsonPath = join(OUT, 'gpu-bench.json');
const results: Results = argv.includes('--append') && existsSync(jsonPath)
  ? JSON.parse(readFileSync(jsonPath, 'utf8')) as Results
  : { sections: [], markdown: {}, processes: 0 };
results.processes++;
results.finished = false;
const PART_ORDER = ['env', 'parity', 'lm', 'codec', 'text', 'train', 'big', 'bigSelfTest', 'bigFused', 'bigBreakdown', 'bigLong', 'bigLora', 'bigVariants'];
const dispatchCount = (b: { kinds: { dispatches: number }[] }) => b.kinds.reduce((a, k) => a + k.dispatches, 0);
const setPart = (key: string, lines: string[]) => { results.markdown[key] = lines; };

function write(): void {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(results, null, 1));
  const cell = (x: string | undefined, n: number) => (x ?? '').replace(/\|/g, '/').replace(/\n/g, ' ').slice(0, n);
  const status = ['', '## Sections', '', 'GPU errors: uncaptured WebGPU errors (validation, OOM, internal) on any device during the section; any is a bug.', '',
    '| section | status | s | GPU errors | note |', '|---|---|---|---|---|',
    ...results.sections.map((s) => `| ${s.name} | ${s.status} | ${s.seconds.toFixed(1)} | ${s.gpuErrors ? `**${s.gpuErrors}**: ${cell(s.firstGpuError, 160)}` : 0} | ${cell(s.note, 300)} |`)];
  const total = results.sections.reduce((a, x) => a + x.seconds, 0);
  writeFileSync(join(OUT, 'gpu-bench.md'), [...PART_ORDER.flatMap((k) => results.markdown[k] ?? []), ...status, '',
    `Sections took ${total.toFixed(1)} s in ${results.processes} process(es).`, ''].join('\n'));
}

const log = (...a: unknown[]) => console.log(`[${elapsed().toFixed(1)}s]`, ...a);

function withTimeout<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error(`${what}: over ${seconds.toFixed(0)} s`), { timeout: true })), seconds * 1000)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** After a timeout the timed-out work may still run (tfjs has one global backend): run nothing more. */
let tainted = '';

/** Runs one section if `need` seconds are left (it may use up to `cap`); records its outcome. */
async function section(name: string, need: number, cap: number, fn: () => Promise<string | void>): Promise<void> {
  const key = name.split(':')[0];
  if (!SECTIONS.has(key)) return;
  const start = elapsed();
  const pid = process.pid;
  if (tainted) {
    results.sections.push({ name, status: 'skipped', seconds: 0, note: `${tainted} timed out in this process`, pid });
    write();
    return;
  }
  if (left() < need) {
    results.sections.push({ name, status: 'skipped', seconds: 0, note: `${left().toFixed(0)} s left, needs ${need}`, pid });
    log(`skip ${name}`);
    write();
    return;
  }
  log(`>> ${name}`);
  const errs0 = gpuErrors.length;
  const gpuErr = () => (gpuErrors.length > errs0 ? { gpuErrors: gpuErrors.length - errs0, firstGpuError: gpuErrors[errs0] } : {});
  try {
    const note = await withTimeout(fn(), Math.max(5, Math.min(cap * SLOW, left() - 3)), name);
    results.sections.push({ name, status: 'ok', seconds: elapsed() - start, note: note || undefined, pid, ...gpuErr() });
  } catch (e) {
    const err = e as Error & { timeout?: boolean };
    if (err.timeout) tainted = name;
    results.sections.push({ name, status: err.timeout ? 'timeout' : 'error', seconds: elapsed() - start, note: `${err.name}: ${err.message}`, pid, ...gpuErr() });
    log(`!! ${name}:`, err.stack ?? err);
  }
  log(`<< ${name} (${(elapsed() - start).toFixed(1)} s)`);
  write();
}

// ---------- helpers ----------
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const e = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return NaN;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN wins
  }
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
function snrDb(ref: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i] * ref[i];
    n += (ref[i] - x[i]) ** 2;
  }
  return n === 0 ? Infinity : 10 * Math.log10(s / n);
}
/** Share of rows (of width `w`) whose argmax agrees. */
function argmaxAgreement(a: Float32Array, b: Float32Array, w: number): number {
  let same = 0;
  const rows = a.length / w;
  for (let r = 0; r < rows; r++) {
    let ia = 0;
    let ib = 0;
    for (let i = 1; i < w; i++) {
      if (a[r * w + i] > a[r * w + ia]) ia = i;
      if (b[r * w + i] > b[r * w + ib]) ib = i;
    }
    if (ia === ib) same++;
  }
  return same / rows;
}
const sameShare = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) s++;
  return a.length ? s / a.length : NaN;
};

/** useTfBackend falls back to wasm silently; a webgpu section without an adapter should fail at once. */
async function needGpu(backend: BackendName): Promise<void> {
  if (backend === 'webgpu' && !(await gpu.requestAdapter({ powerPreference: 'high-performance' }))) throw new Error('no WebGPU adapter');
}

// ---------- the pack ----------
const packDir = join(ROOT, 'public', 'models', 'studio');
const manifest: Manifest = parseManifest(JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8')));
const packBytes = (role: string) => new Uint8Array(readFileSync(join(packDir, manifest.files[role].path)));
setBaseUri(pathToFileURL(join(ROOT, 'public') + '/').href); // what lmBench's pack() resolves against

// ORT-web's JSEP bundle would fetch its .wasm relative to the bundle; hand it the bytes instead.
ort.env.wasm.wasmBinary = readFileSync(join(here, 'wasm', 'ort-wasm-simd-threaded.jsep.wasm'));
useOneOrtBuild(); // lmBench's codec sessions too (no 'onnxruntime-web/wasm' build in the bundle)

// ---------- sections ----------
async function envSection(): Promise<string> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  const info = adapter?.info;
  const probe = await probeWebGpu();
  const auto = chooseBackend('auto', probe);
  const env = {
    node: process.version, arch: process.arch, cpu: cpus()[0]?.model, cores: cpus().length, memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    dawnFlags, webgpuPackage: 'webgpu (dawn.node) 0.6.2', tfjs: tf.version.tfjs, ort: ort.env.versions?.web ?? '?',
    adapter: adapter ? {
      vendor: info?.vendor, architecture: info?.architecture, device: info?.device, description: info?.description,
      isFallbackAdapter: (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? null,
      features: [...adapter.features].sort(),
      limits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize },
    } : null,
    probe, autoDecision: auto,
  } as Record<string, unknown> & { adapter: { isFallbackAdapter: boolean | null } | null };
  results.env = env;
  setPart('env', ['# WebGPU device bench (Node + Dawn)', '',
    `Node ${env.node} (${env.arch}), ${env.cores} × ${env.cpu}, ${env.memGiB} GiB. tfjs ${env.tfjs}, onnxruntime-web ${env.ort}, Dawn: npm webgpu 0.6.2${dawnFlags.length ? ` (flags: ${dawnFlags.join(' ')})` : ''}.`,
    adapter ? `Adapter: vendor **${info?.vendor}**, architecture **${info?.architecture}**, device ${info?.device || '-'}, description "${info?.description}"; software fallback: **${probe.isFallback}** (isFallbackAdapter ${env.adapter?.isFallbackAdapter}).`
      : '**No WebGPU adapter** (requestAdapter returned null).',
    `App's auto backend choice: **${auto.backend}** (${auto.reason}).`,
    `Timing: tfjs wasm single-threaded (as the app configures it), ORT wasm single-threaded (no cross-origin isolation in Node).`, '']);
  if (!adapter) {
    env.diagnostics = await adapterDiagnostics();
    setPart('env', [...results.markdown.env, 'Dawn per backend: ' + Object.entries(env.diagnostics as Record<string, string>).map(([k, v]) => `${k}: ${v}`).join('; '), '']);
    throw new Error('no WebGPU adapter');
  }
  return `${info?.vendor} ${info?.architecture} ${info?.description}${probe.isFallback ? ' (SOFTWARE)' : ''}`;
}

/** Deterministic LM inputs: codes [B, K, S] (random ids, a few specials), text [B, Tt, D] with row 1 partly padded. */
function lmInputs(cfg: LmConfig, B: number, S: number, Tt: number) {
  const rand = mulberry32(12345);
  const codes = Int32Array.from({ length: B * cfg.codebooks * S }, (_, i) => (i % 17 === 0 ? cfg.card : Math.floor(rand() * cfg.card)));
  const states = Float32Array.from({ length: B * Tt * cfg.textDim }, () => gaussian(rand));
  const mask = Float32Array.from({ length: B * Tt }, (_, i) => (Math.floor(i / Tt) === 1 && i % Tt >= Tt - 2 ? 0 : 1));
  return { codes, states, mask };
}

interface ParityRun { requested: BackendName; used: BackendName; full: Float32Array; cached: Float32Array; gen: Int32Array; fullMs: number; genMs: number }

async function parityRun(backend: BackendName): Promise<ParityRun> {
  await needGpu(backend);
  const used = await useTfBackend(backend);
  const cfg = manifest.lm!.config;
  const lm = loadLm(cfg, packBytes(manifest.lm!.weights));
  const B = 2;
  const S = 40;
  const Tt = 7;
  const K = cfg.codebooks;
  const { codes, states, mask } = lmInputs(cfg, B, S, Tt);
  const codesT = tf.tensor3d(codes, [B, K, S], 'int32');
  const cond = { textStates: tf.tensor3d(states, [B, Tt, cfg.textDim]), textMask: tf.tensor2d(mask, [B, Tt]) };
  try {
    let t = performance.now();
    tf.dispose(forward(lm, codesT, cond)); // warm-up (shader compiles)
    log(`     warm-up forward ${f(performance.now() - t, 0)} ms`);
    t = performance.now();
    const fullT = forward(lm, codesT, cond); // [B, K, S, card]
    const full = (await fullT.data()) as Float32Array;
    const fullMs = performance.now() - t;
    fullT.dispose();
    // The same logits through the KV cache: S - 4 columns at once, then 4 single steps.
    const cache = createCache(lm, cond, S);
    const card = cfg.card;
    const cached = new Float32Array(B * K * S * card);
    const head = codesT.slice([0, 0, 0], [B, K, S - 4]) as tf.Tensor3D;
    const pre = extend(lm, head, cache); // [B, K, S - 4, card]
    const preData = (await pre.data()) as Float32Array;
    tf.dispose([pre, head]);
    for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) cached.set(preData.subarray(((b * K + k) * (S - 4)) * card, ((b * K + k) * (S - 4) + S - 4) * card), ((b * K + k) * S) * card);
    for (let j = S - 4; j < S; j++) {
      const col = codesT.slice([0, 0, j], [B, K, 1]) as tf.Tensor3D;
      const lg = step(lm, col, cache); // [B, K, card]
      const d = (await lg.data()) as Float32Array;
      tf.dispose([lg, col]);
      for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) cached.set(d.subarray((b * K + k) * card, (b * K + k + 1) * card), ((b * K + k) * S + j) * card);
    }
    disposeCache(cache);
    log(`     full forward ${f(fullMs, 0)} ms; cached path done`);
    // A short seeded generation (CFG 3, top-k 250): same seed, same tokens?
    const one = { textStates: cond.textStates.slice([0, 0, 0], [1, Tt, cfg.textDim]) as tf.Tensor3D, textMask: cond.textMask.slice([0, 0], [1, Tt]) as tf.Tensor2D };
    t = performance.now();
    const gen = await generate(lm, { ...one, frames: GEN_FRAMES, cfg: 3, seed: 7 });
    const genMs = performance.now() - t;
    tf.dispose([one.textStates, one.textMask]);
    return { requested: backend, used, full, cached, gen, fullMs, genMs };
  } finally {
    tf.dispose([codesT, cond.textStates, cond.textMask]);
    disposeLm(lm);
  }
}

async function paritySection(): Promise<string> {
  const runs: ParityRun[] = [];
  for (const b of ['cpu', ...BACKENDS] as BackendName[]) {
    log(`   parity on ${b}`);
    runs.push(await parityRun(b));
  }
  const ref = runs[0];
  const card = manifest.lm!.config.card;
  const scale = maxAbs(ref.full);
  const rows = runs.map((r) => ({
    requested: r.requested, used: r.used,
    fullMaxDiff: maxAbsDiff(r.full, ref.full), cachedMaxDiff: maxAbsDiff(r.cached, ref.full),
    cacheVsOwnFull: maxAbsDiff(r.cached, r.full), argmaxAgreement: argmaxAgreement(r.full, ref.full, card),
    genTokensSame: sameShare(r.gen, ref.gen), fullForwardMs: r.fullMs, gen25FramesMs: r.genMs,
  }));
  results.lmParity = { reference: 'cpu', logitScale: scale, shape: `[2, ${manifest.lm!.config.codebooks}, 40, ${card}]`, rows };
  setPart('parity', ['## LM correctness (bundled LM, tfjs)', '',
    `Reference: tfjs \`cpu\` (plain JS, float32). Inputs: codes [2, K, 40] (seeded, some special tokens), text [2, 7, D] with row 1 padded in its last 2 tokens. Logit scale max|ref| = ${f(scale, 2)}. Cached = 36 columns through \`extend\` then 4 \`step\`s (webgpu uses the 'static' cache layout, cpu/wasm 'grow'). Generation: ${GEN_FRAMES} frames, CFG 3, top-k 250, seed 7.`, '',
    `| backend → used | full fwd max abs diff | cached max abs diff | cache vs own full | argmax agree | same gen tokens | full fwd ms | gen ${GEN_FRAMES} frames ms |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.requested} → ${r.used} | ${e(r.fullMaxDiff)} | ${e(r.cachedMaxDiff)} | ${e(r.cacheVsOwnFull)} | ${f(100 * r.argmaxAgreement)}% | ${f(100 * r.genTokensSame)}% | ${f(r.fullForwardMs)} | ${f(r.gen25FramesMs, 0)} |`), '']);
  return rows.filter((r) => r.requested !== 'cpu').map((r) => `${r.used}: max diff ${e(r.fullMaxDiff)}, tokens ${f(100 * r.genTokensSame)}% same`).join('; ');
}

const lmRuns: LmRun[] = (results.lmGeneration as LmRun[] | undefined) ?? [];
function lmTable(): void {
  setPart('lm', ['## LM generation (runLm, src/bench/lmBench.ts)', '',
    'Bundled LM (d 128, 2 layers, K 4 x 2048), CFG 3 (batch 2), KV cache; decode on ORT wasm. Cached/recompute: ms per step at a 250-column prefix (or the whole length if shorter) with the KV cache vs the full forward.', '',
    '| backend | audio s | frames | frames/s | generate ms | decode ms | RTF (gen + decode) | cached step ms | recompute step ms | ratio | peak tfjs MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...lmRuns.map((r) => `| ${r.backend} | ${r.seconds} | ${r.frames} | ${f(r.framesPerSecond)} | ${f(r.generateMs, 0)} | ${f(r.decodeMs, 0)} | ${f(r.rtf, 2)} | ${f(r.cachedStepMs)} | ${f(r.recomputeStepMs)} | ${f(r.recomputeStepMs / r.cachedStepMs)}× | ${f(r.peakBytes / 2 ** 20)} |`), '']);
  results.lmGeneration = lmRuns;
}

async function lmSection(backend: BackendName): Promise<string> {
  await needGpu(backend);
  const r = await runLm(backend, SECONDS);
  lmRuns.push(r);
  lmTable();
  if (backend === 'webgpu' && left() > 60) { // the same generation through tfjs's ops (before the fused step), same process
    setFusedDecoding(false);
    try {
      const base = await runLm(backend, SECONDS);
      lmRuns.push({ ...base, backend: 'webgpu (tfjs ops)' });
      lmTable();
    } finally {
      setFusedDecoding(true);
    }
  }
  if (r.backend !== backend) throw new Error(`requested ${backend}, tfjs used ${r.backend}`);
  return `${f(r.framesPerSecond)} frames/s, RTF ${f(r.rtf, 2)}, step ${f(r.cachedStepMs)} ms cached vs ${f(r.recomputeStepMs)} ms recompute`;
}

const trainRuns = (results.train as Array<Record<string, number | string>> | undefined) ?? [];
async function trainSection(backend: BackendName): Promise<string> {
  await needGpu(backend);
  const used = await useTfBackend(backend);
  const cfg = manifest.lm!.config;
  const lm = loadLm(cfg, packBytes(manifest.lm!.weights));
  const opt = new AdamW(lm.named);
  const rand = mulberry32(99);
  const frames = TRAIN_FRAMES + 20;
  const clip = (name: string): TrainClip => ({
    name, caption: name, frames,
    codes: Int32Array.from({ length: cfg.codebooks * frames }, () => Math.floor(rand() * cfg.card)),
    text: { states: Float32Array.from({ length: 7 * cfg.textDim }, () => gaussian(rand)), tokens: 7 },
  });
  const clips = [clip('a'), clip('b')];
  const batch = makeBatch(clips, [{ clip: 0, start: 0, frames: TRAIN_FRAMES }, { clip: 1, start: 20, frames: TRAIN_FRAMES }], { codebooks: cfg.codebooks, card: cfg.card, textDim: cfg.textDim });
  try {
    let t = performance.now();
    const first = await trainStep(lm, opt, batch, 1e-4, 1); // warm-up; its loss/norm compare across backends
    const firstMs = performance.now() - t;
    const steps = Math.max(1, TRAIN_STEPS);
    t = performance.now();
    for (let i = 0; i < steps; i++) await trainStep(lm, opt, batch, 1e-4, 1);
    const ms = (performance.now() - t) / steps;
    const row = { backend: used, batch: 2, cropFrames: TRAIN_FRAMES, tokens: batch.tokens, firstStepMs: firstMs, stepMs: ms, tokensPerS: batch.tokens / (ms / 1000), framesPerS: (2 * TRAIN_FRAMES) / (ms / 1000), firstLoss: first.loss, firstGradNorm: first.gradNorm, steps };
    trainRuns.push(row);
    results.train = trainRuns;
    setPart('train', ['## LM training step (trainStep, AdamW, clip 1)', '',
      `Bundled LM, batch 2 × ${TRAIN_FRAMES} frames (the app's default crop is 250), random codes and captions (seeded, identical per backend). First step = warm-up; its loss and gradient norm should agree across backends.`, '',
      '| backend | ms/step | tokens/s | frames/s | first step ms | first loss | first grad norm | steps timed |', '|---|---|---|---|---|---|---|---|',
      ...trainRuns.map((r) => `| ${r.backend} | ${f(r.stepMs as number, 0)} | ${f(r.tokensPerS as number, 0)} | ${f(r.framesPerS as number, 0)} | ${f(r.firstStepMs as number, 0)} | ${(r.firstLoss as number).toFixed(6)} | ${(r.firstGradNorm as number).toFixed(6)} | ${r.steps} |`), '']);
    if (used !== backend) throw new Error(`requested ${backend}, tfjs used ${used}`);
    return `${f(ms, 0)} ms/step, ${f(row.tokensPerS, 0)} tokens/s`;
  } finally {
    disposeBatch(batch);
    opt.dispose();
    disposeLm(lm);
  }
}

/** `seconds` of a fixture at the codec's rate: FLAC decode, mono, our resampler, tiled. */
async function fixtureAudio(name: string, seconds: number, rate: number): Promise<Float32Array> {
  const dec = new FLACDecoder();
  await dec.ready;
  const out = await dec.decodeFile(new Uint8Array(readFileSync(join(ROOT, 'e2e', 'fixtures', name))));
  dec.free();
  const n = out.channelData[0].length;
  const mono = new Float32Array(n);
  for (const c of out.channelData) for (let i = 0; i < n; i++) mono[i] += c[i] / out.channelData.length;
  const x = resample(mono, out.sampleRate, rate);
  const y = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < y.length; i += x.length) y.set(x.subarray(0, Math.min(x.length, y.length - i)), i);
  return y;
}

async function codecOn(backend: BackendName, x: Float32Array, refCodes: Codes | null) {
  const c = manifest.codec;
  let t = performance.now();
  const codec = new Codec(c, await createOrtSession(packBytes(c.encoder), backend), await createOrtSession(packBytes(c.decoder), backend));
  const loadMs = performance.now() - t;
  t = performance.now();
  await codec.decode(await codec.encode(x.subarray(0, c.hopLength * 4))); // warm-up (shader compiles)
  const warmMs = performance.now() - t;
  let encodeMs = Infinity;
  let decodeMs = Infinity;
  let codes!: Codes;
  let y!: Float32Array;
  for (let r = 0; r < 2; r++) {
    t = performance.now();
    codes = await codec.encode(x);
    encodeMs = Math.min(encodeMs, performance.now() - t);
    t = performance.now();
    y = await codec.decode(codes);
    decodeMs = Math.min(decodeMs, performance.now() - t);
  }
  const yRef = refCodes ? await codec.decode(refCodes) : y; // the reference EP's codes, for an audio comparison on identical input
  return { backend, loadMs, warmMs, encodeMs, decodeMs, codes, y, yRef };
}

async function codecSection(): Promise<string> {
  const c = manifest.codec;
  const x = await fixtureAudio('demo.flac', CODEC_SECONDS, c.sampleRate);
  const order: BackendName[] = ['wasm', ...BACKENDS.filter((b) => b !== 'wasm')];
  const runs: Array<Awaited<ReturnType<typeof codecOn>>> = [];
  const rows: Array<Record<string, unknown>> = [];
  for (const b of order) {
    log(`   codec on ${b}`);
    try {
      runs.push(await codecOn(b, x, runs[0]?.codes ?? null));
    } catch (err) {
      rows.push({ backend: b, error: `${(err as Error).name}: ${(err as Error).message}` });
    }
  }
  const ref = runs[0];
  for (const r of runs) {
    rows.push({
      backend: r.backend, seconds: CODEC_SECONDS, sessionLoadMs: r.loadMs, warmupMs: r.warmMs, encodeMs: r.encodeMs, decodeMs: r.decodeMs,
      encodeRtf: r.encodeMs / 1000 / CODEC_SECONDS, decodeRtf: r.decodeMs / 1000 / CODEC_SECONDS,
      codesSameAsWasm: ref ? sameShare(r.codes.codes, ref.codes.codes) : NaN,
      audioMaxAbsDiff: ref ? maxAbsDiff(r.yRef, ref.y) : NaN, audioPeak: ref ? maxAbs(ref.y) : NaN, audioSnrDb: ref ? snrDb(ref.y, r.yRef) : NaN,
    });
  }
  let ortAdapter = '';
  try {
    const info = (ort.env.webgpu as { adapter?: GPUAdapter }).adapter?.info;
    ortAdapter = info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : '';
  } catch { /* not started */ }
  results.codec = { fixture: 'demo.flac (24 kHz → 32 kHz, tiled)', rows, sharedHeapUploadsCopied: sharedUploads, ortAdapter };
  setPart('codec', ['## Codec (onnxruntime-web, src/codec Codec + src/runtime/ortSession)', '',
    `${CODEC_SECONDS} s of e2e/fixtures/demo.flac resampled to ${c.sampleRate} Hz (tiled). Best of 2 after a warm-up. Audio comparison: each EP decodes the wasm EP's codes; diff/SNR against the wasm EP's decode. ORT's WebGPU adapter: ${ortAdapter || '-'}. Node shim: ${sharedUploads} WebGPU uploads from ORT's shared wasm heap were copied first (dawn.node rejects SharedArrayBuffer sources).`, '',
    '| EP | encode ms | encode RTF | decode ms | decode RTF | codes = wasm | audio max abs diff (peak) | SNR dB | session load ms | warm-up ms |', '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => (r.error ? `| ${r.backend} | error: ${String(r.error).replace(/\|/g, '/').slice(0, 200)} | | | | | | | | |`
      : `| ${r.backend} | ${f(r.encodeMs as number, 0)} | ${f(r.encodeRtf as number, 4)} | ${f(r.decodeMs as number, 0)} | ${f(r.decodeRtf as number, 4)} | ${f(100 * (r.codesSameAsWasm as number), 2)}% | ${e(r.audioMaxAbsDiff as number)} (${f(r.audioPeak as number, 3)}) | ${f(r.audioSnrDb as number)} | ${f(r.sessionLoadMs as number, 0)} | ${f(r.warmupMs as number, 0)} |`)), '']);
  const bad = rows.filter((r) => r.error);
  if (bad.length) throw new Error(bad.map((r) => `${r.backend}: ${r.error}`).join('; '));
  return rows.map((r) => `${r.backend} enc ${f(r.encodeMs as number, 0)} ms dec ${f(r.decodeMs as number, 0)} ms`).join('; ');
}

async function textSection(): Promise<string> {
  const ref = await runText('wasm');
  const rows = [];
  for (const b of BACKENDS.filter((x) => x !== 'wasm')) {
    const t = performance.now();
    const y = await runText(b);
    rows.push({ backend: b, maxAbsDiff: maxAbsDiff(y, ref), scale: maxAbs(ref), ms: performance.now() - t });
  }
  results.textEncoder = rows;
  setPart('text', ['## Text encoder (runText, ORT)', '', '| EP | max abs diff vs wasm | max abs (wasm) |', '|---|---|---|',
    ...rows.map((r) => `| ${r.backend} | ${e(r.maxAbsDiff)} | ${f(r.scale, 3)} |`), '']);
  return rows.map((r) => `${r.backend}: ${e(r.maxAbsDiff)}`).join('; ');
}

/** A musicgen-small-shaped decoder (seeded weights): cached step ms at a 100-column prefix, batch 2. */
const bigRuns = (results.bigLm as Array<Record<string, number | string>> | undefined) ?? [];
const variantRuns = (results.bigVariants as Array<Record<string, number | string>> | undefined) ?? [];
async function bigSection(backend: BackendName): Promise<string> {
  await needGpu(backend);
  const used = await useTfBackend(backend);
  const [dim, layers, heads] = BIG === 'small' ? [1024, 24, 16] : BIG.split(',').map(Number);
  const cfg = parseLmConfig({ dim, layers, heads, ffn: 4 * dim, codebooks: 4, card: 2048, textDim: 768, maxPositions: 2048 });
  let t = performance.now();
  const lm: Lm = initLm(cfg, 1);
  const initMs = performance.now() - t;
  const B = 2;
  const len = 100;
  const cond = { textStates: tf.randomNormal([B, 12, cfg.textDim], 0, 1, 'float32', 3) as tf.Tensor3D, textMask: tf.ones([B, 12]) as tf.Tensor2D };
  try {
    if (backend === 'webgpu') { // the engine's load-time self-test, cold (its pipelines and tfjs's kernels compile here)
      const t0 = performance.now();
      const notice = await checkFusedStep(lm);
      results.bigSelfTestMs = performance.now() - t0;
      log(`     self-test (cold): ${f(results.bigSelfTestMs as number, 0)} ms, ${notice ? notice.message : 'passed'}`);
      setPart('bigSelfTest', [`Load-time self-test of the fused step (checkFusedStep, cold): ${f(results.bigSelfTestMs as number, 0)} ms, ${notice ? `failed: ${notice.message}` : 'passed'}.`, '']);
      write();
    }
    // Variants (--big-variants): tfjs-webgpu flags and the KV-cache layout, to find the per-step cost.
    const variants: Array<{ name: string; flags: Record<string, number | boolean>; layout?: CacheLayout }> = VARIANTS
      ? [
        { name: 'default', flags: {} },
        { name: 'CPU_FORWARD off', flags: { WEBGPU_CPU_FORWARD: false } },
        { name: 'CPU_FORWARD off, submit 1000', flags: { WEBGPU_CPU_FORWARD: false, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 1000 } },
        { name: 'CPU_FORWARD off, grow cache', flags: { WEBGPU_CPU_FORWARD: false }, layout: 'grow' },
      ]
      : [{ name: 'default', flags: {} }];
    const saved = Object.fromEntries(['WEBGPU_CPU_FORWARD', 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'].map((k) => [k, tf.env().get(k)]));
    let stepMs = NaN;
    let prefillMs = NaN;
    for (const v of variants) {
      if (left() < 15) break;
      for (const [k, val] of Object.entries({ ...saved, ...v.flags })) tf.env().set(k, val as number | boolean);
      const cache = createCache(lm, cond, len + 16, v.layout);
      const prefix = tf.zeros([B, cfg.codebooks, len], 'int32') as tf.Tensor3D;
      t = performance.now();
      const pre = extend(lm, prefix, cache);
      await pre.data();
      const pMs = performance.now() - t;
      tf.dispose([pre, prefix]);
      const col = tf.zeros([B, cfg.codebooks, 1], 'int32') as tf.Tensor3D;
      const run = async () => {
        const lg = step(lm, col, cache);
        await lg.data();
        lg.dispose();
      };
      await run(); // warm-up
      const n = backend === 'webgpu' ? 10 : 3;
      t = performance.now();
      for (let i = 0; i < n; i++) await run();
      const ms = (performance.now() - t) / n;
      // Kernel count and summed kernel time of one step (GPU timestamps where the adapter has them).
      let kernels = NaN;
      let kernelMs = NaN;
      if (VARIANTS) {
        const prof = await tf.profile(run);
        kernels = prof.kernels.length;
        kernelMs = prof.kernels.reduce((a, k) => a + (Number(k.kernelTimeMs) || 0), 0);
      }
      disposeCache(cache);
      col.dispose();
      variantRuns.push({ backend: used, variant: v.name, layout: cache.layout, stepMs: ms, prefillMs: pMs, kernels, kernelMs });
      if (v.name === 'default') [stepMs, prefillMs] = [ms, pMs];
      log(`     ${v.name}: ${f(ms)} ms/step, ${kernels} kernels, ${f(kernelMs)} ms in kernels`);
    }
    for (const [k, val] of Object.entries(saved)) tf.env().set(k, val as number | boolean);
    if (variantRuns.length) {
      results.bigVariants = variantRuns;
      setPart('bigVariants', ['## Larger LM: where a WebGPU step goes (flags and cache layout)', '',
        'Same model and prefix as above; kernels = kernel launches in one step (tf.profile), kernel ms = their summed time.', '',
        '| backend | variant | cache | step ms | kernels | kernel ms | prefill ms |', '|---|---|---|---|---|---|---|',
        ...variantRuns.map((r) => `| ${r.backend} | ${r.variant} | ${r.layout} | ${f(r.stepMs as number)} | ${r.kernels} | ${f(r.kernelMs as number)} | ${f(r.prefillMs as number, 0)} |`), '']);
    }
    const params = [...lm.named.values()].reduce((a, v) => a + v.size, 0);
    if (backend === 'webgpu' && left() > 20) {
      const fr = await fusedRun(lm, cond, len, 20);
      log(`     fused: ${f(fr.stepMs)} ms/step, prefill ${f(fr.prefillMs, 0)} ms (batched ${f(fr.batchedPrefillMs, 0)} ms), max |diff| ${fr.maxDiff.toExponential(2)} of peak ${f(fr.peak)}`);
      results.bigFused = fr;
      bigRuns.push({ backend: 'webgpu (fused step)', shape: `d ${dim}, ${layers} layers, ${heads} heads`, paramsM: params / 1e6, initMs, prefillMs: fr.prefillMs, stepMs: fr.stepMs, framesPerS: 1000 / fr.stepMs, rtf: fr.stepMs / 20 });
      setPart('bigFused', ['## Fused step vs tfjs ops (musicgen-small shape)', '',
        `Logits of ${fr.checkCols} seeded columns, fused vs tfjs static cache: max |diff| ${fr.maxDiff.toExponential(2)}, peak ${f(fr.peak)}. Fused prefill = ${len} single-column steps; batched (a continuation prompt's path) ${f(fr.batchedPrefillMs, 0)} ms.`, '']);
      write();
    }
    if (backend === 'webgpu' && process.env.GB_BREAKDOWN && left() > 30) { // where a fused step's time goes, by kind of dispatch (GB_BREAKDOWN=columns, default 40)
      const rows: string[] = [];
      for (const at of [100, 1400]) {
        const b = await fusedBreakdown(lm, cond, at, Number(process.env.GB_BREAKDOWN) > 1 ? Number(process.env.GB_BREAKDOWN) : 40);
        log(`     breakdown after ${at}: all ${f(b.allMs)} ms, empty ${f(b.emptyMs)} ms; ${b.kinds.map((k) => `${k.kind} -${f(b.allMs - k.withoutMs)}/${f(k.onlyMs)}`).join(', ')}`);
        rows.push(...b.kinds.map((k) => `| ${at} | ${k.kind} | ${k.dispatches} | ${f(k.withoutMs)} | ${f(b.allMs - k.withoutMs)} | ${f(k.onlyMs)} |`), `| ${at} | (all) | ${dispatchCount(b)} | ${f(b.allMs)} | | |`, `| ${at} | (none: submit + readback) | 0 | ${f(b.emptyMs)} | | |`);
      }
      results.bigBreakdown = rows;
      setPart('bigBreakdown', ['## Where a fused step goes (musicgen-small shape, by ablation)', '',
        'ms per column over 40 columns; "saves" = all minus without; the cache position is set, not computed.', '',
        '| position | kind | dispatches | ms without it | saves | ms with only it |', '|---|---|---|---|---|---|', ...rows, '']);
      write();
    }
    if (backend === 'webgpu' && process.env.GB_LONG && left() > 40) { // a late step (attention over ~1400 keys) and a whole 10 s take
      const late = await fusedRun(lm, cond, 1400, 20);
      const gen = await generateRun(lm, 500);
      const cont = await generateRun(lm, 1000, 500);
      log(`     fused at 1400: ${f(late.stepMs)} ms/step; 1400-column prompt: ${f(late.prefillMs, 0)} ms by steps, ${f(late.batchedPrefillMs, 0)} ms batched; generate 500 frames: ${f(gen.ms, 0)} ms (${f(gen.msPerFrame)} ms/frame); 500 more after a 500-frame prompt: ${f(cont.ms, 0)} ms`);
      results.bigLong = { late, gen, cont };
      setPart('bigLong', ['## Fused step late in a take, and a whole take (musicgen-small shape)', '',
        '| what | ms |', '|---|---|',
        `| fused step after a 1400-column prefix (attention over 1401 keys) | ${f(late.stepMs)} |`,
        `| generate(), 500 frames (10 s), CFG 3, top-k 250, sampling included | ${f(gen.ms, 0)} (${f(gen.msPerFrame)} per frame, RTF ${f(gen.msPerFrame / 20, 2)}) |`,
        `| a 1400-column prompt column by column / in one batched pass (first new column's logits read) | ${f(late.prefillMs, 0)} / ${f(late.batchedPrefillMs, 0)} |`,
        `| generate(), 10 s continuing a 10 s prompt (1000 frames in all) | ${f(cont.ms, 0)} |`, '']);
      write();
    }
    if (backend === 'webgpu' && left() > 40) {
      const lr = await loraTrainRun(lm, TRAIN_FRAMES, 3);
      log(`     LoRA train: ${f(lr.stepMs, 0)} ms/step (first ${f(lr.firstStepMs, 0)}), ${lr.params} adapter params`);
      results.bigLora = lr;
      setPart('bigLora', ['## LoRA training step (musicgen-small shape, seeded weights)', '',
        '| backend | rank | adapter params | batch × frames | first step ms | ms/step | frames/s | loss |', '|---|---|---|---|---|---|---|---|',
        `| ${used} | ${lr.rank} | ${lr.params} | 2 × ${lr.frames} | ${f(lr.firstStepMs, 0)} | ${f(lr.stepMs, 0)} | ${f((2 * lr.frames) / (lr.stepMs / 1000))} | ${lr.loss.toFixed(4)} |`, '']);
      write();
    }
    bigRuns.push({ backend: used, shape: `d ${dim}, ${layers} layers, ${heads} heads`, paramsM: params / 1e6, initMs, prefillMs, stepMs, framesPerS: 1000 / stepMs, rtf: stepMs / 20 });
    results.bigLm = bigRuns;
    setPart('big', ['## Larger LM (seeded, musicgen-small shape): cached step', '',
      'Batch 2 (CFG), 100-column prefix, one column per step incl. logits readback; RTF = step ms / 20 ms of audio per frame (sampling excluded).', '',
      '| backend | shape | params M | init s | prefill 100 ms | step ms | frames/s | RTF (steps only) |', '|---|---|---|---|---|---|---|---|',
      ...bigRuns.map((r) => `| ${r.backend} | ${r.shape} | ${f(r.paramsM as number)} | ${f((r.initMs as number) / 1000)} | ${f(r.prefillMs as number, 0)} | ${f(r.stepMs as number)} | ${f(r.framesPerS as number)} | ${f(r.rtf as number, 2)} |`), '']);
    if (used !== backend) throw new Error(`requested ${backend}, tfjs used ${used}`);
    return `${f(stepMs)} ms/step`;
  } finally {
    tf.dispose([cond.textStates, cond.textMask]);
    disposeLm(lm);
  }
}

// ---------- main ----------
async function main(): Promise<void> {
  // --tf-flags K=V,...: tfjs env flags for this process (e.g. WEBGPU_CPU_FORWARD=false)
  for (const kv of opt('tf-flags', '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    tf.env().set(k, v === 'true' ? true : v === 'false' ? false : Number(v));
    log(`tfjs flag ${k} = ${v}`);
  }
  log(`root ${ROOT}, out ${OUT}, budget ${BUDGET_S} s, LM ${SECONDS} s, codec ${CODEC_SECONDS} s, backends ${BACKENDS.join(',')}`);
  results.options = { root: ROOT, seconds: SECONDS, codecSeconds: CODEC_SECONDS, trainSteps: TRAIN_STEPS, trainFrames: TRAIN_FRAMES, budget: BUDGET_S, backends: BACKENDS, sections: [...SECTIONS] };
  write();
  await section('env', 0, 30, envSection);
  await section('parity', 10, 60, paritySection);
  // Generation: ~30 s per 10 s of audio on wasm on a slow core; the GPU path is the point, so it goes first.
  for (const b of BACKENDS) await section(`lm:${b}`, 20, Math.max(60, SECONDS * 12), () => lmSection(b));
  await section('codec', 15, 90, codecSection);
  await section('text', 5, 30, textSection);
  for (const b of BACKENDS) await section(`train:${b}`, 15, 60, () => trainSection(b));
  for (const b of BACKENDS) await section(`big:${b}`, 45, 180, () => bigSection(b));
  results.finished = !tainted;
  write();
  if (!argv.includes('--quiet')) console.log(`\n${readFileSync(join(OUT, 'gpu-bench.md'), 'utf8')}`);
}

/**
 * Ends the process once everything is written. A plain exit can take minutes: Node's shutdown joins
 * V8's background threads, which are still compiling ORT's 28 MB wasm with TurboFan (seen here:
 * 3 min on 2 cores after a 15 s run). Stdout/stderr to files and pipes are synchronous on Linux, so
 * SIGKILL loses nothing; the JSON's `finished` says whether the run completed. --clean-exit waits.
 */
function end(code: number): void {
  if (argv.includes('--clean-exit')) process.exit(code);
  process.kill(process.pid, 'SIGKILL');
}

main().then(
  () => end(0), // (dawn.node would also keep the event loop alive while a GPU object is referenced)
  (err) => {
    console.error(err);
    try { write(); } catch { /* nothing more to save */ }
    end(1);
  },
);
