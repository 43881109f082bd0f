import { mulberry32 } from '../util/rng';
import { writeBass, writeChords } from './accompaniment';
import { writeDrums } from './drumPattern';
import { writeMelody } from './melody';
import { jitter, pick, randInt, subSeed, type Rand } from './random';
import { isHeldOutCombination } from './split';
import { BEATS_PER_BAR, type BeatNote, type ChordSpan } from './timeline';
import { ALL_KEYS, PROGRESSIONS, progressionChords, romanNumerals, tonicName, type Key } from './theory';
import { voiceLead } from './voicing';
import { MAX_BPM, MIN_BPM } from './words';
import type { Density, DrumEvent, NoteEvent, Parts, Piece, PieceFacts, PitchedTimbre, Timbre } from './types';

export { MAX_BPM, MIN_BPM };
const DENSITIES: readonly Density[] = ['sparse', 'medium', 'busy'];

export interface PieceOptions {
  seed: number;
  /** Audio length in seconds (default 10). */
  seconds?: number;
  /** Fix any fact instead of drawing it. */
  key?: Key;
  bpm?: number;
  density?: Density;
  parts?: Parts;
  /** Redraw the tempo when the key/tempo pair is one that split.ts holds out (training corpora). */
  avoidHeldOut?: boolean;
}

function drawParts(rand: Rand): Parts {
  const melody = rand() < 0.75 ? pick(rand, ['piano', 'pluck'] as const) : undefined;
  const chords = !melody || rand() < 0.75 ? pick(rand, ['piano', 'pad', 'pluck'] as const) : undefined;
  const bass = rand() < 0.6;
  const drums = rand() < 0.5;
  // A pad alone swells once per chord: it has no audible beat, so its tempo would be a fiction.
  const pulseless = !melody && chords === 'pad' && !drums;
  return { melody, chords, bass: bass || pulseless, drums };
}

function drawBpm(rand: Rand, key: Key, avoidHeldOut: boolean): number {
  for (;;) {
    const bpm = randInt(rand, MIN_BPM, MAX_BPM);
    if (!avoidHeldOut || !isHeldOutCombination(key, bpm)) return bpm;
  }
}

export function instrumentsOf(parts: Parts): Timbre[] {
  const all: Timbre[] = [];
  if (parts.melody) all.push(parts.melody);
  if (parts.chords) all.push(parts.chords);
  if (parts.bass) all.push('bass');
  if (parts.drums) all.push('drums');
  return [...new Set(all)];
}

/** Harmony spans: one chord per bar, or per half bar at slow tempi so a clip holds a few chords. */
function harmony(rand: Rand, key: Key, bars: number, bpm: number): { spans: ChordSpan[]; degrees: readonly number[] } {
  const degrees = pick(rand, PROGRESSIONS[key.mode]);
  const beats = bpm < 90 ? 2 : 4;
  const count = Math.ceil((bars * BEATS_PER_BAR) / beats);
  const chords = progressionChords(key, Array.from({ length: count }, (_, i) => degrees[i % degrees.length]));
  const voicings = voiceLead(chords);
  return { spans: chords.map((chord, i) => ({ start: i * beats, beats, chord, voicing: voicings[i] })), degrees };
}

/**
 * A short piece in 4/4, deterministic from `seed`: facts drawn (or fixed by the options), then
 * harmony, melody, accompaniment and drums written on a beat grid, then timed in seconds with a
 * little human timing and dynamics jitter.
 */
export function generatePiece(o: PieceOptions): Piece {
  const rand = mulberry32(subSeed(o.seed, 0));
  const seconds = o.seconds ?? 10;
  const key = o.key ?? pick(rand, ALL_KEYS);
  const bpm = o.bpm ?? drawBpm(rand, key, o.avoidHeldOut ?? false);
  const density = o.density ?? pick(rand, DENSITIES);
  const parts = o.parts ?? drawParts(rand);
  if (!parts.melody && !parts.chords) throw new RangeError('a piece needs a melody or chords');

  const beatSec = 60 / bpm;
  const bars = Math.ceil(seconds / (beatSec * BEATS_PER_BAR)) + 1; // one spare bar: nothing stops early
  const { spans, degrees } = harmony(rand, key, bars, bpm);
  const notes: NoteEvent[] = [];
  const timed = (list: BeatNote[], timbre: PitchedTimbre) => {
    for (const n of list) {
      const time = Math.max(0, n.beat * beatSec + jitter(rand, 0.004));
      if (time >= seconds) continue;
      const velocity = Math.max(0.05, Math.min(1, n.velocity + jitter(rand, 0.04)));
      notes.push({ time, duration: n.beats * beatSec, midi: n.midi, velocity, timbre });
    }
  };
  if (parts.melody) timed(writeMelody(rand, key, spans, bars, density, bpm), parts.melody);
  if (parts.chords) timed(writeChords(spans, parts.chords, density, bpm), parts.chords);
  if (parts.bass) timed(writeBass(rand, spans, density, bpm), 'bass');
  const drums: DrumEvent[] = [];
  if (parts.drums) {
    for (const d of writeDrums(bars, density, bpm)) {
      const time = Math.max(0, d.beat * beatSec + jitter(rand, 0.003));
      if (time < seconds) drums.push({ time, kind: d.kind, velocity: Math.max(0.05, Math.min(1, d.velocity + jitter(rand, 0.05))) });
    }
  }
  const instruments = instrumentsOf(parts);
  const facts: PieceFacts = {
    seed: o.seed,
    tonic: tonicName(key),
    mode: key.mode,
    bpm,
    instruments,
    lead: (parts.melody ?? parts.chords) as PitchedTimbre,
    density,
    progression: romanNumerals(key.mode, degrees),
    parts,
    seconds,
  };
  return { facts, notes, drums };
}
