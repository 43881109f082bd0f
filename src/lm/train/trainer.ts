/**
 * The fine-tuning loop: seeded crops -> batches (with condition dropout) -> trainStep, warmup +
 * cosine lr, periodic validation and checkpoints, pause / resume / stop, and a divergence guard.
 *
 * Divergence: a non-finite loss or gradient norm, or a loss above `divergeFactor` x its running
 * average (and at least 1 nat above it) stops the run: the weights and optimizer state are first
 * restored from the last good checkpoint (held in memory; the start state counts as one), then
 * StudioError('TRAIN_DIVERGED', 'training diverged ...') is thrown. Batches that trained on the null
 * condition have their own running average (unconditional loss is higher once captions are learnt).
 * Stopping (the signal) is not an error: the run ends after the current step, writes a final
 * checkpoint and resolves with `stopped: true`.
 *
 * LoRA: given a `Lora` (lora.ts, made by the caller with createLora / loadLora / loraFromCheckpoint
 * for `lm`), only its matrices are trained: gradients, AdamW moments, checkpoints and rollback
 * cover the adapters alone, and `lm`'s variables are left untouched. The caller keeps and
 * disposes the Lora. A model with an adapter merged into it (mergeLora) is refused.
 */
import { StudioError } from '../../errors/StudioError';
import { mulberry32 } from '../../util/rng';
import { mergedLora, withLora, type Lora } from '../lora';
import type { Lm } from '../model';
import { chromaLength } from '../melody';
import { AdamW } from './adamw';
import { checkClips, CLOCK_DROPOUT, CropSampler, MELODY_DROPOUT, disposeBatch, dropCondition, makeBatch, splitData, type BatchShape, type Crop, type TrainClip } from './batches';
import { applyCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint, type DataManifest, type Trainable } from './checkpoint';
import { resolveOptions, type TrainOptions } from './options';
import { lrAt } from './schedule';
import { evalLoss, trainStep } from './trainStep';

export interface TrainStepInfo {
  step: number; // 1-based update just applied
  steps: number;
  loss: number;
  /** Exponential moving average of the loss (0.9). */
  smoothLoss: number;
  /** Present on evaluation steps (when there is a validation set). */
  valLoss?: number;
  lr: number;
  gradNorm: number;
  /** This batch trained on the null condition. */
  condDropped: boolean;
  /** Valid target tokens per second of training compute (pauses and evals excluded). */
  tokensPerSecond: number;
  etaSeconds: number;
}

export interface TrainCallbacks {
  onStep?: (info: TrainStepInfo) => void;
  /** Awaited before the next step. */
  onCheckpoint?: (bytes: Uint8Array, step: number) => void | Promise<void>;
  /** Abort = stop after the current step (graceful, final checkpoint written). */
  signal?: AbortSignal;
  /** Recompute block activations in the backward pass (default true): the same result with less memory, ~20% slower. */
  recompute?: boolean;
}

export interface TrainResult {
  step: number;
  stopped: boolean;
  loss: number;
  valLoss?: number;
}

/** Running average of the loss (EMA 0.9) and how many losses it has seen. */
export interface RunningLoss {
  v: number;
  n: number;
}

