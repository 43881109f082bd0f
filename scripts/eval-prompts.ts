/**
 * Prompt-following evaluation of the bundled pack's LM (issue 7), also run by `npm run bench`:
 *   npm run eval:prompts            -> bench-results/prompt-following.{md,json}
 * EVAL_PROMPTS (default 96: fewer cannot rank changes of a few points) prompts, EVAL_SECONDS (default 10) of audio each; tfjs WASM in Node.
 * EVAL_OUT: another output folder (experiments); EVAL_WINDOW: see below.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadLm, disposeLm } from '../src/lm/index.ts';
import { patchWasmKernels } from '../src/runtime/wasmKernels.ts';
import { continuationTable, evaluateContinuation, evaluatePrompts, heldOutTable, promptCases, promptEvalTable, seedSweep, seedSweepTable } from './pretrain/promptEval.ts';
import { loadStudioTools } from './pretrain/studioPack.ts';
import { windowFrames } from '../src/packs/manifest.ts';
import { CHECKED_EXAMPLES } from '../src/state/examples.ts';

const PACK_DIR = process.env.PACK_DIR ?? new URL('../public/models/studio/', import.meta.url).pathname;
const OUT = process.env.EVAL_OUT ?? new URL('../bench-results/', import.meta.url).pathname;

export async function runPromptEval(log: (m: string) => void = console.log): Promise<string> {
  patchWasmKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  const tools = await loadStudioTools(PACK_DIR);
  const m = tools.manifest;
  const lm = loadLm(m.lm!.config, new Uint8Array(readFileSync(`${PACK_DIR}/${m.files[m.lm!.weights].path}`)));
  try {
    // Takes past the pack's trained length are sampled in windows, as in the studio; EVAL_WINDOW=off
    // generates one sequence instead, EVAL_WINDOW=250,150 another window (frames, stride).
    const [wMax, wStride] = (process.env.EVAL_WINDOW ?? '').split(',').map(Number);
    const window = process.env.EVAL_WINDOW === 'off' ? undefined : wMax ? { maxFrames: wMax, strideFrames: wStride } : windowFrames(m.lm!, m.codec.frameRate);
    const cases = promptCases(8_000_000, Number(process.env.EVAL_PROMPTS ?? 96));
    const r = await evaluatePrompts(lm, tools, cases, { seconds: Number(process.env.EVAL_SECONDS ?? 10), seed: 1, window, log });
    // Does the LM hold the key and tempo it has heard? (The prompt's cases, their first 4 s shown.)
    // At the guidance the app gives a continuation by default (the pack's continuationCfg, else its cfg).
    const contCfg = m.lm!.defaults.continuationCfg ?? m.lm!.defaults.cfg;
    const cont = await evaluateContinuation(lm, tools, cases, { shownSeconds: 4, seconds: 10, seed: 1, cfg: contCfg, window, log });
    // The example prompts that name a key or a tempo, at the app's defaults (8 s, cfg 3), over seeds 1..10: e2e/promptFollowing.spec.ts picks from these.
    const d = m.lm!.defaults;
    const sweeps = [];
    for (const ex of CHECKED_EXAMPLES) sweeps.push(await seedSweep(lm, tools, ex, { seeds: Array.from({ length: 10 }, (_, i) => i + 1), cfg: d.cfg, seconds: d.seconds, window, log }));
    // parseManifest keeps only what the engine needs: the pretraining note is read from the raw file
    const raw = JSON.parse(readFileSync(`${PACK_DIR}/manifest.json`, 'utf8')) as { lm: { pretraining?: { steps: number; pieces: number } } };
    const pre = raw.lm.pretraining;
    const model = pre ? `pretrained ${pre.steps} steps on ${pre.pieces} corpus pieces` : 'untrained (seeded) weights';
    const md = `# Prompt following (bundled LM: ${model})\n\n${promptEvalTable(r)}\n\n${heldOutTable(r)}\n\n${continuationTable(cont)}\n\n${sweeps.map(seedSweepTable).join('\n\n')}\n\nMeasured ${new Date().toISOString().slice(0, 10)} by scripts/eval-prompts.ts (tfjs WASM in Node).\n`;
    mkdirSync(OUT, { recursive: true });
    writeFileSync(`${OUT}/prompt-following.md`, md);
    writeFileSync(`${OUT}/prompt-following.json`, JSON.stringify({ ...r, continuation: cont, sweeps }, null, 1));
    return md;
  } finally {
    disposeLm(lm);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runPromptEval().then((md) => console.log(md), (e) => { console.error(e); process.exit(1); });
}
