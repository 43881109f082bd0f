/**
 * Searches fine-tuning settings for the A/B measure (issue 5) in Node (scripts/ab/abTrial.ts):
 *
 *   npx tsx scripts/ab-search.ts '{"steps":40,"lr":0.003,"cropFrames":50,"batchSize":2}' ...
 *
 * Environment: AB_BACKEND=wasm|cpu (default wasm), AB_SEEDS=1,2,3 (generation seeds),
 * AB_SECONDS=2 (take length), AB_PAIR=drums.flac:daramud.flac, AB_TRAIN_SEEDS=0 (training seeds).
 */
import * as tf from '@tensorflow/tfjs';
import { tokenDistance } from '../src/eval/tokenStats.ts';
import { abTrial, nodeEngine, tokenizeFixture } from './ab/abTrial.ts';

const backend = (process.env.AB_BACKEND ?? 'wasm') as 'wasm' | 'cpu';
const seeds = (process.env.AB_SEEDS ?? '1,2,3').split(',').map(Number);
const trainSeeds = (process.env.AB_TRAIN_SEEDS ?? '0').split(',').map(Number);
const seconds = Number(process.env.AB_SECONDS ?? 2);
const [fileA, fileB] = (process.env.AB_PAIR ?? 'drums.flac:daramud.flac').split(':');
const CAPTION_A = process.env.AB_CAPTION_A ?? 'drum loop';
const CAPTION_B = process.env.AB_CAPTION_B ?? 'plucked strings';

const h = await nodeEngine(backend);
console.log(`tfjs ${tf.getBackend()}; pair A=${fileA} "${CAPTION_A}", B=${fileB} "${CAPTION_B}"; takes ${seconds} s, seeds ${seeds}`);
const a = { name: fileA, caption: CAPTION_A, tokens: await tokenizeFixture(h, fileA) };
const b = { name: fileB, caption: CAPTION_B, tokens: await tokenizeFixture(h, fileB) };
console.log(`clip distance d(A, B) = ${tokenDistance(a.tokens, b.tokens).toFixed(3)}`);

for (const options of process.argv.slice(2).map((s) => JSON.parse(s) as Record<string, number>)) {
  for (const seed of trainSeeds) {
    const r = await abTrial(h, a, b, { ...options, seed }, seeds, seconds);
    console.log(`${JSON.stringify(options)} trainSeed ${seed}: ${r.right}/${r.total} right; train ${r.trainSeconds.toFixed(1)} s (${r.steps} steps, loss ${r.firstLoss.toFixed(2)} .. ${r.lastLoss.toFixed(2)})`);
    console.log(`   ${r.takes.map((t) => `${t.want}${t.seed}:${t.dA.toFixed(3)}/${t.dB.toFixed(3)}${(t.dA < t.dB ? 'A' : 'B') === t.want ? '' : '✗'}`).join(' ')}`);
  }
}
