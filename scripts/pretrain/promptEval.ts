/**
 * Does the bundled LM follow its prompts? (issue 7) Prompts name a key, a tempo and an instrument
 * (half in phrasings held out of training, and key/tempo pairs drawn freely, so some are pairs the
 * corpus never had); each is rendered as the corpus would (the ceiling), and generated with no
 * prompt (the unconditional model), with the prompt but no guidance (cfg 1), and with guidance
 * (cfg 3); the corpus audio through the codec is the ceiling for anything the LM makes. The audio's key and tempo are detected (src/eval) and compared with the prompt.
 */
import * as tf from '@tensorflow/tfjs';
import { captionsFor, generatePiece, isHeldOutCombination, pitchClassOf, renderPiece, tonicName, type PieceFacts } from '../../src/corpus/index.ts';
import { agreement, analyzeClip, keyAgrees, summarize, TEMPO_TOLERANCE, type Agreement, type AgreementSummary } from '../../src/eval/index.ts';
import { askedTempoLabel, promptBpm, promptFacts, tempoFits } from '../../src/eval/promptFacts.ts';
import { takeClock } from '../../src/workers/generateTake.ts';
import { generateLong, type Lm, type WindowSpec } from '../../src/lm/index.ts';
import type { ExamplePrompt } from '../../src/state/examples.ts';
import type { StudioTools } from './studioPack.ts';

export type Condition = 'corpus' | 'corpus through the codec' | 'unconditional' | 'prompt, cfg 1' | 'prompt, cfg 3';
export const CONDITIONS: readonly Condition[] = ['corpus', 'corpus through the codec', 'unconditional', 'prompt, cfg 1', 'prompt, cfg 3'];

export interface PromptCase {
  facts: PieceFacts;
  prompt: string;
  heldOutPhrasing: boolean;
  heldOutPair: boolean;
}

export interface PromptEvalResult {
  cases: Array<PromptCase & { results: Record<Condition, Agreement & { detected: string }> }>;
  summary: Record<Condition, AgreementSummary>;
  seconds: number;
}

/** `count` prompts from seeds `firstSeed`..; odd ones use held-out phrasings. */
export function promptCases(firstSeed: number, count: number): PromptCase[] {
  return Array.from({ length: count }, (_, i) => {
    const { facts } = generatePiece({ seed: firstSeed + i });
    const heldOutPhrasing = i % 2 === 1;
    const [prompt] = captionsFor(facts, { count: 1, heldOut: heldOutPhrasing });
    return { facts, prompt, heldOutPhrasing, heldOutPair: isHeldOutCombination({ tonic: pitchClassOf(facts.tonic), mode: facts.mode }, facts.bpm) };
  });
}

/** As the app does: an LM with a beat clock keeps the tempo the prompt names. */
const clockOf = (lm: Lm, prompt: string, tools: StudioTools) => takeClock(lm, prompt, tools.manifest.codec.frameRate);

async function textTensors(tools: StudioTools, prompt: string): Promise<{ textStates: tf.Tensor3D; textMask: tf.Tensor2D }> {
  const c = await tools.caption(prompt);
  return { textStates: tf.tensor3d(c.states, [1, c.dims.s, c.dims.d]), textMask: tf.tensor2d(Array.from(c.mask), [1, c.dims.s]) };
}

