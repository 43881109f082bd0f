import { accent, BEATS_PER_BAR, chordAt, type BeatNote, type ChordSpan } from './timeline';
import { pick, type Rand } from './random';
import { diatonicTriad, mod12, nearestMidi, scaleOf, type Chord, type Key } from './theory';
import type { Density } from './types';

/** One bar's rhythm (note lengths in beats, summing to 4), by density. */
const RHYTHMS: Record<Density, readonly (readonly number[])[]> = {
  sparse: [[2, 2], [1, 1, 2], [2, 1, 1], [1, 1, 1, 1], [3, 1]],
  medium: [[1, 1, 1, 1], [1, 0.5, 0.5, 1, 1], [0.5, 0.5, 1, 1, 1], [1.5, 0.5, 1, 1], [1, 1, 2]],
  busy: [
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    [0.5, 0.5, 1, 0.5, 0.5, 1],
    [1, 0.5, 0.5, 0.5, 0.5, 1],
    [0.25, 0.25, 0.5, 1, 0.5, 0.5, 1],
  ],
};

/**
 * The rhythms that keep the written tempo the one a listener hears. Outside 90–120 bpm, bars of
 * half notes would put the pulse at a tempo that is itself in 60–180 (half or double the written
 * one), so they are left out there; below 80 bpm, so are sixteenth runs (they pull to double time).
 */
export function melodyRhythms(density: Density, bpm: number): readonly (readonly number[])[] {
  let all = RHYTHMS[density];
  if (bpm < 90 || bpm >= 120) all = all.filter((r) => r.filter((len) => len >= 2).length < 2 && r[0] < 2);
  if (bpm < 80) all = all.filter((r) => !r.includes(0.25));
  return all;
}

/** Scale notes (MIDI) in the melody's range, about a sixth below to an octave above the tonic. */
function melodyNotes(key: Key, raiseSeventh: boolean): number[] {
  const tonic = nearestMidi(key.tonic, 69);
  const scale = [...scaleOf(key.mode)];
  if (raiseSeventh) scale[6] = 11;
  const out: number[] = [];
  for (let m = tonic - 9; m <= tonic + 12; m++) if (scale.includes(mod12(m - key.tonic))) out.push(m);
  return out;
}

function nearestIndex(notes: number[], midi: number): number {
  let best = 0;
  for (let i = 1; i < notes.length; i++) if (Math.abs(notes[i] - midi) < Math.abs(notes[best] - midi)) best = i;
  return best;
}

/** Draws an index with probability proportional to its weight. */
function weighted(rand: Rand, weights: number[]): number {
  let r = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) < 0) return i;
  return weights.length - 1;
}

/**
 * A chord tone for a strong beat: near where the line is heading (`aim`), root and third
 * favoured over the fifth, the tonic triad's tones over others and the tonic most: the pull
 * towards the tonic (and its third, which tells minor from major) that makes a tune sound in
 * its key rather than its relative key, which shares all its notes.
 */
function chordTone(rand: Rand, notes: number[], chord: Chord, tonicTriad: readonly number[], aim: number): number {
  const tones = notes.filter((m) => chord.tones.includes(mod12(m)));
  const near = tones.filter((m) => Math.abs(m - aim) <= 4);
  const pool = near.length ? near : [tones[nearestIndex(tones, aim)]];
  const weight = (m: number) => {
    const pc = mod12(m);
    const inChord = pc === chord.tones[2] ? 1 : 2;
    return inChord * (pc === tonicTriad[0] ? 3 : tonicTriad.includes(pc) ? 2 : 1);
  };
  return pool[weighted(rand, pool.map(weight))];
}

/**
 * A melody over the harmony. The line has a direction: it moves by step (the odd leap, the odd
 * repeat) and turns at the edges of its range or now and then at a strong beat, where it lands
 * on a chord tone. It starts on the tonic and returns to it on most tonic chords, never repeats
 * a pitch more than twice running, and in minor raises the seventh over the dominant (harmonic
 * minor), as a player would.
 */
export function writeMelody(rand: Rand, key: Key, spans: ChordSpan[], bars: number, density: Density, bpm: number): BeatNote[] {
  const out: BeatNote[] = [];
  const plain = melodyNotes(key, false);
  const raised = key.mode === 'minor' ? melodyNotes(key, true) : plain;
  const tonicTriad = diatonicTriad(key, 0).tones;
  const rhythms = melodyRhythms(density, bpm);
  let prev = nearestMidi(key.tonic, 69);
  let direction = rand() < 0.5 ? 1 : -1;
  let repeats = 0;
  for (let bar = 0; bar < bars; bar++) {
    let beat = bar * BEATS_PER_BAR;
    for (const len of pick(rand, rhythms)) {
      const span = chordAt(spans, beat);
      const notes = mod12(span.chord.root - key.tonic) === 7 ? raised : plain;
      const i = nearestIndex(notes, prev);
      if (i <= 1) direction = 1;
      else if (i >= notes.length - 2) direction = -1;
      let midi: number;
      if (beat === 0 || (beat === span.start && span.chord.root === key.tonic && rand() < 0.75)) {
        const tonics = notes.filter((m) => mod12(m) === key.tonic);
        midi = tonics[nearestIndex(tonics, prev + direction * 2)];
      } else if (Number.isInteger(beat) && beat % 2 === 0) {
        if (rand() < 0.3) direction = -direction;
        midi = chordTone(rand, notes, span.chord, tonicTriad, prev + direction * 2);
      } else {
        const r = rand();
        const step = r < 0.1 ? 0 : r < 0.85 ? 1 : 2;
        midi = notes[Math.max(0, Math.min(notes.length - 1, i + direction * step))];
      }
      if (midi === prev && ++repeats >= 2) {
        midi = notes[Math.max(0, Math.min(notes.length - 1, i + direction))];
      }
      if (midi !== prev) repeats = 0;
      out.push({ beat, beats: len * 0.92, midi, velocity: accent(beat) });
      prev = midi;
      beat += len;
    }
  }
  return out;
}
