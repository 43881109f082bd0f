/**
 * Training data: clips of codes [K, T] with their caption's text-encoder states, a held-out
 * validation set, seeded random crops and batches as tensors (musicgen.md §1.4, §2.4).
 *
 * Batch layout for crops of at most C frames (C = the longest crop in the batch):
 *   input   [B, K, C + 1] int32: delayed columns 0..C (keep-only-valid steps; column 0 = BOS)
 *   targets [B, K, C]     int32: the crop's codes (0 in padded cells)
 *   mask    [B, K, C]     float: c[q, t] counts iff t + q + 1 <= L (L = this crop's frames)
 * A crop shorter than C is padded with the special token (audiocraft's padding mask).
 * Text: states [B, Tt, textDim] padded to the batch's longest caption, mask [B, Tt]. A clip
 * without caption, or the whole batch when condition dropout fires, gets the null condition
 * (zero states, zero mask), exactly what generation uses as the unconditional branch.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../util/rng';
import { NO_CLOCK, shiftClock, type BeatClock } from '../beatClock';
import { buildDelayed } from '../delayPattern';
import type { LmCondition } from '../model';
import { melodyIndices, melodyTensor, type MelodyChroma } from '../melody';

/** Caption states from the text encoder: `states [tokens, textDim]`, `mask [tokens]` (default all 1). */
export interface TextStates {
  states: Float32Array;
  tokens: number;
  mask?: Uint8Array;
}

export interface TrainClip {
  name: string;
  caption: string;
  codes: Int32Array; // [K, frames]
  frames: number;
  /** null = unconditional clip (empty caption). */
  text: TextStates | null;
  /** The clip's beat clock at its frame 0 (beatClock.ts), when its tempo is known; absent = none. */
  clock?: BeatClock;
  /** Its melody (chroma of its audio) and its codes' frames per second, for a prefix-mode LM; absent = the null melody. */
  melody?: MelodyChroma & { frameRate: number };
}

/** A window of a clip: frames [start, start + frames). */
export interface Crop {
  clip: number;
  start: number;
  frames: number;
}

export interface SplitOptions {
  cropFrames: number;
  /** Tail fraction held out per clip when there are few clips (default 0.1; 0 = no validation). */
  valFraction?: number;
  /** From this many clips on, the last clip is held out whole instead (default 5). */
  holdOutClipFrom?: number;
}

export interface DataSplit {
  /** Frame ranges that training crops may use. */
  train: Crop[];
  /** Fixed validation crops (at most cropFrames each). */
  val: Crop[];
  holdout: 'none' | 'tail' | 'clip';
}

/** Minimum frames worth training on or validating with. */
const MIN_FRAMES = 2;
/** Validation crops are capped (each eval costs one forward per crop). */
const MAX_VAL_CROPS = 16;

/** Check codes and caption states against the model's shape; returns the first problem or null. */
export function checkClips(clips: TrainClip[], shape: BatchShape): string | null {
  if (clips.length === 0) return 'no clips';
  for (const c of clips) {
    if (!Number.isInteger(c.frames) || c.frames < MIN_FRAMES) return `${c.name}: needs at least ${MIN_FRAMES} frames, has ${c.frames}`;
    if (c.codes.length !== shape.codebooks * c.frames) return `${c.name}: codes must be [${shape.codebooks}, ${c.frames}], got ${c.codes.length} values`;
    if (c.codes.some((x) => !(x >= 0 && x < shape.card))) return `${c.name}: codes must lie in 0..${shape.card - 1}`;
    if (c.text && (c.text.tokens < 1 || c.text.states.length !== c.text.tokens * shape.textDim)) return `${c.name}: caption states must be [tokens >= 1, ${shape.textDim}]`;
  }
  return null;
}

