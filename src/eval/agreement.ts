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
  /** confidence: detectTempo's periodicity at the beat (absent: not measured). */
  tempo: { bpm: number; confidence?: number };
}

export interface Agreement {
  /** Tonic and mode both match. */
  key: boolean;
  /** The tonic matches, whatever the mode. */
  tonic: boolean;
  /** Detected tempo within TEMPO_TOLERANCE of the prompted one. */
  tempo: boolean;
  /** Relative tempo error (detected / prompted - 1). */
  tempoError: number;
  /** How steady the beat is (the tempo's confidence; NaN when not measured). */
  beat: number;
}

/** The bar: tempo within 8%. */
export const TEMPO_TOLERANCE = 0.08;

/** The detected tonic is the prompted one, whatever the mode. */
function tonicAgrees(prompted: Pick<Prompted, 'tonic'>, detected: Pick<Detected, 'key'>): boolean {
  return detected.key.tonic === (typeof prompted.tonic === 'number' ? prompted.tonic : pitchClassOf(prompted.tonic));
}

/** The detected key is the prompted one (tonic and mode). */
export function keyAgrees(prompted: Pick<Prompted, 'tonic' | 'mode'>, detected: Pick<Detected, 'key'>): boolean {
  return tonicAgrees(prompted, detected) && detected.key.mode === prompted.mode;
}

export function agreement(prompted: Prompted, detected: Detected): Agreement {
  const tonic = tonicAgrees(prompted, detected);
  const key = tonic && detected.key.mode === prompted.mode;
  const tempoError = prompted.bpm > 0 ? detected.tempo.bpm / prompted.bpm - 1 : Infinity;
  return { key, tonic, tempo: Math.abs(tempoError) <= TEMPO_TOLERANCE, tempoError, beat: detected.tempo.confidence ?? NaN };
}

export interface AgreementSummary {
  count: number;
  keyAccuracy: number;
  tempoAccuracy: number;
  /** Both key and tempo right. */
  bothAccuracy: number;
  tonicAccuracy: number;
  /** Median beat steadiness over the results that measured it (NaN: none did); finer than tempo accuracy on a few prompts. */
  medianBeat: number;
}

export function summarize(results: readonly Agreement[]): AgreementSummary {
  const n = results.length;
  const share = (f: (a: Agreement) => boolean) => (n ? results.filter(f).length / n : 0);
  return {
    count: n,
    keyAccuracy: share((a) => a.key),
    tempoAccuracy: share((a) => a.tempo),
    bothAccuracy: share((a) => a.key && a.tempo),
    tonicAccuracy: share((a) => a.tonic),
    medianBeat: median(results.map((a) => a.beat).filter((b) => !Number.isNaN(b))),
  };
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
