import { mod12, nearestMidi, type Chord } from './theory';

/**
 * Light voice leading: each chord is played as a close-position triad (some inversion) inside
 * [low, high], choosing the inversion that moves the voices least from the previous chord.
 * That is what a keyboard player does without thinking, and it keeps the register steady, so
 * the chroma of a piece is about its harmony rather than jumps in range.
 */
export interface VoicingRange {
  low: number;
  high: number;
}

export const CHORD_RANGE: VoicingRange = { low: 52, high: 74 };

/** Close-position voicings of `chord` (every inversion, every octave) inside the range. */
export function closeVoicings(chord: Chord, range: VoicingRange): number[][] {
  const out: number[][] = [];
  for (let inv = 0; inv < 3; inv++) {
    const order = [0, 1, 2].map((i) => chord.tones[(i + inv) % 3]);
    for (let bass = range.low; bass < range.low + 12; bass++) {
      if (mod12(bass) !== order[0]) continue;
      for (let start = bass; start <= range.high; start += 12) {
        const notes = [start];
        for (let i = 1; i < 3; i++) {
          const prev = notes[i - 1];
          notes.push(prev + mod12(order[i] - prev)); // triad tones are distinct, so always above
        }
        if (notes[2] <= range.high) out.push(notes);
      }
    }
  }
  return out;
}

function distance(a: number[], b: number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d;
}

/**
 * Voicings for a chord sequence: the first in root position nearest `centre`, each next one
 * the inversion with the least total voice movement (first found wins ties, so it is stable).
 */
export function voiceLead(chords: Chord[], range: VoicingRange = CHORD_RANGE, centre = 60): number[][] {
  const out: number[][] = [];
  for (const chord of chords) {
    const options = closeVoicings(chord, range);
    let best = options[0];
    if (out.length === 0) {
      const root = nearestMidi(chord.root, centre);
      best = options.find((v) => v[0] === root) ?? options.find((v) => mod12(v[0]) === chord.root) ?? best;
    } else {
      const prev = out[out.length - 1];
      for (const v of options) if (distance(v, prev) < distance(best, prev)) best = v;
    }
    out.push(best);
  }
  return out;
}
