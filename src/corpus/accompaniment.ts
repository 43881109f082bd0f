import { accent, type BeatNote, type ChordSpan } from './timeline';
import { pick, type Rand } from './random';
import { mod12, nearestMidi } from './theory';
import type { Density } from './types';

/** Onsets (beats from the chord's start) of a comping pattern covering `beats`. */
function grid(beats: number, step: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < beats - 1e-9; b += step) out.push(b);
  return out;
}

/** Busy comping: a push on the "and" of 2, as in a lot of pop piano. */
function pushPattern(beats: number): number[] {
  return grid(beats, 4).flatMap((bar) => [0, 1, 1.5, 2, 3].map((b) => bar + b)).filter((b) => b < beats);
}

/**
 * How often the accompaniment moves, in beats. The pulse follows the tempo as well as the
 * density, as a player's would, so that the tempo a listener hears is the written one: half
 * notes only between 90 and 120 bpm (elsewhere their rate, halved or doubled, is itself a tempo
 * in 60–180), and below 90 bpm even a busy part keeps to the beat, as continuous eighths there
 * are indistinguishable from quarters at double the tempo.
 */
export function accompanimentStep(density: Density, bpm: number): number {
  if (density === 'sparse') return bpm >= 90 && bpm < 120 ? 2 : 1;
  if (density === 'medium' || bpm < 90) return 1;
  return 0.5;
}

/** Arpeggio note length in beats: eighths, sixteenths in the busy middle tempi, quarters if sparse. */
function arpeggioStep(density: Density, bpm: number): number {
  if (density === 'sparse') return 1;
  return density === 'busy' && bpm >= 90 && bpm < 120 ? 0.25 : 0.5;
}

/**
 * The harmony part. A pad holds each chord; a piano strikes block chords (once, on every beat,
 * or in a syncopated pattern, by density); a plucked instrument arpeggiates the voicing.
 */
export function writeChords(spans: ChordSpan[], timbre: 'piano' | 'pad' | 'pluck', density: Density, bpm: number): BeatNote[] {
  const out: BeatNote[] = [];
  for (const s of spans) {
    if (timbre === 'pad') {
      for (const midi of s.voicing) out.push({ beat: s.start, beats: s.beats, midi, velocity: 0.7 });
      continue;
    }
    if (timbre === 'piano') {
      const onsets = density === 'busy' ? pushPattern(s.beats) : grid(s.beats, accompanimentStep(density, bpm));
      onsets.forEach((b, i) => {
        const next = i + 1 < onsets.length ? onsets[i + 1] : s.beats;
        for (const midi of s.voicing) out.push({ beat: s.start + b, beats: (next - b) * 0.9, midi, velocity: 0.8 * accent(s.start + b) });
      });
      continue;
    }
    // Arpeggio up and back down the voicing, with the root an octave up on top.
    const tones = [...s.voicing, s.voicing[0] + 12, s.voicing[2], s.voicing[1]];
    const step = arpeggioStep(density, bpm);
    grid(s.beats, step).forEach((b, i) => {
      out.push({ beat: s.start + b, beats: step * 1.5, midi: tones[i % tones.length], velocity: 0.85 * accent(s.start + b) });
    });
  }
  return out;
}

/**
 * Bass lines as chord-tone steps ('R' root, '3' third, '5' fifth, '8' octave), by density: one
 * per beat (medium) or per eighth (busy); sparse repeats the root at accompanimentStep. Some lines walk
 * through the third, as bassists often do, which also tells minor from major under the chords.
 */
const BASS_LINES: Record<'medium' | 'busy', readonly string[]> = {
  medium: ['RR5R', 'R35R', 'R585', 'RR35'],
  busy: ['RR8R5R85', 'RR335588', 'R5853535', 'RRR5RR83'],
};

/** Bass line on the chord roots, around E2. */
export function writeBass(rand: Rand, spans: ChordSpan[], density: Density, bpm: number): BeatNote[] {
  const out: BeatNote[] = [];
  const line = density === 'sparse' ? 'RR' : pick(rand, BASS_LINES[density]);
  const step = accompanimentStep(density, bpm);
  for (const s of spans) {
    const root = nearestMidi(s.chord.root, 40);
    const tone: Record<string, number> = {
      R: root,
      '3': root + mod12(s.chord.tones[1] - root),
      '5': root + mod12(s.chord.tones[2] - root),
      '8': root + 12,
    };
    grid(s.beats, step).forEach((b, i) => {
      out.push({ beat: s.start + b, beats: step * 0.9, midi: tone[line[i % line.length]], velocity: accent(s.start + b) });
    });
  }
  return out;
}
