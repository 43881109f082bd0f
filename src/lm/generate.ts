/**
 * Token generation, audiocraft `LMModel.generate` (musicgen.md §2.3): codes [B, K, T] start
 * unknown (-1), prompt frames are copied in, the delay pattern gives S = T + K columns; from the
 * first column holding an unknown frame, each step feeds the previous column(s) through the KV
 * cache, samples one column, forces pattern-masked cells to `special`, and writes only cells that
 * are still unknown (prompt cells stay). T + K - 1 forwards without a prompt.
 * With cfg != 1 the batch is [cond rows; null rows] in one forward.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors/StudioError';
import { mulberry32 } from '../util/rng';
import { timeSlicer } from '../util/yieldToEventLoop';
import { NO_CLOCK, type BeatClock } from './beatClock';
import { buildDelayed, firstStepWithTimestep, revertDelayed } from './delayPattern';
import type { Lm, LmCondition } from './model';
import { cfgCombine, DEFAULT_SAMPLING, sampleToken } from './sampling';
import { createStepper, type Stepper } from './stepper';

export interface StepInfo {
  step: number; // 1-based forward count
  steps: number; // forwards this generation will take
  column: number; // sequence column just sampled
  tokens: Int32Array; // [B, K] the column as written (special where the pattern is masked)
}

export interface GenerateOptions extends LmCondition {
  /** Null conditioning for CFG; default: zero text states with a zero mask (and one-hot bin 0 chroma, HF's null melody). */
  nullCond?: LmCondition;
  /** T: frames to return (50 per second for MusicGen). */
  frames: number;
  /** Prompt codes [B, K, P] (P <= frames), kept verbatim in the output. */
  prompt?: { codes: Int32Array; frames: number };
  /** Guidance coefficient; 1 disables CFG (no null batch). audiocraft default 3. */
  cfg?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  onStep?: (info: StepInfo) => void;
  /** Aborting rejects with StudioError('CANCELLED') before the next forward; nothing is left allocated. */
  signal?: AbortSignal;
  /** Aborting ends the take early, keeping it: the codes of every frame complete so far come back (fewer than `frames`). */
  finish?: AbortSignal;
}

function defaultNull(cond: LmCondition): LmCondition {
  return tf.tidy(() => ({
    textStates: tf.zerosLike(cond.textStates),
    textMask: tf.zerosLike(cond.textMask),
    ...(cond.chroma ? { chroma: tf.oneHot(tf.zeros(cond.chroma.shape.slice(0, 2), 'int32'), cond.chroma.shape[2]).toFloat() as tf.Tensor3D } : {}),
  }));
}

/** Rows [cond; null]: a new LmCondition the caller disposes. The null rows have no beat clock: guidance amplifies it like the text. */
function batchConditions(cond: LmCondition, nul: LmCondition): LmCondition {
  const B = cond.textMask.shape[0];
  const beat = cond.beat ? { beat: [...cond.beat, ...(nul.beat ?? Array<BeatClock>(B).fill(NO_CLOCK))] } : {};
  const tensors = tf.tidy(() => ({
    textStates: tf.concat([cond.textStates, nul.textStates], 0) as tf.Tensor3D, // [2B, Tt, textDim]
    textMask: tf.concat([cond.textMask, nul.textMask], 0) as tf.Tensor2D, // [2B, Tt]
    ...(cond.chroma && nul.chroma ? { chroma: tf.concat([cond.chroma, nul.chroma], 0) as tf.Tensor3D } : {}), // [2B, Tc, bins]
  }));
  return { ...tensors, ...beat };
}

/** Forwards `generate` takes for `frames` frames after a `prompt`-frame prefix (the columns it samples). */
export function generationSteps(frames: number, prompt: number, K: number): number {
  const S = frames + K;
  return S - (firstStepWithTimestep(prompt, K, frames) ?? S);
}

const conditionTensors = (c: LmCondition) => [c.textStates, c.textMask, ...(c.chroma ? [c.chroma] : [])];

/**
 * Generate codes [B, K, frames] (row-major Int32Array; [K, T] for one prompt). Finished early
 * (`finish`), [B, K, T'] with T' the frames every codebook has reached: the first T' frames of the
 * whole take with the same seed.
 */
