import * as tf from '@tensorflow/tfjs';
import type { Codec } from '../codec/encodec';
import { StreamingDecoder } from '../codec/streamDecode';
import { StudioError } from '../errors/StudioError';
import { describeAudio, type SteadyTempo } from '../eval/describe';
import { takeKey, takeTempo } from '../eval/promptFacts';
import type { Key } from '../corpus/theory';
import { generateLong, type Lm, type WindowSpec } from '../lm';
import { clockAt, clockOnDownbeat, keyIndex, NO_CLOCK, withKey, type BeatClock } from '../lm/beatClock';
import { chromaLength, melodyIndices, melodyTensor, type MelodyChroma } from '../lm/melody';
import type { T5Encoder } from '../text/t5Encoder';
import type { TextTokenizer } from '../text/tokenizer';
import { encodePrompt } from '../text/prompt';
import type { CallContext, GenerateRequest, GenerateResult, Progress } from './protocol';

export interface GenerateParts {
  lm: Lm;
  codec: Codec;
  tokenizer: TextTokenizer;
  t5: T5Encoder;
  /** The pack's trained length: longer takes are sampled window by window (src/lm/windows.ts). */
  window?: WindowSpec;
}

/** Longest generation the LM's position table allows, in frames (S = T + K columns). */
export function maxFrames(lm: Lm): number {
  return lm.config.maxPositions - lm.config.codebooks;
}

/** Longest take of a model sampled in windows, whose positions no longer limit it (audiocraft's demo: 120 s). */
export const WINDOWED_MAX_SECONDS = 120;

/** Longest take in frames: the position table's, or WINDOWED_MAX_SECONDS' worth for a windowed model. */
export function longestFrames(lm: Lm, frameRate: number, window?: WindowSpec): number {
  return window ? Math.max(maxFrames(lm), Math.round(WINDOWED_MAX_SECONDS * frameRate)) : maxFrames(lm);
}

/**
 * A take's beat clock, for an LM that has one (the bundled LM): the tempo of the audio it continues
 * (its bar's start at beat 0) when known, else the tempo the prompt names ("90 bpm", "tempo 90"), else the
 * middle of its tempo word's range ("slow": 70 bpm). With it, for an LM that takes a key, the continued
 * audio's clear key, else the prompt's ("D minor").
 */
export function takeClock(lm: Lm, prompt: string, frameRate: number, continued?: SteadyTempo, continuedKey?: Key): BeatClock[] | undefined {
  const t = lm.config.beatClock ? takeTempo(prompt, continued?.bpm) : undefined;
  const k = lm.config.keyChannel ? takeKey(prompt, continuedKey) : undefined;
  if (!t && !k) return undefined;
  const clock = !t ? NO_CLOCK : t.from === 'continued' ? clockOnDownbeat(continued!, frameRate) : clockAt(t.bpm, frameRate);
  return [withKey(clock, k && keyIndex(k.key.tonic, k.key.mode))];
}

/**
 * One take: prompt -> T5 states -> LM (CFG, sampling, optional continuation; in windows past the
 * pack's trained length) -> codec decode.
 * The decoder runs window by window while the LM is still sampling (StreamingDecoder: the codec
 * lives in its own ORT worker, so the two overlap). Progress is reported per step (throttled to
 * ~20 per second); cancellation within one step.
 */
