import type { Key } from '../corpus/theory';
import { detectKey } from './key';
import { onsetStrength } from './onset';
import { downbeatOffset, tempoFromEnvelope } from './tempo';

/**
 * What a clip or take sounds like, for the studio's cards: its key and tempo as the evaluation's
 * detectors hear them, each with whether the detector is sure enough to say so.
 */
export interface AudioFacts {
  key: Key & {
    /** The best key's profile correlation is high enough to name it (KEY_CLEAR). */
    clear: boolean;
    /** A runner-up about as likely (often the relative key: D major / B minor), or null. */
    or: Key | null;
  };
  tempo: {
    /** Beats per minute, rounded; 0 when there are no onsets. */
    bpm: number;
    /** The onset envelope repeats at that period clearly enough (TEMPO_CLEAR). */
    clear: boolean;
    /** Seconds from the start to the first downbeat at that tempo (a guess: tempo.ts downbeatOffset); absent in facts saved before it existed. */
    downbeat?: number;
  };
  /** Seconds of audio the facts come from (at most DESCRIBE_MAX_SECONDS from the start). */
  seconds: number;
}

/** A steady tempo and where its bar starts (seconds), as a beat clock needs them. */
export interface SteadyTempo { bpm: number; downbeat: number }

/** The facts' tempo when it is steady (TEMPO_CLEAR) and has a downbeat; undefined otherwise (an unclear beat, facts saved before downbeats). */
export function steadyTempo(f: AudioFacts | null | undefined): SteadyTempo | undefined {
  return f?.tempo.clear && f.tempo.downbeat !== undefined ? { bpm: f.tempo.bpm, downbeat: f.tempo.downbeat } : undefined;
}

/** `{ tempo }` when the facts' tempo is steady, else `{}`: to spread into a clip, source or request. */
export function tempoField(f: AudioFacts | null | undefined): { tempo?: SteadyTempo } {
  const tempo = steadyTempo(f);
  return tempo ? { tempo } : {};
}

/** The facts' key when it is clear (KEY_CLEAR) and has no runner-up about as likely; undefined otherwise. */
export function clearKey(f: AudioFacts | null | undefined): Key | undefined {
  return f?.key.clear && !f.key.or ? { tonic: f.key.tonic, mode: f.key.mode } : undefined;
}

/** `{ tempo, key }`, each when the facts have it steady or clear: to spread into a clip, source or request. */
export function heardFields(f: AudioFacts | null | undefined): { tempo?: SteadyTempo; key?: Key } {
  const key = clearKey(f);
  return { ...tempoField(f), ...(key ? { key } : {}) };
}

/** Key profile correlation below which the key is "unclear" (white noise ~0.3, corpus pieces 0.6-0.9). */
export const KEY_CLEAR = 0.5;
/** Best minus second-best correlation under which the runner-up is named too. */
export const KEY_TIE = 0.03;
/** Onset autocorrelation at the beat below which there is no steady beat (noise ~0.05, corpus 0.2-0.8). */
export const TEMPO_CLEAR = 0.15;
/** Long clips are described from their first minute: enough for key and tempo, cheap (~0.7 s on WASM). */
export const DESCRIBE_MAX_SECONDS = 60;
/** Shorter audio has too few beats and chroma frames to say anything. */
export const DESCRIBE_MIN_SECONDS = 2;

/**
 * Key and tempo of mono PCM, or null when it is too short to tell. Never throws: the facts are an
 * extra, and a detector failing on odd audio must not cost the clip or take they describe.
 */
export function describeAudio(pcm: Float32Array, sampleRate: number): AudioFacts | null {
  try {
    return describe(pcm, sampleRate);
  } catch {
    return null;
  }
}

function describe(pcm: Float32Array, sampleRate: number): AudioFacts | null {
  const seconds = Math.min(pcm.length / sampleRate, DESCRIBE_MAX_SECONDS);
  if (!(seconds >= DESCRIBE_MIN_SECONDS)) return null;
  let x = pcm.subarray(0, Math.round(seconds * sampleRate));
  if (!x.every(Number.isFinite)) x = x.map((v) => (Number.isFinite(v) ? v : 0)); // bad samples count as silence
  const k = detectKey(x, sampleRate);
  const onsets = onsetStrength(x, sampleRate);
  const t = tempoFromEnvelope(onsets.envelope, onsets.frameRate);
  const clear = k.correlation >= KEY_CLEAR;
  const or: Key | null = clear && k.confidence < KEY_TIE ? k.runnerUp : null;
  return {
    key: { tonic: k.tonic, mode: k.mode, clear, or },
    tempo: { bpm: Math.round(t.bpm), clear: t.bpm > 0 && t.confidence >= TEMPO_CLEAR, downbeat: downbeatOffset(onsets.envelope, onsets.frameRate, t.bpm) },
    seconds,
  };
}
