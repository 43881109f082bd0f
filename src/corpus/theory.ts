/**
 * Just enough music theory for the procedural corpus: the 24 major/minor keys, their scales,
 * diatonic triads and idiomatic progressions. Pitch classes are 0 = C … 11 = B (the chroma
 * order of src/audio/chroma.ts); notes are MIDI numbers (60 = middle C).
 */

export type Mode = 'major' | 'minor';

export interface Key {
  /** Pitch class of the tonic, 0 = C … 11 = B. */
  tonic: number;
  mode: Mode;
}

// The spellings people use: flats for F, Bb, Eb, Ab, Db major and their relative minors' sixths,
// sharps where a sharp key is the usual name (F# major, C# minor, G# minor).
const MAJOR_NAMES = ['C', 'Db', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'] as const;
const MINOR_NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'G#', 'A', 'Bb', 'B'] as const;

/** All 24 keys: the 12 major keys from C, then the 12 minor keys from C. */
export const ALL_KEYS: readonly Key[] = (['major', 'minor'] as const).flatMap((mode) =>
  Array.from({ length: 12 }, (_, tonic) => ({ tonic, mode })),
);

/** The tonic's conventional spelling in this mode ("Bb", "F#"). */
export function tonicName(key: Key): string {
  return (key.mode === 'major' ? MAJOR_NAMES : MINOR_NAMES)[mod12(key.tonic)];
}

/** "Bb major", "C# minor". */
export function keyName(key: Key): string {
  return `${tonicName(key)} ${key.mode}`;
}

const LETTERS: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };

/** Pitch class of a note name: "C", "c#", "Bb", "E flat", "F-sharp". Throws on anything else. */
export function pitchClassOf(name: string): number {
  const m = /^\s*([A-Ga-g])\s*(#|b|♯|♭|-?sharp|-?flat)?\s*$/.exec(name);
  if (!m) throw new RangeError(`not a note name: ${JSON.stringify(name)}`);
  const acc = m[2] ?? '';
  const shift = acc === '' ? 0 : /#|♯|sharp/.test(acc) ? 1 : -1;
  return mod12(LETTERS[m[1].toUpperCase()] + shift);
}

export function mod12(n: number): number {
  return ((n % 12) + 12) % 12;
}

export const MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11] as const;
export const NATURAL_MINOR_SCALE = [0, 2, 3, 5, 7, 8, 10] as const;

/** Scale degrees as semitones above the tonic (natural minor for minor keys). */
export function scaleOf(mode: Mode): readonly number[] {
  return mode === 'major' ? MAJOR_SCALE : NATURAL_MINOR_SCALE;
}

/** A triad as pitch classes, root first. */
export interface Chord {
  root: number;
  tones: [number, number, number];
}

/**
 * Triad on scale degree `degree` (0 = tonic). In minor, the dominant (4) and leading-tone (6)
 * chords take the raised seventh (harmonic minor), as in real minor-key music; it is also what
 * tells a minor key from its relative major, which shares every other note.
 */
export function diatonicTriad(key: Key, degree: number): Chord {
  const scale = [...scaleOf(key.mode)];
  if (key.mode === 'minor' && (degree === 4 || degree === 6)) scale[6] = 11;
  const at = (d: number) => mod12(key.tonic + scale[d % 7]);
  return { root: at(degree), tones: [at(degree), at(degree + 2), at(degree + 4)] };
}

/**
 * Idiomatic progressions as scale degrees, one chord each. All start on the tonic so a few bars
 * establish the key; minor ones mostly pass through the major V (harmonic minor).
 */
export const PROGRESSIONS: Record<Mode, readonly (readonly number[])[]> = {
  major: [
    [0, 4, 5, 3], // I V vi IV
    [0, 5, 3, 4], // I vi IV V
    [0, 3, 4, 0], // I IV V I
    [0, 3, 0, 4], // I IV I V
    [0, 3, 4, 3], // I IV V IV (the vi–ii turnaround, I vi ii V, reads as the relative minor too often)
    [0, 1, 4, 0], // I ii V I
  ],
  minor: [
    [0, 3, 4, 0], // i iv V i
    [0, 5, 3, 4], // i VI iv V
    [0, 6, 5, 4], // i VII VI V (Andalusian; VII borrowed from natural minor, see below)
    [0, 3, 0, 4], // i iv i V
    [0, 5, 2, 4], // i VI III V
    [0, 2, 3, 4], // i III iv V
  ],
};

const NUMERALS: Record<Mode, readonly string[]> = {
  major: ['I', 'ii', 'iii', 'IV', 'V', 'vi', 'vii°'],
  minor: ['i', 'ii°', 'III', 'iv', 'V', 'VI', 'VII'],
};

/** "I V vi IV": a progression in Roman numerals (minor's degree 6 is the subtonic VII, as below). */
export function romanNumerals(mode: Mode, degrees: readonly number[]): string {
  return degrees.map((d) => NUMERALS[mode][d]).join(' ');
}

/**
 * The chords of a progression. Degree 6 in the Andalusian cadence is the natural (subtonic)
 * VII, not the diminished leading-tone chord, so minor degree 6 is built from natural minor.
 */
export function progressionChords(key: Key, degrees: readonly number[]): Chord[] {
  return degrees.map((d) => {
    if (key.mode === 'minor' && d === 6) {
      const s = NATURAL_MINOR_SCALE;
      const at = (i: number) => mod12(key.tonic + s[i % 7]);
      return { root: at(6), tones: [at(6), at(8), at(10)] };
    }
    return diatonicTriad(key, d);
  });
}

/** MIDI note of pitch class `pc` nearest to `around` (ties go down). */
export function nearestMidi(pc: number, around: number): number {
  const base = around - mod12(around - pc);
  return around - base <= 6 ? base : base + 12;
}
