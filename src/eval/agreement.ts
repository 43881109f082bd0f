import { pitchClassOf, type Mode } from '../corpus/theory';

/** What a prompt asked for. The tonic may be a name ("Bb", "F#") or a pitch class. */
export interface Prompted {
  tonic: string | number;
  mode: Mode;
  bpm: number;
}

/** What the detectors found (detectKey / detectTempo results fit). */
export interface Detected {
  key: { tonic: number; mode: Mode };
  tempo: { bpm: number };
}

export interface Agreement {
  /** Tonic and mode both match. */
  key: boolean;
  /** Detected tempo within TEMPO_TOLERANCE of the prompted one. */
  tempo: boolean;
  /** Relative tempo error (detected / prompted - 1). */
  tempoError: number;
}

/** The bar: tempo within 8%. */
export const TEMPO_TOLERANCE = 0.08;

/** The detected key is the prompted one (tonic and mode). */
export function keyAgrees(prompted: Pick<Prompted, 'tonic' | 'mode'>, detected: Pick<Detected, 'key'>): boolean {
  const tonic = typeof prompted.tonic === 'number' ? prompted.tonic : pitchClassOf(prompted.tonic);
  return detected.key.tonic === tonic && detected.key.mode === prompted.mode;
}

export function agreement(prompted: Prompted, detected: Detected): Agreement {
  const key = keyAgrees(prompted, detected);
  const tempoError = prompted.bpm > 0 ? detected.tempo.bpm / prompted.bpm - 1 : Infinity;
  return { key, tempo: Math.abs(tempoError) <= TEMPO_TOLERANCE, tempoError };
}

export interface AgreementSummary {
  count: number;
  keyAccuracy: number;
  tempoAccuracy: number;
  /** Both key and tempo right. */
  bothAccuracy: number;
}

export function summarize(results: readonly Agreement[]): AgreementSummary {
  const n = results.length;
  const share = (f: (a: Agreement) => boolean) => (n ? results.filter(f).length / n : 0);
  return {
    count: n,
    keyAccuracy: share((a) => a.key),
    tempoAccuracy: share((a) => a.tempo),
    bothAccuracy: share((a) => a.key && a.tempo),
  };
}
