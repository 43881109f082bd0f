import type { Mode } from './theory';

/** The sounds the synthesizer makes. */
export type Timbre = 'piano' | 'pluck' | 'pad' | 'bass' | 'drums';
export type PitchedTimbre = Exclude<Timbre, 'drums'>;
export type Density = 'sparse' | 'medium' | 'busy';
export type DrumKind = 'kick' | 'snare' | 'hat';

/** One pitched note; times in seconds from the start of the piece. */
export interface NoteEvent {
  time: number;
  duration: number;
  midi: number;
  /** 0..1 */
  velocity: number;
  timbre: PitchedTimbre;
}

export interface DrumEvent {
  time: number;
  kind: DrumKind;
  velocity: number;
}

/** Which part plays on which sound; absent parts are not played. */
export interface Parts {
  melody?: 'piano' | 'pluck';
  chords?: 'piano' | 'pad' | 'pluck';
  bass: boolean;
  drums: boolean;
}

/** What a piece is, in the words a caption or an evaluation needs. */
export interface PieceFacts {
  seed: number;
  /** Conventional spelling of the tonic ("Bb", "F#"); the pitch class is `key.tonic`. */
  tonic: string;
  mode: Mode;
  bpm: number;
  /** Every sound used, lead first. */
  instruments: Timbre[];
  /** The melody's sound, or the chords' when there is no melody. */
  lead: PitchedTimbre;
  density: Density;
  /** The chord progression in Roman numerals ("I V vi IV"), cycled through the piece. */
  progression: string;
  parts: Parts;
  /** Length of the rendered audio. */
  seconds: number;
}

export interface Piece {
  facts: PieceFacts;
  notes: NoteEvent[];
  drums: DrumEvent[];
}
