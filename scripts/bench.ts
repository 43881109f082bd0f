/**
 * `npm run bench`: real Chromium, real bundled models. Writes bench-results/codec.{md,json}.
 *   - codec encode/decode real-time factor per backend (bench.html on `vite preview`)
 *   - reconstruction quality on the fixtures (chroma agreement, SI-SNR), onnxruntime-node
 */
import { spawn, execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { chromium, type Page } from '@playwright/test';
import { findChromium } from './chromium.mjs';
import { scoreFixtures } from './pack/evalCodec.ts';
import { createNodeOrtSession } from '../src/runtime/ortSessionNode.ts';
import { parseManifest } from '../src/packs/manifest.ts';
import { Codec } from '../src/codec/encodec.ts';

const PORT = 4310;
const ROOT = new URL('../', import.meta.url).pathname;
const OUT = ROOT + 'bench-results/';
const PACK = ROOT + 'public/models/studio/';

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try { if ((await fetch(url)).ok) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`server at ${url} did not start`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function browserRuns() {
  // Its own output folder, so a test run building dist/ at the same time is not disturbed.
  execSync('npx vite build --outDir dist-bench', { cwd: ROOT, stdio: 'inherit' });
  const server = spawn('npx', ['vite', 'preview', '--outDir', 'dist-bench', '--port', String(PORT), '--strictPort'], { cwd: ROOT, stdio: 'ignore', detached: true });
  const exe = findChromium();
  if (!exe) throw new Error('no Chromium (set CHROMIUM_PATH or apt-get install chromium)');
  const launch = () => chromium.launch({ executablePath: exe, headless: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  let version = '';
  try {
    await waitFor(`http://localhost:${PORT}/bench.html`, 60_000);
    const rows = [];
    // WebGPU here may be a software adapter: time it on a shorter clip, and say which adapter it was.
    // A fresh browser per backend: ORT fixes its thread count when its wasm first starts.
    for (const [backend, seconds, repeats] of [['wasm', 30, 3], ['cpu', 30, 2], ['webgpu', 5, 1]] as const) {
      const browser = await launch();
      version = browser.version();
      try {
        const page = await browser.newPage();
        await page.goto(`http://localhost:${PORT}/bench.html`);
        await page.waitForFunction(() => document.body.dataset.ready === 'true');
        const adapter = await page.evaluate(async () => {
          const a = await navigator.gpu?.requestAdapter();
          return a ? `${a.info.vendor} ${a.info.architecture}`.trim() + ((a.info as { isFallbackAdapter?: boolean }).isFallbackAdapter ? ' (software fallback)' : '') : 'none';
        });
        const env = await page.evaluate(() => ({ coi: window.studioBench.crossOriginIsolated, cores: window.studioBench.hardwareConcurrency }));
        const r = await page.evaluate(([b, s, n]) => window.studioBench.runCodec(b, s, n), [backend, seconds, repeats] as const);
        rows.push({ backend, seconds, encodeMs: r.encodeMs, decodeMs: r.decodeMs, encodeRtf: r.encodeMs / 1000 / seconds, decodeRtf: r.decodeMs / 1000 / seconds,
          note: backend === 'webgpu' ? `adapter: ${adapter}` : `threads: ${backend === 'cpu' ? 1 : Math.min(4, env.cores)}${env.coi ? '' : ' (not isolated: 1)'}` });
      } catch (e) {
        rows.push({ backend, seconds, error: String(e).split('\n')[0].slice(0, 160) });
      } finally {
        await browser.close().catch(() => {});
      }
      console.log(JSON.stringify(rows.at(-1)));
    }
    // One fresh browser (and page) per run; a failure becomes an error row.
    const inFreshPage = async <R, E>(run: (page: Page) => Promise<R>, onError: (error: string) => E): Promise<R | E> => {
      const browser = await launch();
      try {
        const page = await browser.newPage();
        await page.goto(`http://localhost:${PORT}/bench.html`);
        await page.waitForFunction(() => document.body.dataset.ready === 'true');
        return await run(page);
      } catch (e) {
        return onError(String(e).split('\n')[0].slice(0, 160));
      } finally {
        await browser.close().catch(() => {});
      }
    };
    // A take as the app makes it (engine worker + ORT worker): 10 s of music on WASM, the target
    // being under 5 s from prompt to audio; then the LM alone per backend.
    const appRows = [];
    for (const [backend, seconds] of [['wasm', 10], ['cpu', 10]] as const) {
      appRows.push(await inFreshPage((page) => page.evaluate(([b, s]) => window.studioBench.runApp(b, s), [backend, seconds] as const), (error) => ({ backend, seconds, error })));
      console.log(JSON.stringify(appRows.at(-1)));
    }
    const lmRows = [];
    for (const [backend, seconds] of [['wasm', 10], ['cpu', 2], ['webgpu', 2]] as const) {
      lmRows.push(await inFreshPage((page) => page.evaluate(([b, s]) => window.studioBench.runLm(b, s), [backend, seconds] as const), (error) => ({ backend, seconds, error })));
      console.log(JSON.stringify(lmRows.at(-1)));
    }
    // Fine-tuning speed: the studio's Trainer, batch 2 x 5 s crops, per backend.
    const trainRows = [];
    for (const [backend, steps] of [['wasm', 8], ['cpu', 3], ['webgpu', 2]] as const) {
      trainRows.push(await inFreshPage((page) => page.evaluate(([b, n]) => window.studioBench.runTrain(b, n), [backend, steps] as const), (error) => ({ backend, steps, error })));
      console.log(JSON.stringify(trainRows.at(-1)));
    }
    return { rows, appRows, lmRows, trainRows, chromium: version };
  } finally {
    try { process.kill(-server.pid!); } catch { /* gone */ }
  }
}

async function quality() {
  const m = parseManifest(JSON.parse(readFileSync(PACK + 'manifest.json', 'utf8')));
  const enc = await createNodeOrtSession(new Uint8Array(readFileSync(PACK + m.files[m.codec.encoder].path)));
  const dec = await createNodeOrtSession(new Uint8Array(readFileSync(PACK + m.files[m.codec.decoder].path)));
  return scoreFixtures(new Codec(m.codec, enc, dec));
}

const lmc = parseManifest(JSON.parse(readFileSync(PACK + 'manifest.json', 'utf8'))).lm!.config; // the table names the LM's shape
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
const q = await quality();
const b = await browserRuns();
const date = new Date().toISOString().slice(0, 10);
const f = (v: number, d = 3) => v.toFixed(d);
const md = [
  `# Codec benchmark (${date})`,
  '',
  `Machine: ${machine}, no GPU. Browser: Chromium ${b.chromium}, headless. Pack: studio (bundled).`,
  'Real-time factor = processing time / audio duration (lower is faster; < 1 is faster than real time). Best of the repeats, after a warm-up run.',
  '',
  '| backend | clip | encode ms | encode RTF | decode ms | decode RTF | note |',
  '|---|---|---|---|---|---|---|',
  ...b.rows.map((r) => ('error' in r
    ? `| ${r.backend} | ${r.seconds} s | – | – | – | – | failed: ${r.error} |`
    : `| ${r.backend} | ${r.seconds} s | ${f(r.encodeMs, 0)} | ${f(r.encodeRtf)} | ${f(r.decodeMs, 0)} | ${f(r.decodeRtf)} | ${r.note} |`)),
  '',
  '## A take in the app (bundled pack: prompt → T5 → LM → decoder, through the engine worker and its ORT worker)',
  '',
  'Time from the generate call to the take\'s PCM, pack defaults (CFG 3, top-k 250); the decoder runs window by window while the LM samples.',
  '',
  '| backend | audio | pack load ms | first take ms | second take ms | of which LM ms | RTF (second take) |',
  '|---|---|---|---|---|---|---|',
  ...b.appRows.map((r) => ('error' in r
    ? `| ${r.backend} | ${r.seconds} s | – | – | – | – | failed: ${r.error} |`
    : `| ${r.backend} | ${r.seconds} s | ${f(r.loadMs, 0)} | ${f(r.firstMs, 0)} | ${f(r.secondMs, 0)} | ${f(r.lmMs, 0)} | ${f(r.secondMs / 1000 / r.seconds, 2)} |`)),
  '',
  `## Generation (bundled LM: d ${lmc.dim}, ${lmc.layers} layers, K ${lmc.codebooks} x ${lmc.card}; CFG 3, batch 2; codec decode on WASM in an ORT worker)`,
  '',
  'tfjs backend requested → used. Cached/recompute: ms per step at a 250-column prefix with the KV cache vs recomputing the whole prefix.',
  '',
  '| backend | audio | frames/s | generate ms | decode ms | RTF (gen + decode) | cached step ms | recompute step ms | ratio | peak tfjs MB |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...b.lmRows.map((r) => ('error' in r
    ? `| ${r.backend} | ${r.seconds} s | – | – | – | – | – | – | – | failed: ${r.error} |`
    : `| ${r.backend} | ${r.seconds} s | ${f(r.framesPerSecond, 1)} | ${f(r.generateMs, 0)} | ${f(r.decodeMs, 0)} | ${f(r.rtf, 2)} | ${f(r.cachedStepMs, 1)} | ${f(r.recomputeStepMs, 1)} | ${f(r.recomputeStepMs / r.cachedStepMs, 1)}× | ${f(r.peakBytes / 2 ** 20, 1)} |`)),
  '',
  '## Fine-tuning (bundled LM, the studio\'s Trainer: AdamW, clipping, condition dropout; batch 2 x 250-frame crops)',
  '',
  'Tokens = valid target cells (K x frames) per second of training compute; the first step (kernel compilation) is included in ms/step.',
  '',
  '| backend | steps | ms/step | tokens/s | first loss | last loss | peak tfjs MB |',
  '|---|---|---|---|---|---|---|',
  ...b.trainRows.map((r) => ('error' in r
    ? `| ${r.backend} | ${r.steps} | – | – | – | – | failed: ${r.error} |`
    : `| ${r.backend} | ${r.steps} | ${f(r.msPerStep, 0)} | ${f(r.tokensPerSecond, 0)} | ${f(r.firstLoss, 3)} | ${f(r.lastLoss, 3)} | ${f(r.peakBytes / 2 ** 20, 1)} |`)),
  '',
  'Reconstruction on the fixtures (resampled 24 → 32 kHz; onnxruntime-node, same graphs). Chroma agreement = share of non-silent',
  'frames whose dominant pitch class (argmax chroma, n_fft 16384, hop 4096) is the same in original and reconstruction.',
  'SI-SNR is low by design: the decoder resynthesises phase, so waveforms do not line up even where spectra do.',
  '',
  '| fixture | seconds | chroma agreement | SI-SNR dB |',
  '|---|---|---|---|',
  ...q.map((s) => `| ${s.name} | ${f(s.seconds, 1)} | ${f(s.chromaAgreement * 100, 1)}% | ${f(s.siSnrDb, 1)} |`),
  '',
].join('\n');
mkdirSync(OUT, { recursive: true });
writeFileSync(OUT + 'codec.md', md);
writeFileSync(OUT + 'codec.json', JSON.stringify({ date, machine, chromium: b.chromium, speed: b.rows, app: b.appRows, generation: b.lmRows, training: b.trainRows, quality: q }, null, 2) + '\n');
console.log(md);

// Prompt following of the bundled LM (issue 7): bench-results/prompt-following.{md,json}, tfjs WASM
// in Node (96 prompts, about 12 minutes here). BENCH_SKIP_PROMPTS=1 skips it.
if (!process.env.BENCH_SKIP_PROMPTS) {
  const { runPromptEval } = await import('./eval-prompts.ts');
  console.log(await runPromptEval(() => {}));
}

// The A/B measure of fine-tuning (issue 5): bench-results/finetune-ab.{md,json}, tfjs WASM in Node.
// BENCH_SKIP_AB=1 skips it.
if (!process.env.BENCH_SKIP_AB) {
  const { runAbEval } = await import('./eval-ab.ts');
  console.log(await runAbEval(() => {}));
}