export async function generate(lm: Lm, opts: GenerateOptions): Promise<Int32Array> {
  const { codebooks: K, card } = lm.config;
  const special = card;
  const T = opts.frames;
  const B = opts.textMask.shape[0];
  const P = opts.prompt?.frames ?? 0;
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`generate: frames must be >= 1, got ${T}`);
  if (P < 0 || P > T) throw new RangeError(`generate: prompt of ${P} frames does not fit in ${T}`);
  if (opts.prompt && opts.prompt.codes.length !== B * K * P) throw new RangeError(`generate: prompt codes must be [B=${B}, K=${K}, P=${P}]`);
  if (opts.beat && opts.beat.length !== B) throw new RangeError(`generate: ${opts.beat.length} beat clocks for a batch of ${B}`);
  const cfg = opts.cfg ?? 3;
  const sampling = {
    temperature: opts.temperature ?? DEFAULT_SAMPLING.temperature,
    topK: opts.topK ?? DEFAULT_SAMPLING.topK,
    topP: opts.topP ?? DEFAULT_SAMPLING.topP,
  };
  const rand = mulberry32(opts.seed ?? 0);
  const cancelled = () => opts.signal?.aborted === true;
  if (cancelled()) throw new StudioError('CANCELLED');

  // Delayed sequences per row: gen [B, K, S], -1 = unknown, prompt cells filled, special where masked.
  const S = T + K;
  const gen = new Int32Array(B * K * S);
  let mask: Uint8Array = new Uint8Array(0); // [K, S], same for every row
  for (let b = 0; b < B; b++) {
    const codes = new Int32Array(K * T).fill(-1); // [K, T]
    for (let q = 0; q < K; q++) for (let t = 0; t < P; t++) codes[q * T + t] = opts.prompt!.codes[(b * K + q) * P + t];
    const built = buildDelayed(codes, K, T, special);
    gen.set(built.values, b * K * S);
    mask = built.mask;
  }
  const start = firstStepWithTimestep(P, K, T) ?? S; // first column holding an unknown frame

  const useCfg = cfg !== 1;
  const ownNull = useCfg && !opts.nullCond ? defaultNull(opts) : null;
  const batch = useCfg ? batchConditions(opts, opts.nullCond ?? ownNull!) : null;
  const R = useCfg ? 2 * B : B; // rows in the forward batch
  let stepper: Stepper | null = null;
  let done = S; // columns sampled: all, unless finished early
  try {
    stepper = await createStepper(lm, batch ?? opts, S - 1);
    let prev = 0;
    const breathe = timeSlicer(50); // lets the worker handle messages (decoded windows, Stop) between steps (~1% of a WASM take)
    for (let offset = start; offset < S; offset++) {
      await breathe();
      if (cancelled()) throw new StudioError('CANCELLED');
      if (opts.finish?.aborted) {
        done = offset;
        break;
      }
      // columns [prev, offset) of every row (the null half repeats the cond rows' tokens)
      const L = offset - prev;
      const cols = new Int32Array(R * K * L);
      for (let r = 0; r < R; r++) for (let q = 0; q < K; q++) for (let l = 0; l < L; l++) cols[(r * K + q) * L + l] = gen[((r % B) * K + q) * S + prev + l];
      const data = await stepper.feed(cols, L); // [R, K, card] of column offset - 1
      if (cancelled()) throw new StudioError('CANCELLED');
      prev = offset;

      const tokens = new Int32Array(B * K); // [B, K]
      for (let b = 0; b < B; b++) {
        for (let q = 0; q < K; q++) {
          const at = (b * K + q) * S + offset;
          let tok = special;
          if (mask[q * S + offset]) {
            const row = (r: number) => data.subarray((r * K + q) * card, (r * K + q + 1) * card);
            tok = sampleToken(useCfg ? cfgCombine(row(b), row(B + b), cfg) : row(b), sampling, rand);
          }
          if (gen[at] === -1) gen[at] = tok; // prompt (and already known) cells stay
          tokens[b * K + q] = gen[at];
        }
      }
      opts.onStep?.({ step: offset - start + 1, steps: S - start, column: offset, tokens });
    }
  } finally {
    stepper?.dispose();
    tf.dispose([...(batch ? conditionTensors(batch) : []), ...(ownNull ? conditionTensors(ownNull) : [])]);
  }

  // Frame t is complete once column t + K (its last codebook's) is sampled: all T, or fewer when finished early.
  const Tk = Math.min(T, Math.max(P, done - K));
  const out = new Int32Array(B * K * Tk); // [B, K, Tk]
  for (let b = 0; b < B; b++) {
    const all = revertDelayed(gen.subarray(b * K * S, (b + 1) * K * S), K, S); // [K, T]
    for (let q = 0; q < K; q++) out.set(all.subarray(q * T, q * T + Tk), (b * K + q) * Tk);
  }
  if (out.includes(-1)) throw new StudioError('INTERNAL', 'generate: some frames were never sampled');
  return out;
}

/**
 * A throwaway two-frame generation with CFG, so the backend compiles its kernels (WebGPU shaders,
 * WASM code paths) at load time rather than during the user's first take. Leaves no tensors.
 */
export async function warmUp(lm: Lm): Promise<void> {
  const textStates = tf.zeros([1, 1, lm.config.textDim]) as tf.Tensor3D; // [1, 1, textDim]
  const textMask = tf.ones([1, 1]) as tf.Tensor2D; // [1, 1]
  const chroma = lm.config.conditioning === 'prefix' ? (tf.zeros([1, 1, lm.config.chromaBins]) as tf.Tensor3D) : undefined;
  try {
    await generate(lm, { textStates, textMask, ...(chroma ? { chroma } : {}), frames: 2, cfg: 3, seed: 0 });
  } finally {
    tf.dispose([textStates, textMask, ...(chroma ? [chroma] : [])]);
  }
}
