/**
 * `npx tsx scripts/corpus.ts [--count N] [--out DIR] [--seconds S] [--seed S] [--captions K] [--eval] [--all-combos]`
 *
 * Generates N procedural pieces (seeds S, S+1, …) and renders them at the codec's rate. With
 * --out, writes DIR/<seed>.wav (16-bit mono) and DIR/metadata.jsonl in the Hugging Face
 * audiofolder layout: file_name, caption (first of K training phrasings), captions, and the
 * piece's facts as columns. Key/tempo pairs held out by src/corpus/split.ts are skipped unless
 * --all-combos. With --eval, runs the key and tempo detectors on every piece and reports how
 * often they agree with the facts: the ceiling a model trained on this corpus can reach.
 * Always reports render speed (seconds of audio per second).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeWav16 } from '../src/audio/wav.ts';
import { captionsFor, CORPUS_SAMPLE_RATE, generatePiece, keyName, pitchClassOf, renderPiece, type PieceFacts } from '../src/corpus/index.ts';
import { agreement, analyzeClip, summarize, type Agreement } from '../src/eval/index.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    out: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    captions: { type: 'string', default: '3' },
    eval: { type: 'boolean', default: false },
    'all-combos': { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const seconds = Number(values.seconds);
const firstSeed = Number(values.seed);
const captionCount = Number(values.captions);
if (![count, seconds, firstSeed, captionCount].every(Number.isFinite) || count < 1 || seconds <= 0) {
  throw new Error('corpus: --count, --seconds, --seed and --captions must be numbers (count ≥ 1, seconds > 0)');
}

function metadataRow(file: string, f: PieceFacts, captions: string[]): string {
  return JSON.stringify({
    file_name: file,
    caption: captions[0],
    captions,
    key: keyName({ tonic: pitchClassOf(f.tonic), mode: f.mode }),
    tonic: f.tonic,
    mode: f.mode,
    bpm: f.bpm,
    instruments: f.instruments,
    lead: f.lead,
    density: f.density,
    progression: f.progression,
    seed: f.seed,
    seconds: f.seconds,
  });
}

/** "minor→major +3": the detected mode, and its tonic in semitones above the written one. */
function keyError(f: PieceFacts, a: { tonic: number; mode: string }): string {
  return `${f.mode}→${a.mode} +${(a.tonic - pitchClassOf(f.tonic) + 12) % 12}`;
}

const tally = (m: Map<string, number>, label: string) => m.set(label, (m.get(label) ?? 0) + 1);

if (values.out) mkdirSync(values.out, { recursive: true });
const rows: string[] = [];
const results: Agreement[] = [];
const keyErrors = new Map<string, number>();
const tempoErrors = new Map<string, number>();
let renderMs = 0;
let detectMs = 0;
let audioSeconds = 0;
for (let i = 0; i < count; i++) {
  const seed = firstSeed + i;
  const piece = generatePiece({ seed, seconds, avoidHeldOut: !values['all-combos'] });
  const t0 = performance.now();
  const pcm = renderPiece(piece, CORPUS_SAMPLE_RATE);
  renderMs += performance.now() - t0;
  audioSeconds += pcm.length / CORPUS_SAMPLE_RATE;
  const f = piece.facts;
  if (values.out) {
    const file = `${seed}.wav`;
    writeFileSync(join(values.out, file), encodeWav16(pcm, CORPUS_SAMPLE_RATE));
    rows.push(metadataRow(file, f, captionsFor(f, { count: captionCount })));
  }
  if (values.eval) {
    const t1 = performance.now();
    const found = analyzeClip(pcm, CORPUS_SAMPLE_RATE);
    detectMs += performance.now() - t1;
    const a = agreement(f, found);
    results.push(a);
    if (!a.key) tally(keyErrors, keyError(f, found.key));
    if (!a.tempo) tally(tempoErrors, `×${(found.tempo.bpm / f.bpm).toFixed(2)}`);
  }
  if ((i + 1) % 50 === 0) console.error(`${i + 1}/${count}`);
}
if (values.out) writeFileSync(join(values.out, 'metadata.jsonl'), rows.join('\n') + '\n');

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`pieces: ${count} × ${seconds} s (seeds ${firstSeed}–${firstSeed + count - 1})${values.out ? `, written to ${values.out}` : ''}`);
console.log(`render: ${(audioSeconds / (renderMs / 1000)).toFixed(1)} s of audio per second (${(renderMs / count).toFixed(0)} ms per piece)`);
if (values.eval) {
  const s = summarize(results);
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
  console.log(`detectors: ${(detectMs / count).toFixed(0)} ms per piece`);
  console.log(`key accuracy (tonic and mode): ${pct(s.keyAccuracy)}   errors: ${top(keyErrors)}`);
  console.log(`tempo within 8%: ${pct(s.tempoAccuracy)}   errors: ${top(tempoErrors)}`);
  console.log(`both: ${pct(s.bothAccuracy)}`);
  console.log(JSON.stringify({ ...s, renderSecondsPerSecond: audioSeconds / (renderMs / 1000) }));
}
