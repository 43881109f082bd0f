import { StudioError } from '../errors/StudioError';
import type { EngineClient, GenerateRequest } from '../workers/protocol';
import { continuationArgs, findSource, sourceFrameRate } from './sources';
import type { AudioSource, StudioState, Take } from './types';

export type ContinuationInput = NonNullable<GenerateRequest['continuation']>;

/** What a take continues: the kept codes [K, t], what the take records, and whether its codes need the current codec first. */
export interface PreparedContinuation {
  args: ContinuationInput;
  info: NonNullable<Take['continuation']>;
  /** A take made on another pack: its codes mean nothing to this one, so its audio is tokenized again (`recode`). */
  foreign?: AudioSource;
}

/** Why a continuation has no room: the take is not longer than the part it keeps. */
export function noRoomText(seconds: number, keptSec: number, name: string): string {
  return `The take is ${seconds.toFixed(1)} s long and keeps the first ${keptSec.toFixed(1)} s of ${name}, so there is no room for new music: raise Length above ${keptSec.toFixed(1)} s or continue from an earlier point.`;
}

/**
 * Where a take that lasts at most `maxSeconds` continues from when asked for `wanted`: there, while
 * that leaves a second of new music; else early enough for `newSeconds` (at most half the take), so
 * a clip longer than a take is continued from inside it rather than past the take's end.
 */
export function continuePoint(wanted: number, maxSeconds: number, newSeconds: number): number {
  if (wanted <= maxSeconds - 1) return Math.max(0, wanted);
  return Math.max(0, maxSeconds - Math.min(newSeconds, maxSeconds / 2));
}

/** The continuation for a take of `seconds`, or the reason it cannot be made (a StudioError the UI shows). */
export function prepareContinuation(
  s: Pick<StudioState, 'clips' | 'takes' | 'engine'>,
  cf: { sourceId: string; startSec: number },
  seconds: number,
): PreparedContinuation | StudioError {
  const src = findSource(s, cf.sourceId);
  if (!src) {
    const clip = s.clips.find((c) => c.id === cf.sourceId);
    return new StudioError('GENERATE_INVALID', !clip ? 'The audio to continue from is no longer in the session.'
      : clip.status === 'error' ? `${clip.name} has no tokens to continue (${clip.error?.message ?? 'it failed'}).`
      : `${clip.name} is being tokenized for this model pack; generate again once it is ready.`);
  }
  const frameRate = s.engine.info?.codec.frameRate ?? sourceFrameRate(src);
  const args = continuationArgs(src, cf.startSec, frameRate);
  if (args.t >= Math.round(seconds * frameRate)) return new StudioError('GENERATE_INVALID', noRoomText(seconds, args.t / frameRate, src.name));
  const info = { sourceId: src.id, sourceName: src.name, startSec: args.t / frameRate, frames: args.t };
  const packId = s.engine.info?.packId;
  const take = s.takes.find((t) => t.id === src.id);
  return take?.packId && packId && take.packId !== packId ? { args, info, foreign: src } : { args, info };
}

/** A foreign take's continuation in the current codec's tokens: its audio tokenized again, cut at the same point. */
export async function recode(engine: EngineClient, p: PreparedContinuation, frameRate: number, signal: AbortSignal): Promise<ContinuationInput> {
  const src = p.foreign!;
  const r = await engine.tokenize({ channels: [src.pcm.slice()], sampleRate: src.sampleRate, name: src.name }, { signal });
  return continuationArgs({ ...r, tempo: src.tempo, key: src.key }, p.info.startSec, frameRate);
}
