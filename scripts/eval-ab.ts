/**
 * The A/B measure of fine-tuning (issue 5) after a fixed run, also run by `npm run bench`:
 *   npm run eval:ab  -> bench-results/finetune-ab.{md,json}
 * For each pair of fixtures: fine-tune the bundled pack on both (one caption each), generate
 * 2 s from each caption with 4 seeds, and count the takes closer (token statistics) to their own
 * clip. tfjs WASM in Node, through the engine handlers the worker runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { abTrial, nodeEngine, tokenizeFixture, type AbResult } from './ab/abTrial.ts';

const OUT = new URL('../bench-results/', import.meta.url).pathname;
const OPTIONS = { steps: 150, lr: 2e-3, warmup: 10, cropFrames: 50, batchSize: 2, seed: 0 };
const SEEDS = [1, 2, 3, 4];
const SECONDS = 2;
const CLIPS = { 'drums.flac': 'drum loop', 'daramud.flac': 'plucked strings', 'demo.flac': 'bright synth melody' } as const;
const PAIRS: [keyof typeof CLIPS, keyof typeof CLIPS][] = [['drums.flac', 'daramud.flac'], ['demo.flac', 'drums.flac'], ['daramud.flac', 'demo.flac']];

export async function runAbEval(log: (m: string) => void = console.log): Promise<string> {
  const h = await nodeEngine('wasm');
  const clip = async (name: keyof typeof CLIPS) => ({ name, caption: CLIPS[name], tokens: await tokenizeFixture(h, name) });
  const rows: ({ a: string; b: string } & AbResult)[] = [];
  for (const [na, nb] of PAIRS) {
    const r = await abTrial(h, await clip(na), await clip(nb), OPTIONS, SEEDS, SECONDS);
    log(`${na} / ${nb}: ${r.right}/${r.total} right, loss ${r.firstLoss.toFixed(2)} -> ${r.lastLoss.toFixed(2)} in ${r.trainSeconds.toFixed(0)} s`);
    rows.push({ a: na, b: nb, ...r });
  }
  const right = rows.reduce((s, r) => s + r.right, 0);
  const total = rows.reduce((s, r) => s + r.total, 0);
  const md = [
    '# Fine-tuning A/B (bundled pack)',
    '',
    `Per pair: fine-tune the pack's own weights on both clips (${JSON.stringify(OPTIONS)}), then generate ${SECONDS} s from each`,
    `caption with seeds ${SEEDS.join(', ')}. Right = the take's token statistics are closer to its own caption's clip (chance: half).`,
    '',
    '| clip A (caption) | clip B (caption) | right | mean distance to own clip | to the other | loss first → last | train s |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.a} ("${CLIPS[r.a as keyof typeof CLIPS]}") | ${r.b} ("${CLIPS[r.b as keyof typeof CLIPS]}") | ${r.right}/${r.total} | ${r.ownDistance.toFixed(3)} | ${r.otherDistance.toFixed(3)} | ${r.firstLoss.toFixed(2)} → ${r.lastLoss.toFixed(2)} | ${r.trainSeconds.toFixed(0)} |`),
    `| **all** | | **${right}/${total}** | | | | |`,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} by scripts/eval-ab.ts (tfjs WASM in Node).`,
    '',
  ].join('\n');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}/finetune-ab.md`, md);
  writeFileSync(`${OUT}/finetune-ab.json`, JSON.stringify({ options: OPTIONS, seeds: SEEDS, seconds: SECONDS, rows }, null, 1) + '\n');
  return md;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runAbEval().then((md) => console.log(md), (e) => { console.error(e); process.exit(1); });
}
