/** Detectors for evaluating prompt following: key (Krumhansl–Kessler on chroma), tempo (onset autocorrelation), agreement. */
export { analyzeClip, type Analysis } from './analyze';
export { agreement, keyAgrees, summarize, TEMPO_TOLERANCE, type Agreement, type AgreementSummary, type Detected, type Prompted } from './agreement';
export { detectKey, keyFromChroma, meanChroma, type KeyEstimate, type KeyOptions } from './key';
export { KK_MAJOR, KK_MINOR } from './keyProfiles';
export { onsetStrength, type OnsetEnvelope, type OnsetOptions } from './onset';
export { detectTempo, tempoFromEnvelope, autocorrelation, type TempoEstimate, type TempoOptions } from './tempo';
