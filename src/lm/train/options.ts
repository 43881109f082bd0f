/** Fine-tuning hyper-parameters, their defaults (sized for 2-10 clips) and validation. */
import { StudioError } from '../../errors/StudioError';

export interface TrainOptions {
  /** Optimiser updates. */
  steps: number;
  /** Peak learning rate (after warmup; cosine to 0 at `steps`). */
  lr: number;
  warmup: number;
  /** Crops per step. */
  batchSize: number;
  /** Crop length in codec frames (50 per second for MusicGen). */
  cropFrames: number;
  weightDecay: number;
  /** Probability that a whole batch trains on the null condition (audiocraft 0.3). */
  condDropout: number;
  /** Global gradient-norm clip (audiocraft 1.0). */
  clipNorm: number;
  /** Validation every N steps (and at the last step); 0 = never. */
  evalEvery: number;
  /** Checkpoint every N steps (and at the last step / on stop); 0 = only at the end. */
  checkpointEvery: number;
  seed: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Held-out tail fraction per clip when there are fewer than 5 clips; 0 = no validation. */
  valFraction: number;
  /** Stop when loss > divergeFactor x its running average (and at least 1 nat above it). */
  divergeFactor: number;
  /**
   * Probability that a crop starts at the start of its clip instead of anywhere (0 = uniform).
   * Generation starts from nothing; a crop taken mid-clip never teaches what a piece's first
   * frames are, only how it goes on (pretraining on pieces that open on their tonic uses this).
   */
  headFraction: number;
  /**
   * A batch on the null condition keeps its rows' beat clocks and keys (those not dropped on their
   * own), so the LM learns to follow them with no text: what a continuation with an empty prompt
   * gives it. Off (the default, audiocraft's way): a null batch has no clock either.
   */
  nullKeepsClock?: boolean;
}

/**
 * Defaults for a full fine-tune of musicgen-small on a handful of clips: small peak lr (audiocraft
 * uses 1e-4 with batch 192; small batches want less), short warmup, 5 s crops (10 s+ crops
 * overflow WebGPU binding limits in attention, musicgen.md §1.7), 2 crops per step.
 */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  steps: 300,
  lr: 2e-5,
  warmup: 20,
  batchSize: 2,
  cropFrames: 250,
  weightDecay: 0.1,
  condDropout: 0.3,
  clipNorm: 1.0,
  evalEvery: 25,
  checkpointEvery: 50,
  seed: 0,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  valFraction: 0.1,
  divergeFactor: 10,
  headFraction: 0,
};

/**
 * Peak lr for LoRA runs: the adapters are few and start as a zero update (B = 0), so they want
 * about ten times a full fine-tune's lr (LoRA is commonly trained at 1e-4 to 2e-4).
 */
export const DEFAULT_LORA_LR = 2e-4;

/** Fill defaults and refuse nonsense (StudioError INTERNAL with the field named). */
export function resolveOptions(partial: Partial<TrainOptions> = {}): TrainOptions {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...partial };
  const bad = (field: string) => {
    throw new StudioError('TRAIN_INVALID', `training options: ${field} = ${JSON.stringify(o[field as keyof TrainOptions])} is out of range`);
  };
  const int = (k: Exclude<keyof TrainOptions, 'nullKeepsClock'>, min: number) => (Number.isInteger(o[k]) && o[k] >= min) || bad(k);
  int('steps', 1);
  int('warmup', 0);
  int('batchSize', 1);
  int('cropFrames', 2);
  int('evalEvery', 0);
  int('checkpointEvery', 0);
  int('seed', 0);
  if (!(o.lr > 0 && Number.isFinite(o.lr))) bad('lr');
  if (!(o.weightDecay >= 0 && o.weightDecay < 1)) bad('weightDecay');
  if (!(o.condDropout >= 0 && o.condDropout <= 1)) bad('condDropout');
  if (!(o.clipNorm > 0)) bad('clipNorm');
  if (!(o.beta1 >= 0 && o.beta1 < 1)) bad('beta1');
  if (!(o.beta2 >= 0 && o.beta2 < 1)) bad('beta2');
  if (!(o.eps > 0)) bad('eps');
  if (!(o.valFraction >= 0 && o.valFraction < 0.5)) bad('valFraction');
  if (!(o.divergeFactor > 1)) bad('divergeFactor');
  if (!(o.headFraction >= 0 && o.headFraction <= 1)) bad('headFraction');
  return o;
}
