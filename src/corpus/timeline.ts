import type { Chord } from './theory';

/** Parts are written on a beat grid (4/4, beat 0 = downbeat of bar 1) and timed later. */
export const BEATS_PER_BAR = 4;

export interface BeatNote {
  beat: number;
  beats: number;
  midi: number;
  velocity: number;
}

export interface BeatDrum {
  beat: number;
  kind: 'kick' | 'snare' | 'hat';
  velocity: number;
}

/** One chord of the harmony: where it starts, how long it lasts, and how it is voiced. */
export interface ChordSpan {
  start: number;
  beats: number;
  chord: Chord;
  voicing: number[];
}

/**
 * Metric accent of an onset: downbeats loudest, then beat 3, then the other beats, then
 * off-beats. Real players accent this way, and it is what makes the beat (not the eighth
 * note or the bar) the strongest period in the audio.
 */
export function accent(beat: number): number {
  const inBar = beat % BEATS_PER_BAR;
  if (inBar === 0) return 1;
  if (inBar === 2) return 0.85;
  if (Number.isInteger(inBar)) return 0.75;
  return 0.5;
}

/** The chord sounding at `beat` (the last span when past the end). */
export function chordAt(spans: ChordSpan[], beat: number): ChordSpan {
  for (const s of spans) if (beat < s.start + s.beats) return s;
  return spans[spans.length - 1];
}
