/**
 * When each decoded window of a take plays, while the take is still being generated. Pure (times
 * in AudioContext seconds), so the rules are tested in Node: livePlayer.ts is the Web Audio glue.
 */

export interface LiveWindow { from: number; pcm: Float32Array; samples: number; sampleRate: number }

/** Slack for the last windows' decoding after the LM finishes, and for timers. */
export const LIVE_MARGIN_S = 0.5;

/**
 * Context time of the take's sample 0, chosen when its first window arrives: late enough that the
 * audio still to come (`etaSeconds` of generation left) arrives before it is due, so a take that
 * generates slower than real time waits at the start instead of stopping in the middle; never
 * before `queueEnd` (a take still playing).
 */
export function takeStart(now: number, queueEnd: number, w: LiveWindow, etaSeconds: number): number {
  const after = (w.samples - (w.from + w.pcm.length)) / w.sampleRate; // seconds of audio after this window
  const eta = Number.isFinite(etaSeconds) ? etaSeconds : 0;
  const lead = Math.max(0, eta - after) + LIVE_MARGIN_S;
  return Math.max(now + lead, queueEnd) - w.from / w.sampleRate;
}

/**
 * Where a window plays: at its place in the take, or (when it came later than that) just after
 * `now`, moving the rest of the take by the same delay. Returns its start and the take's new start.
 */
export function placeWindow(start: number, w: LiveWindow, now: number): { at: number; start: number } {
  const at = start + w.from / w.sampleRate;
  const earliest = now + 0.05;
  if (at >= earliest) return { at, start };
  return { at: earliest, start: start + (earliest - at) };
}
