import { mulberry32 } from '../util/rng';
import { pick, subSeed, type Rand } from './random';
import type { PieceFacts } from './types';
import {
  article,
  DENSITY_WORDS,
  instrumentWord,
  keyWords,
  leadPartWords,
  listWords,
  MOOD_WORDS,
  spelledKeyWords,
  tempoWords,
  withOthers,
} from './words';

/**
 * Caption templates, phrased the way people write prompts. Every template names the key and the
 * lead instrument, and the tempo as a number or a tempo word. Held-out templates are never used
 * for training captions, so an evaluation can prompt with phrasings the model has not seen.
 */
export interface CaptionTemplate {
  id: string;
  heldOut: boolean;
  render(f: PieceFacts, rand: Rand): string;
}

interface Words {
  key: string;
  lead: string;
  part: string;
  tempo: string;
  mood: string;
  density: string;
  bpm: number;
  others: string;
  all: string;
}

function words(f: PieceFacts, rand: Rand): Words {
  return {
    key: keyWords(f),
    lead: instrumentWord(rand, f.lead),
    part: pick(rand, leadPartWords(f)),
    tempo: pick(rand, tempoWords(f.bpm)),
    mood: pick(rand, MOOD_WORDS[f.mode]),
    density: pick(rand, DENSITY_WORDS[f.density]),
    bpm: f.bpm,
    others: withOthers(rand, f, f.lead),
    all: listWords(f.instruments.map((t) => instrumentWord(rand, t))),
  };
}

function template(id: string, heldOut: boolean, fn: (w: Words, f: PieceFacts) => string): CaptionTemplate {
  return { id, heldOut, render: (f, rand) => fn(words(f, rand), f) };
}

export const CAPTION_TEMPLATES: readonly CaptionTemplate[] = [
  template('tempo-lead-part', false, (w) => `${w.tempo} ${w.lead} ${w.part} in ${w.key}`),
  template('tempo-bpm-lead-with', false, (w) => `${w.tempo} ${w.bpm} bpm ${w.lead} in ${w.key}${w.others}`),
  template('mood-key-part-on', false, (w) => `${w.mood} ${w.key} ${w.part} on ${w.lead}, ${w.bpm} bpm`),
  template('list-key-bpm', false, (w) => `${w.all} in ${w.key} at ${w.bpm} bpm`),
  template('density-mood-piece', false, (w) => `${w.density} ${w.mood} ${w.lead} piece in ${w.key}, ${w.tempo}, ${w.bpm} bpm`),
  template('tags', false, (w) => `${w.key}, ${w.bpm} bpm, ${w.all}`),
  template('a-mood-tune', false, (w) => `${article(w.mood)} ${w.mood} ${w.tempo} tune in ${w.key} played on ${w.lead}${w.others}`),
  // Held out: other sentence shapes, spelled-out accidentals, "beats per minute", "tempo N".
  template('key-of-around', true, (w, f) => `${w.lead} ${w.part} in the key of ${spelledKeyWords(f)}, around ${w.bpm} beats per minute`),
  template('jam-at', true, (w) => `${w.all} jam in ${w.key} at ${article(w.tempo)} ${w.tempo} ${w.bpm} bpm`),
  template('i-want', true, (w) => `I want ${article(w.mood)} ${w.mood} ${w.lead} track in ${w.key}, tempo ${w.bpm}${w.others}`),
];

export interface CaptionOptions {
  /** How many captions (distinct templates); default 3. */
  count?: number;
  /** Draw from the held-out templates instead of the training ones. */
  heldOut?: boolean;
}

/** Captions for a piece, each from a different template, deterministic from the piece's seed. */
export function captionsFor(f: PieceFacts, o: CaptionOptions = {}): string[] {
  const rand = mulberry32(subSeed(f.seed, 2));
  const pool = CAPTION_TEMPLATES.filter((t) => t.heldOut === (o.heldOut ?? false));
  const count = Math.min(o.count ?? 3, pool.length);
  const order = pool.map((t) => ({ t, r: rand() })).sort((a, b) => a.r - b.r);
  return order.slice(0, count).map(({ t }) => t.render(f, rand));
}

/** One caption from a named template (for evaluation prompts). */
export function captionFrom(id: string, f: PieceFacts, seed = f.seed): string {
  const t = CAPTION_TEMPLATES.find((c) => c.id === id);
  if (!t) throw new RangeError(`no caption template ${JSON.stringify(id)}`);
  return t.render(f, mulberry32(subSeed(seed, 3)));
}