/** Split clips into training ranges and fixed validation crops. */
export function splitData(clips: TrainClip[], o: SplitOptions): DataSplit {
  const frac = o.valFraction ?? 0.1;
  const C = o.cropFrames;
  const chunks = (clip: number, start: number, end: number): Crop[] => {
    const out: Crop[] = [];
    for (let s = start; end - s >= MIN_FRAMES; s += C) out.push({ clip, start: s, frames: Math.min(C, end - s) });
    return out;
  };
  if (frac <= 0) return { train: clips.map((c, i) => ({ clip: i, start: 0, frames: c.frames })), val: [], holdout: 'none' };
  if (clips.length >= (o.holdOutClipFrom ?? 5)) {
    const last = clips.length - 1;
    return { train: clips.slice(0, last).map((c, i) => ({ clip: i, start: 0, frames: c.frames })), val: chunks(last, 0, clips[last].frames).slice(0, MAX_VAL_CROPS), holdout: 'clip' };
  }
  const train: Crop[] = [];
  const val: Crop[] = [];
  clips.forEach((c, i) => {
    const held = Math.max(MIN_FRAMES, Math.round(c.frames * frac));
    if (c.frames - held < MIN_FRAMES) {
      train.push({ clip: i, start: 0, frames: c.frames }); // too short to split: all of it trains
      return;
    }
    train.push({ clip: i, start: 0, frames: c.frames - held });
    val.push(...chunks(i, c.frames - held, c.frames));
  });
  return { train, val: val.slice(0, MAX_VAL_CROPS), holdout: 'tail' };
}

/**
 * Seeded random crops: a range is picked with probability proportional to its length (every
 * frame equally likely), then a uniform start; ranges shorter than cropFrames give whole-range crops.
 * With `headFraction` > 0, that share of crops starts at its range's start instead (one more draw
 * per crop; with 0 the stream is the uniform sampler's, so earlier runs reproduce).
 */
export class CropSampler {
  private readonly rand: () => number;
  private readonly total: number;

  constructor(private readonly ranges: Crop[], private readonly cropFrames: number, seed: number, private readonly headFraction = 0) {
    if (ranges.length === 0) throw new RangeError('CropSampler: no training frames');
    this.rand = mulberry32(seed);
    this.total = ranges.reduce((a, r) => a + r.frames, 0);
  }

  next(n: number): Crop[] {
    return Array.from({ length: n }, () => {
      let x = this.rand() * this.total;
      const r = this.ranges.find((g) => (x -= g.frames) < 0) ?? this.ranges[this.ranges.length - 1];
      const frames = Math.min(this.cropFrames, r.frames);
      const head = this.headFraction > 0 && this.rand() < this.headFraction;
      const start = r.start + (head ? 0 : Math.floor(this.rand() * (r.frames - frames + 1)));
      return { clip: r.clip, start, frames };
    });
  }
}

/** Share of rows that train without their clip's beat clock, so the LM also works without one (prompts with no tempo). */
export const CLOCK_DROPOUT = 0.3;

/** Share of rows that train without their clip's melody (audiocraft chroma2music: attribute_dropout self_wav 0.5). */
export const MELODY_DROPOUT = 0.5;

/** audiocraft ClassifierFreeGuidanceDropout: the whole batch is dropped with probability p. */
export const dropCondition = (rand: () => number, p: number): boolean => p > 0 && rand() < p;

export interface Batch {
  input: tf.Tensor3D; // [B, K, C + 1] int32
  targets: tf.Tensor3D; // [B, K, C] int32
  mask: tf.Tensor3D; // [B, K, C] float32
  cond: LmCondition; // textStates [B, Tt, textDim], textMask [B, Tt]
  /** C: frames per row. */
  frames: number;
  /** Number of valid target cells (for tokens/s). */
  tokens: number;
}

export interface BatchShape {
  codebooks: number; // K
  card: number; // special token id
  textDim: number;
  /** Prefix-mode (melody) LMs: each row gets its crop's part of its clip's melody [Tc, bins] (melody.ts). */
  chroma?: { bins: number; length: number };
}

/** What a batch drops: `nullCond` every row's text (and clock, unless `nullKeepsClock`); `clockOff[b]` / `melodyOff[b]` row b's clock / melody alone. */
export interface BatchDrops {
  nullCond?: boolean;
  clockOff?: readonly boolean[];
  nullKeepsClock?: boolean;
  melodyOff?: readonly boolean[];
}