/** The explosion test: loss over `factor` x its running average and at least 1 nat above it, once 5 losses are in. */
export const exploded = (run: RunningLoss, loss: number, factor: number): boolean => run.n >= 5 && loss > factor * run.v && loss - run.v > 1;

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export class Trainer {
  readonly options: TrainOptions;
  /** The step the trainable weights hold (a resumed run starts at its checkpoint's); null after a step failed midway. */
  weightsStep: number | null = 0;
  private gate: Promise<void> | null = null;
  private release: () => void = () => {};

  constructor(
    private readonly lm: Lm,
    private readonly clips: TrainClip[],
    options: Partial<TrainOptions> = {},
    private readonly callbacks: TrainCallbacks = {},
    private readonly resumeFrom?: Checkpoint,
    /** Train these adapters instead of the LM's weights. */
    private readonly lora?: Lora,
  ) {
    this.options = resolveOptions(options);
  }

  get paused(): boolean {
    return this.gate !== null;
  }

  pause(): void {
    if (!this.gate) this.gate = new Promise((r) => (this.release = r));
  }

  resume(): void {
    this.gate = null;
    this.release();
  }

  async run(): Promise<TrainResult> {
    const { lm, lora, clips, options: o, callbacks: cb } = this;
    if (mergedLora(lm)) throw new StudioError('TRAIN_INVALID', 'training: an adapter is merged into the model\'s weights; unmerge it first');
    const trainable: Trainable = lora ?? lm; // what gets gradients, optimizer state and checkpoints
    const shape: BatchShape = {
      codebooks: lm.config.codebooks, card: lm.config.card, textDim: lm.config.textDim,
      ...(lm.config.conditioning === 'prefix' ? { chroma: { bins: lm.config.chromaBins, length: chromaLength(lm.config) } } : {}),
    };
    const problem = checkClips(clips, shape);
    if (problem) throw new StudioError('TRAIN_INVALID', `training data: ${problem}`);
    const split = splitData(clips, { cropFrames: o.cropFrames, valFraction: o.valFraction });
    const manifest: DataManifest = { clips: clips.map((c) => ({ name: c.name, caption: c.caption, frames: c.frames })), holdout: split.holdout };
    const opt = new AdamW(trainable.named, { beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay });
    const stopped = () => cb.signal?.aborted === true;
    const aborted = new Promise<void>((r) => cb.signal?.addEventListener('abort', () => r(), { once: true }));
    try {
      let step = 0;
      if (this.resumeFrom) {
        if (JSON.stringify(this.resumeFrom.manifest.clips) !== JSON.stringify(manifest.clips)) {
          throw new StudioError('TRAIN_INVALID', 'training: the checkpoint was trained on different clips');
        }
        if (!!this.resumeFrom.lora !== !!lora) {
          throw new StudioError('TRAIN_INVALID', `training: the checkpoint is from a ${this.resumeFrom.lora ? 'LoRA' : 'full fine-tuning'} run, this run is ${lora ? 'LoRA' : 'full fine-tuning'}`);
        }
        applyCheckpoint(trainable, opt, this.resumeFrom);
        step = this.resumeFrom.step;
        this.weightsStep = step;
      }
      const sampler = new CropSampler(split.train, o.cropFrames, o.seed, o.headFraction);
      const dropRand = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
      // Clock dropout per row, from its own stream (drawn only when clips have clocks: runs without are as before).
      const clockRand = mulberry32((o.seed ^ 0x85ebca6b) >>> 0);
      const clocked = clips.some((c) => c.clock);
      const clockOff = () => (clocked ? Array.from({ length: o.batchSize }, () => clockRand() < CLOCK_DROPOUT) : undefined);
      // Melody dropout per row likewise (drawn only for melody LMs).
      const melodyRand = mulberry32((o.seed ^ 0xc2b2ae35) >>> 0);
      const melodyOff = () => (shape.chroma ? Array.from({ length: o.batchSize }, () => melodyRand() < MELODY_DROPOUT) : undefined);
      for (let s = 0; s < step; s++) (sampler.next(o.batchSize), dropCondition(dropRand, o.condDropout), clockOff(), melodyOff()); // same stream as an unbroken run
      let good = { bytes: await writeCheckpoint(trainable, opt, step, o, manifest), step };
      let savedStep = step;
      const avg: Record<'cond' | 'drop', RunningLoss> = { cond: { v: 0, n: 0 }, drop: { v: 0, n: 0 } };
      let smooth = NaN;
      let secPerStep = NaN;
      let tokPerSec = NaN;
      let loss = NaN;
      let valLoss: number | undefined;

      const save = async () => {
        const bytes = await writeCheckpoint(trainable, opt, step, o, manifest);
        good = { bytes, step };
        savedStep = step;
        await cb.onCheckpoint?.(bytes, step);
      };

      while (step < o.steps && !stopped()) {
        while (this.gate && !stopped()) await Promise.race([this.gate, aborted]);
        if (stopped()) break;
        const crops = sampler.next(o.batchSize);
        const dropped = dropCondition(dropRand, o.condDropout);
        const lr = lrAt(step, { lr: o.lr, warmup: o.warmup, total: o.steps });
        const t0 = performance.now();
        const batch = makeBatch(clips, crops, shape, { nullCond: dropped, clockOff: clockOff(), nullKeepsClock: o.nullKeepsClock, melodyOff: melodyOff() });
        let res;
        try {
          this.weightsStep = null; // until the step is through
          res = await trainStep(lm, opt, batch, lr, o.clipNorm, lora, cb.recompute ?? true);
        } finally {
          disposeBatch(batch);
        }
        const dt = (performance.now() - t0) / 1000;
        const run = dropped ? avg.drop : avg.cond;
        if (!res.applied || exploded(run, res.loss, o.divergeFactor)) {
          applyCheckpoint(trainable, opt, readCheckpoint(good.bytes, trainable));
          this.weightsStep = good.step;
          const why = res.applied ? `loss ${res.loss.toFixed(3)} is over ${o.divergeFactor}x its running average ${run.v.toFixed(3)}` : `loss ${res.loss} / gradient norm ${res.gradNorm} is not finite`;
          throw new StudioError('TRAIN_DIVERGED', `training diverged at step ${step + 1}: ${why}; weights and optimizer were restored to step ${good.step}`);
        }
        step++;
        this.weightsStep = step;
        loss = res.loss;
        run.v = run.n === 0 ? loss : 0.9 * run.v + 0.1 * loss;
        run.n++;
        smooth = Number.isNaN(smooth) ? loss : 0.9 * smooth + 0.1 * loss;
        secPerStep = Number.isNaN(secPerStep) ? dt : 0.9 * secPerStep + 0.1 * dt;
        tokPerSec = batch.tokens / secPerStep;
        let stepVal: number | undefined;
        if (split.val.length > 0 && o.evalEvery > 0 && (step % o.evalEvery === 0 || step === o.steps)) {
          stepVal = valLoss = await this.validate(split.val, shape);
        }
        cb.onStep?.({
          step, steps: o.steps, loss, smoothLoss: smooth, valLoss: stepVal, lr, gradNorm: res.gradNorm, condDropped: dropped,
          tokensPerSecond: tokPerSec, etaSeconds: (o.steps - step) * secPerStep,
        });
        if ((o.checkpointEvery > 0 && step % o.checkpointEvery === 0) || step === o.steps) await save();
        await tick();
      }
      if (step > savedStep) await save(); // stopped early: keep what was learnt
      return { step, stopped: step < o.steps, loss, valLoss };
    } finally {
      opt.dispose();
    }
  }

  /** Token-weighted mean loss over the validation crops (conditioned, no dropout). */
  private async validate(val: Crop[], shape: BatchShape): Promise<number> {
    let sum = 0;
    let count = 0;
    const model = this.lora ? withLora(this.lm, this.lora) : this.lm;
    for (let i = 0; i < val.length; i += this.options.batchSize) {
      const batch = makeBatch(this.clips, val.slice(i, i + this.options.batchSize), shape);
      try {
        sum += (await evalLoss(model, batch)) * batch.tokens;
        count += batch.tokens;
      } finally {
        disposeBatch(batch);
      }
    }
    return sum / Math.max(1, count);
  }
}

/** Run a whole fine-tune (use `new Trainer(...)` directly for pause / resume); with `lora`, of its adapters only. */
export function train(lm: Lm, clips: TrainClip[], options: Partial<TrainOptions> = {}, callbacks: TrainCallbacks = {}, resumeFrom?: Checkpoint, lora?: Lora): Promise<TrainResult> {
  return new Trainer(lm, clips, options, callbacks, resumeFrom, lora).run();
}