export async function generateTake(p: GenerateParts, a: GenerateRequest, ctx: CallContext, finish?: AbortSignal): Promise<GenerateResult> {
  const { frameRate, codebooks: K } = p.codec.spec;
  const frames = Math.round(a.seconds * frameRate);
  const limit = longestFrames(p.lm, frameRate, p.window);
  if (!(frames >= 1) || frames > limit) {
    throw new StudioError('INTERNAL', `duration ${a.seconds} s is outside 1/${frameRate} .. ${(limit / frameRate).toFixed(1)} s for this model`);
  }
  const cont = a.continuation;
  if (cont && (cont.k !== K || cont.t >= frames || cont.codes.length !== K * cont.t)) {
    throw new StudioError('INTERNAL', `the continuation must be [${K}, t] with t shorter than the take (${frames} frames)`);
  }
  ctx.progress({ phase: 'generate', value: 0, label: 'Encoding the prompt' });
  const text = await encodePrompt(p.tokenizer, p.t5, a.prompt, { signal: ctx.signal });
  const textStates = tf.tensor3d(text.states, [1, text.dims.s, text.dims.d]); // [1, S, D]
  const textMask = tf.tensor2d(Float32Array.from(text.mask), [1, text.dims.s]); // [1, S]
  const beat = takeClock(p.lm, a.prompt, frameRate, cont?.tempo, cont?.key);
  const t0 = performance.now();
  let last = 0;
  const { sampleRate, hopLength } = p.codec.spec;
  let shown: Progress = { phase: 'generate', value: 0, label: 'Generating' }; // the last step report, repeated with each window
  const onWindow = (from: number, pcm: Float32Array) => ctx.progress({ ...shown, audio: { from, pcm, samples: frames * hopLength, sampleRate } });
  const decoder = new StreamingDecoder(p.codec, frames, cont ? { codes: cont.codes, frames: cont.t } : undefined, undefined, onWindow);
  let finished = false;
  try {
    const codes = await generateLong(p.lm, {
      textStates, textMask, frames, window: p.window, beat, chromaAt: melodyAt(p.lm, a.melody, frameRate),
      prompt: cont ? { codes: cont.codes, frames: cont.t } : undefined,
      cfg: a.cfg, temperature: a.temperature, topK: a.topK, topP: a.topP, seed: a.seed, signal: ctx.signal, finish,
      onStep: ({ step, steps, column, tokens }) => {
        decoder.column(column, tokens);
        const now = performance.now();
        if (now - last < 50 && step < steps) return;
        last = now;
        const perSec = (step / (now - t0)) * 1000;
        const eta = (steps - step) / Math.max(perSec, 1e-6);
        shown = {
          phase: 'generate', value: (0.9 * step) / steps,
          label: `Generating: ${step} / ${steps} steps · ${perSec.toFixed(0)} steps/s · ${Math.ceil(eta)} s left`,
          generation: { step, steps, tokensPerSecond: perSec * K, etaSeconds: eta },
        };
        ctx.progress(shown);
      },
    });
    const lmMs = performance.now() - t0;
    shown = { phase: 'generate', value: 0.92, label: 'Decoding tokens to audio' };
    ctx.progress(shown);
    const t = codes.length / K; // frames, or fewer when the take was finished early
    if (t === 0) throw new StudioError('CANCELLED');
    let pcm: Float32Array;
    if (t === frames) {
      pcm = await decoder.finish(codes, ctx.signal);
    } else {
      await decoder.abandon(); // kept short: its frames decoded at once (the same audio as windows would give)
      pcm = await p.codec.decode({ codes, k: K, t }, { signal: ctx.signal });
    }
    finished = true;
    const facts = describeAudio(pcm, sampleRate);
    ctx.transfer(codes.buffer, pcm.buffer);
    return { codes, k: K, t, pcm, sampleRate, seed: a.seed, lmMs, facts };
  } finally {
    textStates.dispose();
    textMask.dispose();
    if (!finished) await decoder.abandon(); // a stopped or failed take leaves no decode running
  }
}

/** A prefix-mode LM's melody for the window at a frame (the null melody when none was chosen); undefined for other LMs. */
function melodyAt(lm: Lm, melody: MelodyChroma | undefined, frameRate: number): ((from: number) => tf.Tensor3D) | undefined {
  if (lm.config.conditioning !== 'prefix') return undefined;
  return (from) => melodyTensor([melodyIndices(melody, chromaLength(lm.config), from / frameRate)], lm.config.chromaBins); // [1, Tc, bins]
}
