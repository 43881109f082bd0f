import { keyName, type Key } from '../corpus/theory';
import type { AudioFacts } from '../eval/describe';
import { keyAgrees, TEMPO_TOLERANCE } from '../eval/agreement';
import { askedTempoLabel, promptFacts, tempoFits, type PromptFacts } from '../eval/promptFacts';

/** "D minor", "B minor or D major" (a near tie), or "key unclear". */
export function keyLabel(f: AudioFacts): string {
  if (!f.key.clear) return 'key unclear';
  return f.key.or ? `${keyName(f.key)} or ${keyName(f.key.or)}` : keyName(f.key);
}

/** "118 bpm" or "no steady beat". */
export function tempoLabel(f: AudioFacts): string {
  return f.tempo.clear ? `${f.tempo.bpm} bpm` : 'no steady beat';
}

/** 'unclear': the detector cannot tell (no clear key, no steady beat), so neither a match nor a miss is claimed. */
export type Verdict = 'match' | 'close' | 'miss' | 'unclear';

export interface AskedCheck {
  /** "D minor", "70 bpm": what the prompt named, for display. */
  key?: { label: string; verdict: Verdict };
  tempo?: { label: string; verdict: Verdict };
}

const sameKey = (a: Key, b: Key) => keyAgrees(a, { key: b });

/**
 * How a take's detected facts compare with what its prompt named. Key: 'match' when the detected
 * key is the one asked, 'close' when it is the near-tie runner-up. Tempo: 'match' within the
 * evaluation's 8%, 'close' at half or double time (the same pulse, counted differently); a tempo word
 * ("slow") the same way against its range (60–80 bpm), 8% either side.
 */
export function checkAsked(asked: PromptFacts, f: AudioFacts): AskedCheck {
  const out: AskedCheck = {};
  if (asked.key) {
    const verdict: Verdict = !f.key.clear ? 'unclear' : sameKey(asked.key, f.key) ? 'match' : f.key.or && sameKey(asked.key, f.key.or) ? 'close' : 'miss';
    out.key = { label: keyName(asked.key), verdict };
  }
  if (asked.bpm || asked.tempoWord) {
    const fits = (ratio: number) => tempoFits(asked, f.tempo.bpm * ratio, TEMPO_TOLERANCE) === true;
    const verdict: Verdict = !f.tempo.clear ? 'unclear' : fits(1) ? 'match' : fits(0.5) || fits(2) ? 'close' : 'miss';
    out.tempo = { label: askedTempoLabel(asked)!, verdict };
  }
  return out;
}

/**
 * The detected key and tempo as caption words ("in F major, 135 bpm"), the way the bundled
 * model's training captions say them, leaving out what is unclear or already in the caption
 * (or the whole key when two keys tie). Null when there is nothing to add.
 */
export function factsCaption(caption: string, f: AudioFacts): string | null {
  const has = promptFacts(caption);
  const parts: string[] = [];
  if (f.key.clear && !f.key.or && !has.key) parts.push(`in ${keyName(f.key)}`);
  if (f.tempo.clear && !has.bpm) parts.push(`${f.tempo.bpm} bpm`);
  return parts.length ? parts.join(', ') : null;
}

/** The caption with those words appended ("warm pad" -> "warm pad, in F major, 135 bpm"). */
export function withFacts(caption: string, words: string): string {
  const c = caption.trim().replace(/[,;]\s*$/, '');
  return c ? `${c}, ${words}` : words;
}

/**
 * What the codec kept: the reconstruction's key and tempo, each marked against the original's
 * (only where the original's is clear). Labels are the reconstruction's own values.
 */
export function checkReconstruction(orig: AudioFacts, recon: AudioFacts): AskedCheck {
  const out: AskedCheck = {};
  // The original's key or beat was clear: a reconstruction that blurred it lost it (a miss, not "cannot tell").
  const lost = (v: Verdict): Verdict => (v === 'unclear' ? 'miss' : v);
  if (orig.key.clear) {
    const asked = { key: { tonic: orig.key.tonic, mode: orig.key.mode } };
    const v = lost(checkAsked(asked, recon).key!.verdict);
    const tie = v === 'miss' && orig.key.or && recon.key.clear && sameKey(orig.key.or, recon.key);
    out.key = { label: keyLabel(recon), verdict: tie ? 'close' : v };
  }
  if (orig.tempo.clear) out.tempo = { label: tempoLabel(recon), verdict: lost(checkAsked({ bpm: orig.tempo.bpm }, recon).tempo!.verdict) };
  return out;
}
