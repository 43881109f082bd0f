import { detectKey, type KeyEstimate } from './key';
import { detectTempo, type TempoEstimate } from './tempo';

export interface Analysis {
  key: KeyEstimate;
  tempo: TempoEstimate;
}

/** Key and tempo of a mono clip: what an evaluation compares with the prompt. */
export function analyzeClip(pcm: Float32Array, sampleRate: number): Analysis {
  return { key: detectKey(pcm, sampleRate), tempo: detectTempo(pcm, sampleRate) };
}
