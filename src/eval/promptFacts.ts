import { keyName, pitchClassOf, type Key } from '../corpus/theory';
import { ALL_TEMPO_WORDS, tempoWordRange } from '../corpus/words';

/** What a prompt asks for that the detectors can check: a key and a tempo, when it names them. */
export interface PromptFacts {
  key?: Key;
  bpm?: number;
  /** A tempo word ("slow", "upbeat") and the bpm range the bundled model's captions use it for; only when no number is named. */
  tempoWord?: { word: string; from: number; to: number };
}

// "D minor", "F# major", "Bb minor", "e flat major", "E Flat Major", "C-sharp minor", "D-minor", "Am", "F#m", "Ebmaj".
const KEY = /(^|[^\p{L}\p{N}])([A-Ga-g])(?:\s*(#|♯|b|♭|-?\s?sharp|-?\s?flat))?[\s-]*(major|minor|maj|min|m)(?![\p{L}\p{N}])(\s+\p{L})?/giu;
// "in D minor", "key of E", "key: F#m": a key said as one
const KEY_CUE = /(?:\bin|\bkey(?:\s+of)?:?)\s*$/iu;
// "120 bpm", "120bpm", "120-bpm", "96 beats per minute", "85 b.p.m."
const BPM = /(?:^|[^\p{N}.])(\d{2,3})[\s-]*(?:bpm|b\.p\.m\.?|beats\s+per\s+minute)(?![\p{L}])/iu;
// "BPM: 128", "bpm 128"
const BPM_FIRST = /(?:^|[^\p{L}])bpm\s*:?\s*(\d{2,3})(?![\p{N}.])/iu;
// "tempo 120", "tempo: 96", "tempo of 140"
const TEMPO_N = /(?:^|[^\p{L}])tempo\s*(?::|of)?\s*(\d{2,3})(?![\p{N}.])/iu;
// "slow", "very slow", "laid-back", "mid-tempo", "upbeat", "up-tempo" (whole words; "fast-paced" is fast)
const wordPattern = (w: string) => (w === 'uptempo' ? 'up[-\\s]?tempo' : w.replace(/[-\s]/g, '[-\\s]?'));
const TEMPO_WORD = new RegExp(`(?<![\\p{L}-])(${ALL_TEMPO_WORDS.map(wordPattern).join('|')})(?![\\p{L}]|-(?!paced))`, 'iu');

const squashed = (w: string) => w.toLowerCase().replace(/[-\s]+/g, '');

/**
 * The key a prompt names: of the note-and-mode phrases in it, the first said as a key ("in E
 * major", "key of F#m"), else the first that is not an article: "a minor chord", "a major hook" and
 * title-cased "With A Major Build-Up" are not keys, "dark techno, a minor, 128 bpm" is.
 */
function promptKey(text: string): Key | undefined {
  let first: Key | undefined;
  for (const k of text.matchAll(KEY)) {
    const [, , letter, accidental, mode, nextWord] = k;
    // A bare "m" is a minor key only as a lower-case m after a capital ("Am", "F#m"), not "a m", "AM" or "I Am".
    if (/^m$/i.test(mode) && (mode !== 'm' || letter !== letter.toUpperCase() || /\bi\s*$/i.test(text.slice(0, k.index)))) continue;
    const cued = KEY_CUE.test(text.slice(0, k.index + k[1].length));
    const article = letter === 'a' || (letter === 'A' && /^[A-Z][a-z]+$/.test(mode) && /\p{Lu}/u.test(nextWord ?? ''));
    const keyWord = /^\s+k$/i.test(nextWord ?? '') && /^ey\b/i.test(text.slice((k.index ?? 0) + k[0].length)); // "a minor key ballad"
    if (!cued && !keyWord && article && !accidental && nextWord) continue; // "a minor chord", "A Major Build-Up"
    // "Flat", "SHARP", "EB": accidentals in any case ("b" is a flat only after the letter)
    const acc = (accidental ?? '').replace(/[-\s]/g, '').toLowerCase();
    const key: Key = { tonic: pitchClassOf(letter + acc), mode: /^maj/i.test(mode) ? 'major' : 'minor' };
    if (cued) return key;
    first ??= key;
  }
  return first;
}

/** The key and tempo a prompt names, if any ("slow piano melody in D minor, 70 bpm"). */
export function promptFacts(text: string): PromptFacts {
  const out: PromptFacts = {};
  const key = promptKey(text);
  if (key) out.key = key;
  const b = BPM.exec(text) ?? BPM_FIRST.exec(text) ?? TEMPO_N.exec(text);
  if (b) {
    const bpm = Number(b[1]);
    if (bpm >= 20 && bpm <= 400) out.bpm = bpm;
  }
  const w = out.bpm === undefined ? TEMPO_WORD.exec(text) : null;
  // "mid tempo" is "mid-tempo", "Laid back" is "laid-back"
  const word = w ? ALL_TEMPO_WORDS.find((t) => squashed(t) === squashed(w[1])) : undefined;
  const range = word ? tempoWordRange(word) : undefined;
  if (word && range) out.tempoWord = { word, ...range };
  return out;
}

/** The tempo a take's beat clock keeps for a prompt: the bpm it names, else the middle of its tempo word's range. */
export function promptBpm(f: PromptFacts): number | undefined {
  return f.bpm ?? (f.tempoWord ? Math.round((f.tempoWord.from + f.tempoWord.to) / 2) : undefined);
}

/** Where a take's tempo comes from: the audio it continues (its steady bpm), else the prompt's number, else its tempo word. */
export type TakeTempo = { bpm: number; from: 'continued' | 'number' } | { bpm: number; from: 'word'; word: NonNullable<PromptFacts['tempoWord']> };

/** The one decision of a take's tempo (the engine's clock, the prompt box's line): the continued audio's wins over the prompt's. */
export function takeTempo(prompt: string, continuedBpm?: number): TakeTempo | undefined {
  if (continuedBpm) return { bpm: continuedBpm, from: 'continued' };
  const f = promptFacts(prompt);
  if (f.bpm) return { bpm: f.bpm, from: 'number' };
  return f.tempoWord ? { bpm: promptBpm(f)!, from: 'word', word: f.tempoWord } : undefined;
}

/** Where a take's key comes from: the audio it continues (its clear key) wins over the prompt's, as for the tempo. */
export function takeKey(prompt: string, continued?: Key): { key: Key; from: 'continued' | 'prompt' } | undefined {
  if (continued) return { key: continued, from: 'continued' };
  const { key } = promptFacts(prompt);
  return key ? { key, from: 'prompt' } : undefined;
}

/**
 * The prompt a continuation is generated from when the prompt box is empty: what the studio heard in
 * the audio it continues, its clear key and steady tempo ("D minor, 96 bpm"; '' when neither).
 * Measured in session 16 on the bundled LM (48 corpus pieces shown 4 s, continued to 10 s, CFG 5):
 * with no text (key input and clock only) 25% of continuations kept the key, with this text 75%
 * (70% of 96; with the piece's own caption 65%).
 */
export function heardPrompt(key?: Key, tempo?: { bpm: number }): string {
  return [key && keyName(key), tempo && `${Math.round(tempo.bpm)} bpm`].filter(Boolean).join(', ');
}

/** The one decision of a take's prompt (the generate call, the prompt box): the typed text, else what the continued audio was heard to be. */
export function takePrompt(typed: string, heardKey?: Key, heardTempo?: { bpm: number }): string {
  return typed.trim() || heardPrompt(heardKey, heardTempo);
}

/** The tempo a prompt asks for, as the take card and the seed sweeps name it: "110 bpm", "slow (60–80 bpm)". */
export function askedTempoLabel(f: PromptFacts): string | undefined {
  if (f.bpm) return `${f.bpm} bpm`;
  return f.tempoWord ? `${f.tempoWord.word} (${f.tempoWord.from}–${f.tempoWord.to} bpm)` : undefined;
}

/**
 * Whether a detected tempo is the one a prompt asks for: within `tolerance` of the bpm it names, or of
 * its tempo word's range. Undefined when the prompt names no tempo.
 */
export function tempoFits(asked: PromptFacts, bpm: number, tolerance: number): boolean | undefined {
  if (asked.bpm) return Math.abs(bpm / asked.bpm - 1) <= tolerance;
  if (asked.tempoWord) return bpm >= asked.tempoWord.from * (1 - tolerance) && bpm <= asked.tempoWord.to * (1 + tolerance);
  return undefined;
}