/**
 * Build the tensors of one batch, less what `drops` drops (BatchDrops; a null-condition batch
 * drops the melody too). Rows get their clip's clock shifted to the crop's start; `cond.beat` is
 * absent when no clip has a clock.
 */
export function makeBatch(clips: TrainClip[], crops: Crop[], shape: BatchShape, drops: BatchDrops = {}): Batch {
  const { nullCond = false, clockOff, nullKeepsClock = false, melodyOff } = drops;
  const { codebooks: K, card, textDim } = shape;
  const B = crops.length;
  const C = Math.max(...crops.map((c) => c.frames));
  const input = new Int32Array(B * K * (C + 1));
  const targets = new Int32Array(B * K * C);
  const mask = new Float32Array(B * K * C);
  let tokens = 0;
  crops.forEach((crop, b) => {
    const clip = clips[crop.clip];
    const codes = new Int32Array(K * C).fill(card); // [K, C], padded with special
    for (let q = 0; q < K; q++) codes.set(clip.codes.subarray(q * clip.frames + crop.start, q * clip.frames + crop.start + crop.frames), q * C);
    const { values, S } = buildDelayed(codes, K, C, card); // [K, C + K]
    for (let q = 0; q < K; q++) {
      input.set(values.subarray(q * S, q * S + C + 1), (b * K + q) * (C + 1));
      for (let t = 0; t < crop.frames; t++) {
        targets[(b * K + q) * C + t] = codes[q * C + t];
        if (t + q + 1 <= crop.frames) (mask[(b * K + q) * C + t] = 1), tokens++;
      }
    }
  });
  const texts = crops.map((c) => (nullCond ? null : clips[c.clip].text));
  const Tt = Math.max(1, ...texts.map((t) => t?.tokens ?? 0));
  const states = new Float32Array(B * Tt * textDim);
  const textMask = new Float32Array(B * Tt);
  texts.forEach((t, b) => {
    if (!t) return;
    if (t.states.length !== t.tokens * textDim) throw new RangeError(`makeBatch: caption states must be [${t.tokens}, ${textDim}]`);
    states.set(t.states, b * Tt * textDim);
    for (let i = 0; i < t.tokens; i++) textMask[b * Tt + i] = t.mask ? t.mask[i] : 1;
  });
  return {
    input: tf.tensor3d(input, [B, K, C + 1], 'int32'),
    targets: tf.tensor3d(targets, [B, K, C], 'int32'),
    mask: tf.tensor3d(mask, [B, K, C], 'float32'),
    cond: {
      textStates: tf.tensor3d(states, [B, Tt, textDim]),
      textMask: tf.tensor2d(textMask, [B, Tt]),
      ...(shape.chroma ? { chroma: batchMelody(clips, crops, shape.chroma, nullCond, melodyOff) } : {}), // [B, Tc, bins]
      ...(crops.some((c) => clips[c.clip].clock) ? { beat: crops.map((c, b) => {
        const clock = clips[c.clip].clock;
        return !clock || (nullCond && !nullKeepsClock) || clockOff?.[b] ? NO_CLOCK : shiftClock(clock, c.start);
      }) } : {}),
    },
    frames: C,
    tokens,
  };
}

export function disposeBatch(b: Batch): void {
  tf.dispose([b.input, b.targets, b.mask, b.cond.textStates, b.cond.textMask, ...(b.cond.chroma ? [b.cond.chroma] : [])]);
}

/** Each row's melody from its crop's start (the null melody where dropped or where its clip has none). */
function batchMelody(clips: TrainClip[], crops: Crop[], m: NonNullable<BatchShape['chroma']>, nullCond: boolean, off?: readonly boolean[]): tf.Tensor3D {
  const rows = crops.map((c, b) => {
    const melody = nullCond || off?.[b] ? undefined : clips[c.clip].melody;
    return melodyIndices(melody, m.length, melody ? c.start / melody.frameRate : 0);
  });
  return melodyTensor(rows, m.bins); // [B, Tc, bins]
}
