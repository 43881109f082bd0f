import { pick, type Rand } from './random';
import { pitchClassOf, tonicName, type Key, type Mode } from './theory';
import type { Density, PieceFacts, PitchedTimbre, Timbre } from './types';

/** The words captions use for facts, several per fact so the model learns them as synonyms. */

export const INSTRUMENT_WORDS: Record<Timbre, readonly string[]> = {
  piano: ['piano', 'acoustic piano', 'grand piano'],
  pluck: ['plucked guitar', 'acoustic guitar', 'plucked strings'],
  pad: ['synth pad', 'warm pad', 'pads'],
  bass: ['bass', 'bassline', 'bass guitar'],
  drums: ['drums', 'a drum beat', 'drum kit'],
};

export const MOOD_WORDS: Record<Mode, readonly string[]> = {
  major: ['happy', 'bright', 'cheerful', 'uplifting', 'warm'],
  minor: ['sad', 'dark', 'melancholic', 'moody', 'somber'],
};

export const DENSITY_WORDS: Record<Density, readonly string[]> = {
  sparse: ['sparse', 'minimal', 'simple'],
  medium: ['steady', 'flowing', 'easy'],
  busy: ['busy', 'dense', 'intricate'],
};

/** The corpus's tempo range in bpm. */
export const MIN_BPM = 60;
export const MAX_BPM = 180;

/** Tempo words by band (lower bound in bpm), as people use them. */
const TEMPO_BANDS: readonly { from: number; words: readonly string[] }[] = [
  { from: 0, words: ['slow', 'very slow'] },
  { from: 80, words: ['relaxed', 'laid-back', 'gentle'] },
  { from: 105, words: ['mid-tempo', 'moderate', 'medium tempo'] },
  { from: 130, words: ['upbeat', 'lively'] },
  { from: 155, words: ['fast', 'energetic', 'uptempo'] },
];

export function tempoWords(bpm: number): readonly string[] {
  let words = TEMPO_BANDS[0].words;
  for (const b of TEMPO_BANDS) if (bpm >= b.from) words = b.words;
  return words;
}

/** Every tempo word, longest first (so "very slow" is found before "slow"). */
export const ALL_TEMPO_WORDS: readonly string[] = TEMPO_BANDS.flatMap((b) => b.words).sort((a, b) => b.length - a.length);

/** The bpm range the corpus means by a tempo word ("slow": 60-80, "upbeat": 130-155), or undefined for other words. */
export function tempoWordRange(word: string): { from: number; to: number } | undefined {
  const i = TEMPO_BANDS.findIndex((b) => b.words.includes(word.toLowerCase()));
  if (i < 0) return undefined;
  return { from: Math.max(TEMPO_BANDS[i].from, MIN_BPM), to: TEMPO_BANDS[i + 1]?.from ?? MAX_BPM };
}

/** What the lead plays: a melody, or (with no melody) chords or arpeggios. */
export function leadPartWords(f: PieceFacts): readonly string[] {
  if (f.parts.melody) return ['melody', 'tune', 'lead melody'];
  return f.lead === 'pluck' ? ['arpeggios', 'arpeggiated chords'] : ['chords', 'chord progression'];
}

export function keyOf(f: PieceFacts): Key {
  return { tonic: pitchClassOf(f.tonic), mode: f.mode };
}

/** "D minor" (the usual spelling). */
export function keyWords(f: PieceFacts): string {
  return `${tonicName(keyOf(f))} ${f.mode}`;
}

/** Accidentals spelled out, as some people type them: "E flat major", "F sharp minor". */
export function spelledKeyWords(f: PieceFacts): string {
  const name = tonicName(keyOf(f));
  const tonic = name.length === 1 ? name : `${name[0]} ${name[1] === '#' ? 'sharp' : 'flat'}`;
  return `${tonic} ${f.mode}`;
}

/** "piano", "piano and drums", "piano, bass and drums". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function instrumentWord(rand: Rand, t: Timbre): string {
  return pick(rand, INSTRUMENT_WORDS[t]);
}

/** The instruments other than the lead, as " with bass and drums" (or ""). */
export function withOthers(rand: Rand, f: PieceFacts, lead: PitchedTimbre): string {
  const others = f.instruments.filter((t) => t !== lead).map((t) => instrumentWord(rand, t));
  return others.length ? ` with ${listWords(others)}` : '';
}

/** "a" or "an" before `word`. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
