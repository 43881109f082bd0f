import { pitchClassOf, type Key } from '../corpus/theory';

/** What a prompt asks for that the detectors can check: a key and a tempo, when it names them. */
export interface PromptFacts {
  key?: Key;
  bpm?: number;
}

// "D minor", "F# major", "Bb minor", "e flat major", "C-sharp minor", "Am", "F#m", "Ebmaj".
const KEY = /(?:^|[^\p{L}\p{N}])([A-Ga-g])(?:\s*(#|♯|b|♭|-?\s?sharp|-?\s?flat))?\s*(major|minor|maj|min|m)(?![\p{L}\p{N}])/iu;
// "120 bpm", "120bpm", "96 beats per minute"
const BPM = /(?:^|[^\p{N}.])(\d{2,3})\s*(?:bpm|beats\s+per\s+minute)(?![\p{L}])/iu;
// "tempo 120", "tempo: 96", "tempo of 140"
const TEMPO_N = /(?:^|[^\p{L}])tempo\s*(?::|of)?\s*(\d{2,3})(?![\p{N}.])/iu;

/** The key and tempo a prompt names, if any ("slow piano melody in D minor, 70 bpm"). */
export function promptFacts(text: string): PromptFacts {
  const out: PromptFacts = {};
  const k = KEY.exec(text);
  // A bare "m" is a minor key only as a lower-case m after a capital ("Am", "F#m"), not "a m" or "AM".
  if (k && !(/^m$/i.test(k[3]) && (k[3] !== 'm' || k[1] !== k[1].toUpperCase()))) {
    const acc = (k[2] ?? '').replace(/[-\s]/g, '');
    out.key = { tonic: pitchClassOf(k[1] + acc), mode: /^maj/i.test(k[3]) ? 'major' : 'minor' };
  }
  const b = BPM.exec(text) ?? TEMPO_N.exec(text);
  if (b) {
    const bpm = Number(b[1]);
    if (bpm >= 20 && bpm <= 400) out.bpm = bpm;
  }
  return out;
}
