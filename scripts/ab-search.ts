/**
 * Searches fine-tuning settings for the A/B measure (issue 5) in Node, through the same engine
 * handlers the worker runs: tokenize two fixtures, fine-tune the bundled pack on them with two
 * captions, generate from each caption with several seeds and report the token distances
 * (src/eval/tokenStats.ts) to both clips.
 *
 *   npx tsx scripts/ab-search.ts '{"steps":40,"lr":0.003,"cropFrames":50,"batchSize":2}' ...
 *
 * Environment: AB_BACKEND=wasm|cpu (default wasm), AB_SEEDS=1,2,3 (generation seeds),
 * AB_SECONDS=2 (take length), AB_PAIR=drums.flac:daramud.flac, AB_TRAIN_SEEDS=0 (training seeds).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { tokenDistance } from '../src/eval/tokenStats';
import { memoryModelStore } from '../src/runtime/modelStore';
import { createNodeOrtSession } from '../src/runtime/ortSessionNode';
import { patchWasmKernels } from '../src/runtime/wasmKernels';
import { createEngineHandlers } from '../src/workers/engine';
import type { CallContext, TokenizeResult } from '../src/workers/protocol';
import { fixturePath, readFlac } from './pack/fixtures';

const PUBLIC = new URL('../public/', import.meta.url).pathname;
const backend = (process.env.AB_BACKEND ?? 'wasm') as 'wasm' | 'cpu';
const seeds = (process.env.AB_SEEDS ?? '1,2,3').split(',').map(Number);
const trainSeeds = (process.env.AB_TRAIN_SEEDS ?? '0').split(',').map(Number);
const seconds = Number(process.env.AB_SECONDS ?? 2);
const [fileA, fileB] = (process.env.AB_PAIR ?? 'drums.flac:daramud.flac').split(':');
const CAPTION_A = process.env.AB_CAPTION_A ?? 'drum loop';
const CAPTION_B = process.env.AB_CAPTION_B ?? 'plucked strings';

const ctx = (onProgress?: CallContext['progress']): CallContext => ({
  signal: new AbortController().signal, progress: onProgress ?? (() => {}), transfer: () => {},
});

tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
const h = createEngineHandlers({
  fetch: async (url: string) => new Response(new Uint8Array(readFileSync(PUBLIC + new URL(url).pathname.slice(1))), { status: 200 }),
  probe: async () => ({ available: false, isFallback: false, description: '' }),
  createSession: (b) => createNodeOrtSession(b),
  useTf: async () => {
    await tf.setBackend(backend);
    await tf.ready();
    patchWasmKernels();
    return backend;
  },
  modelStore: memoryModelStore(),
});
await h.init({ manifestUrl: 'http://studio.test/models/studio/manifest.json', backend: 'wasm' }, ctx());
console.log(`tfjs ${tf.getBackend()}; pair A=${fileA} "${CAPTION_A}", B=${fileB} "${CAPTION_B}"; takes ${seconds} s, seeds ${seeds}`);

async function tokenizeFixture(name: string): Promise<TokenizeResult> {
  const { pcm, sampleRate } = await readFlac(fixturePath(name));
  return h.tokenize({ channels: [pcm], sampleRate, name }, ctx());
}
const a = await tokenizeFixture(fileA);
const b = await tokenizeFixture(fileB);
console.log(`clip distance d(A, B) = ${tokenDistance(a, b).toFixed(3)}`);

const configs = process.argv.slice(2).map((s) => JSON.parse(s) as Record<string, number>);
for (const options of configs) {
  for (const trainSeed of trainSeeds) {
    await h.useModel({ id: null }, ctx());
    const losses: number[] = [];
    const t0 = performance.now();
    const summary = await h.train({
      name: 'ab',
      clips: [
        { name: fileA, caption: CAPTION_A, codes: a.codes, k: a.k, t: a.t },
        { name: fileB, caption: CAPTION_B, codes: b.codes, k: b.k, t: b.t },
      ],
      options: { evalEvery: 0, checkpointEvery: 0, valFraction: 0, ...options, seed: trainSeed },
    }, ctx((p) => p.training && losses.push(p.training.loss)));
    const trainSec = (performance.now() - t0) / 1000;
    let right = 0;
    const rows: string[] = [];
    const g0 = performance.now();
    for (const seed of seeds) {
      for (const [caption, want] of [[CAPTION_A, 'A'], [CAPTION_B, 'B']] as const) {
        const g = await h.generate({ prompt: caption, seconds, temperature: 1, topK: 250, topP: 0, cfg: 3, seed }, ctx());
        const dA = tokenDistance(g, a);
        const dB = tokenDistance(g, b);
        const got = dA < dB ? 'A' : 'B';
        if (got === want) right++;
        rows.push(`${want}${seed}:${dA.toFixed(3)}/${dB.toFixed(3)}${got === want ? '' : '✗'}`);
      }
    }
    const genSec = (performance.now() - g0) / 1000;
    const head = losses.slice(0, 3).map((x) => x.toFixed(2)).join(',');
    const tail = losses.slice(-3).map((x) => x.toFixed(2)).join(',');
    console.log(`${JSON.stringify(options)} trainSeed ${trainSeed}: ${right}/${2 * seeds.length} right; train ${trainSec.toFixed(1)} s (${summary.step} steps, loss ${head} .. ${tail}); gen ${genSec.toFixed(1)} s`);
    console.log(`   ${rows.join(' ')}`);
  }
}