export async function evaluatePrompts(lm: Lm, tools: StudioTools, cases: PromptCase[], o: { seconds: number; seed: number; window?: WindowSpec; log?: (m: string) => void }): Promise<PromptEvalResult> {
  const rate = tools.manifest.codec.sampleRate;
  const frames = Math.round(o.seconds * tools.manifest.codec.frameRate);
  const out: PromptEvalResult['cases'] = [];
  for (const [i, c] of cases.entries()) {
    const prompted = { tonic: c.facts.tonic, mode: c.facts.mode, bpm: c.facts.bpm };
    const audio: Record<Condition, Float32Array> = {} as never;
    audio.corpus = renderPiece(generatePiece({ seed: c.facts.seed, seconds: o.seconds }), rate);
    audio['corpus through the codec'] = await tools.codec.decode(await tools.codec.encode(audio.corpus));
    for (const [name, prompt, cfg] of [['unconditional', '', 1], ['prompt, cfg 1', c.prompt, 1], ['prompt, cfg 3', c.prompt, 3]] as const) {
      const cond = await textTensors(tools, prompt);
      try {
        const codes = await generateLong(lm, { ...cond, frames, cfg, seed: o.seed + i, window: o.window, beat: clockOf(lm, prompt, tools) });
        audio[name] = await tools.codec.decode({ codes, k: lm.config.codebooks, t: frames });
      } finally {
        tf.dispose([cond.textStates, cond.textMask]);
      }
    }
    const results = {} as Record<Condition, Agreement & { detected: string }>;
    for (const name of CONDITIONS) {
      const a = analyzeClip(audio[name], rate);
      results[name] = { ...agreement(prompted, a), detected: `${tonicName(a.key)} ${a.key.mode}, ${a.tempo.bpm.toFixed(0)} bpm` };
    }
    out.push({ ...c, results });
    o.log?.(`${i + 1}/${cases.length} "${c.prompt}": ${CONDITIONS.map((n) => `${n} ${results[n].detected}`).join(' | ')}`);
  }
  const summary = Object.fromEntries(CONDITIONS.map((n) => [n, summarize(out.map((c) => c.results[n]))])) as Record<Condition, AgreementSummary>;
  return { cases: out, summary, seconds: o.seconds };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
/**
 * A table's header and one row per summary: key, tempo, both, then two finer signals on few prompts:
 * the tonic alone, and how steady the beat is (median onset periodicity at the detected beat, 0-1;
 * "no steady beat" in the studio under 0.15).
 */
const summaryTable = (audio: string, rows: [string, AgreementSummary][]) => [`| ${audio} | key (tonic + mode) | tempo within 8% | both | tonic | beat steadiness (median) |`, '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(([name, s]) => `| ${name} | ${pct(s.keyAccuracy)} | ${pct(s.tempoAccuracy)} | ${pct(s.bothAccuracy)} | ${pct(s.tonicAccuracy)} | ${s.medianBeat.toFixed(2)} |`)];

export function promptEvalTable(r: PromptEvalResult): string {
  return [`${r.cases.length} prompts, ${r.seconds} s each (key chance ≈ 4%)`, '', ...summaryTable('audio', CONDITIONS.map((n) => [n, r.summary[n]]))].join('\n');
}

/** CFG 3 on the prompts the corpus's captions never use (phrasings, key/tempo pairs) against those it does. */
export function heldOutTable(r: PromptEvalResult): string {
  type Case = PromptEvalResult['cases'][number];
  const rows: [string, (c: Case) => boolean][] = [
    ['phrasings used in training', (c) => !c.heldOutPhrasing],
    ['phrasings held out of training', (c) => c.heldOutPhrasing],
    ['key/tempo pairs the corpus has', (c) => !c.heldOutPair],
    ['key/tempo pairs the corpus never has', (c) => c.heldOutPair],
  ];
  return ['The same takes at CFG 3, by what the prompt asks', '', ...summaryTable('prompts (count)', rows.map(([name, f]) => {
    const cases = r.cases.filter(f);
    return [`${name} (${cases.length})`, summarize(cases.map((c) => c.results['prompt, cfg 3']))];
  }))].join('\n');
}


export interface SeedSweep {
  prompt: string;
  cfg: number;
  seconds: number;
  /** What the example names (a key, a tempo or both): each take is checked for those. */
  asked: { key?: string; bpm?: number; tempo?: string };
  takes: Array<{ seed: number; detected: string; key?: boolean; tempo?: boolean }>;
}

/** Generate an example prompt that names a key or a tempo with each seed at the app's defaults; detect each take's key and tempo. */
export async function seedSweep(lm: Lm, tools: StudioTools, example: ExamplePrompt, o: { seeds: number[]; cfg: number; seconds: number; window?: WindowSpec; log?: (m: string) => void }): Promise<SeedSweep> {
  const prompt = example.text;
  const asked = promptFacts(prompt);
  const bpm = promptBpm(asked);
  const rate = tools.manifest.codec.sampleRate;
  const frames = Math.round(o.seconds * tools.manifest.codec.frameRate);
  const cond = await textTensors(tools, prompt);
  const takes: SeedSweep['takes'] = [];
  try {
    for (const seed of o.seeds) {
      const codes = await generateLong(lm, { ...cond, frames, cfg: o.cfg, seed, window: o.window, beat: clockOf(lm, prompt, tools) });
      const a = analyzeClip(await tools.codec.decode({ codes, k: lm.config.codebooks, t: frames }), rate);
      takes.push({
        seed, detected: `${tonicName(a.key)} ${a.key.mode}, ${a.tempo.bpm.toFixed(0)} bpm`,
        ...(example.key ? { key: keyAgrees(example.key, a) } : {}),
        ...(bpm ? { tempo: tempoFits(asked, a.tempo.bpm, TEMPO_TOLERANCE) } : {}),
      });
      o.log?.(`"${prompt}" seed ${seed}: ${takes.at(-1)!.detected}`);
    }
  } finally {
    tf.dispose([cond.textStates, cond.textMask]);
  }
  return { prompt, cfg: o.cfg, seconds: o.seconds, asked: { ...(example.key ? { key: `${example.key.tonic} ${example.key.mode}` } : {}), ...(asked.bpm ? { bpm: asked.bpm } : asked.tempoWord ? { tempo: askedTempoLabel(asked) } : {}) }, takes };
}

export function seedSweepTable(s: SeedSweep): string {
  const count = (f: 'key' | 'tempo') => s.takes.filter((t) => t[f]).length;
  const said = [s.asked.key ? `key right for ${count('key')}` : '', s.asked.bpm ? `tempo within 8% for ${count('tempo')}` : s.asked.tempo ? `tempo ${s.asked.tempo} for ${count('tempo')}` : ''].filter(Boolean).join(', ');
  const mark = (v: boolean | undefined) => (v === undefined ? '—' : v ? 'yes' : 'no');
  return [`"${s.prompt}" (a Generate example), ${s.seconds} s, cfg ${s.cfg}: ${said} of ${s.takes.length} seeds`, '',
    '| seed | detected | key matches | tempo matches |', '| --- | --- | --- | --- |', ...s.takes.map((t) => `| ${t.seed} | ${t.detected} | ${mark(t.key)} | ${mark(t.tempo)} |`)].join('\n');
}

export interface ContinuationEval {
  shownSeconds: number;
  seconds: number;
  cfg: number;
  /** Key and tempo of the piece's own last (seconds - shownSeconds) through the codec, and of the LM's continuation of its first shownSeconds. */
  summary: { codec: AgreementSummary; continued: AgreementSummary };
}

/**
 * Can the LM hold a key and a tempo it has heard? Each case's piece, through the codec, is shown for
 * its first `shownSeconds`; the LM continues it to `seconds` with the prompt at `cfg`. Key and tempo
 * are detected on the continued part only and on the same part of the piece (the ceiling).
 */
export async function evaluateContinuation(lm: Lm, tools: StudioTools, cases: PromptCase[], o: { shownSeconds: number; seconds: number; seed: number; cfg: number; window?: WindowSpec; log?: (m: string) => void }): Promise<ContinuationEval> {
  const { sampleRate: rate, frameRate } = tools.manifest.codec;
  const K = lm.config.codebooks;
  const frames = Math.round(o.seconds * frameRate);
  const shown = Math.round(o.shownSeconds * frameRate);
  const tail = (pcm: Float32Array) => pcm.subarray(shown * tools.manifest.codec.hopLength);
  const codec: Agreement[] = [];
  const continued: Agreement[] = [];
  for (const [i, c] of cases.entries()) {
    const prompted = { tonic: c.facts.tonic, mode: c.facts.mode, bpm: c.facts.bpm };
    const piece = await tools.codec.encode(renderPiece(generatePiece({ seed: c.facts.seed, seconds: o.seconds }), rate)); // [K, T]
    codec.push(agreement(prompted, analyzeClip(tail(await tools.codec.decode(piece)), rate)));
    const prompt = new Int32Array(K * shown); // [K, shown]
    for (let q = 0; q < K; q++) prompt.set(piece.codes.subarray(q * piece.t, q * piece.t + shown), q * shown);
    const cond = await textTensors(tools, c.prompt);
    try {
      const codes = await generateLong(lm, { ...cond, frames, cfg: o.cfg, seed: o.seed + i, window: o.window, prompt: { codes: prompt, frames: shown }, beat: clockOf(lm, c.prompt, tools) });
      const a = analyzeClip(tail(await tools.codec.decode({ codes, k: K, t: frames })), rate);
      continued.push(agreement(prompted, a));
      o.log?.(`continuation ${i + 1}/${cases.length} "${c.prompt}": ${tonicName(a.key)} ${a.key.mode}, ${a.tempo.bpm.toFixed(0)} bpm`);
    } finally {
      tf.dispose([cond.textStates, cond.textMask]);
    }
  }
  return { shownSeconds: o.shownSeconds, seconds: o.seconds, cfg: o.cfg, summary: { codec: summarize(codec), continued: summarize(continued) } };
}

export function continuationTable(r: ContinuationEval): string {
  const rest = r.seconds - r.shownSeconds;
  return [`Shown the first ${r.shownSeconds} s of each piece (through the codec), the LM continues it to ${r.seconds} s (cfg ${r.cfg}); measured on the last ${rest} s`, '',
    ...summaryTable(`audio (last ${rest} s)`, [['the piece through the codec', r.summary.codec], ['the LM continuing the piece', r.summary.continued]])].join('\n');
}
