// Device harness, musicgen-small shape: the fused decoding step (src/lm/webgpu) against tfjs's own
// WebGPU ops, and a LoRA training step (r 16, default targets), for gpuBench.ts's big section.
import * as tf from '@tensorflow/tfjs';
import { generate, type Lm, type LmCondition } from '../../src/lm';
import { createLora, disposeLora } from '../../src/lm/lora';
import { AdamW, disposeBatch, makeBatch, trainStep, type TrainClip } from '../../src/lm/train';
import { FusedStep } from '../../src/lm/webgpu/fusedStep';
import { compareFused } from '../../src/lm/webgpu/selfCheck';
import { gaussian, mulberry32 } from '../../src/util/rng';

export interface FusedRun { checkCols: number; maxDiff: number; peak: number; prefillMs: number; batchedPrefillMs: number; stepMs: number; steps: number }

/**
 * The fused step vs tfjs's ops on a few seeded columns (selfCheck.ts), then its time after a
 * `prefix`-column prefill: column by column (prefillMs) and in tfjs's batched pass (batchedPrefillMs,
 * what a continuation prompt gets), each with the first new column's logits read back.
 */
export async function fusedRun(lm: Lm, cond: LmCondition, prefix: number, steps: number): Promise<FusedRun> {
  const R = cond.textMask.shape[0];
  const check = await compareFused(lm); // the engine's load-time self-test
  if (!check) throw new Error('the fused step does not apply here');
  const { columns: checkCols, maxDiff, peak } = check;
  const K = lm.config.codebooks;
  const fused = await FusedStep.create(lm, cond, prefix + steps + 2);
  const zero = new Int32Array(R * K);
  let t = performance.now();
  for (let i = 0; i < prefix; i++) await fused.column(zero, i === prefix - 1);
  const prefillMs = performance.now() - t;
  const batched = await FusedStep.create(lm, cond, prefix + 2);
  await batched.prefill(new Int32Array(R * K * 8), 8); // tfjs's kernels for a batched pass compiled
  batched.dispose();
  const again = await FusedStep.create(lm, cond, prefix + 2);
  t = performance.now();
  await again.prefill(new Int32Array(R * K * prefix), prefix);
  await again.column(zero, true);
  const batchedPrefillMs = performance.now() - t;
  again.dispose();
  await fused.column(zero, true); // warm
  t = performance.now();
  for (let i = 0; i < steps; i++) await fused.column(zero, true);
  const stepMs = (performance.now() - t) / steps;
  fused.dispose();
  return { checkCols, maxDiff, peak, prefillMs, batchedPrefillMs, stepMs, steps };
}

export interface KindTiming { kind: string; dispatches: number; withoutMs: number; onlyMs: number }

/**
 * Where a fused step's time goes, by ablation (no timestamp queries needed): ms per column of the
 * whole plan, of the plan without each kind of dispatch and with only that kind, and of an empty
 * plan (submission and readback alone). The numbers computed are meaningless while a kind is left
 * out; the times are what the GPU spends. Columns after a `prefix`-position cache (not computed).
 */
export async function fusedBreakdown(lm: Lm, cond: LmCondition, prefix: number, columns = 40): Promise<{ allMs: number; emptyMs: number; kinds: KindTiming[] }> {
  const R = cond.textMask.shape[0];
  const fused = await FusedStep.create(lm, cond, prefix + columns + 1);
  const zero = new Int32Array(R * lm.config.codebooks);
  const full = [...fused.plan];
  const time = async (keep: (kind: string) => boolean): Promise<number> => {
    fused.plan.length = 0;
    fused.plan.push(...full.filter((d) => keep(d.kind)));
    fused.length = prefix;
    await fused.column(zero, true); // warm: pipelines in use, caches
    fused.length = prefix;
    const t = performance.now();
    for (let i = 0; i < columns; i++) await fused.column(zero, i === columns - 1);
    return (performance.now() - t) / columns;
  };
  try {
    const allMs = await time(() => true);
    const emptyMs = await time(() => false);
    const kinds: KindTiming[] = [];
    for (const kind of [...new Set(full.map((d) => d.kind))]) {
      kinds.push({ kind, dispatches: full.filter((d) => d.kind === kind).length, withoutMs: await time((k) => k !== kind), onlyMs: await time((k) => k === kind) });
    }
    return { allMs, emptyMs, kinds };
  } finally {
    fused.plan.length = 0;
    fused.plan.push(...full);
    fused.dispose();
  }
}

export interface LoraTrainRun { rank: number; params: number; frames: number; firstStepMs: number; stepMs: number; steps: number; loss: number }

/** LoRA fine-tuning step (trainStep with an adapter: recompute on, AdamW over the adapter only), batch 2 × `frames`. */
export async function loraTrainRun(lm: Lm, frames: number, steps: number): Promise<LoraTrainRun> {
  const { codebooks: K, card, textDim } = lm.config;
  const rand = mulberry32(11);
  const clip = (name: string): TrainClip => ({
    name, caption: name, frames: frames + 10,
    codes: Int32Array.from({ length: K * (frames + 10) }, () => Math.floor(rand() * card)),
    text: { states: Float32Array.from({ length: 12 * textDim }, () => gaussian(rand)), tokens: 12 },
  });
  const batch = makeBatch([clip('a'), clip('b')], [{ clip: 0, start: 0, frames }, { clip: 1, start: 10, frames }], { codebooks: K, card, textDim });
  const lora = createLora(lm, { rank: 16 });
  const opt = new AdamW(lora.named);
  try {
    let t = performance.now();
    const first = await trainStep(lm, opt, batch, 2e-4, 1, lora);
    const firstStepMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < steps; i++) await trainStep(lm, opt, batch, 2e-4, 1, lora);
    const stepMs = (performance.now() - t) / steps;
    const params = [...lora.named.values()].reduce((a, v) => a + v.size, 0);
    return { rank: 16, params, frames, firstStepMs, stepMs, steps, loss: first.loss };
  } finally {
    opt.dispose();
    disposeLora(lora);
    disposeBatch(batch);
  }
}

/** The studio's generate() (fused on WebGPU) for one prompt: CFG 3, top-k 250, `frames` frames; ms per frame, sampling included. */
export async function generateRun(lm: Lm, frames: number, promptFrames = 0): Promise<{ frames: number; ms: number; msPerFrame: number }> {
  const textStates = tf.randomNormal([1, 12, lm.config.textDim], 0, 1, 'float32', 4) as tf.Tensor3D; // [1, 12, textDim]
  const textMask = tf.ones([1, 12]) as tf.Tensor2D;
  try {
    await generate(lm, { textStates, textMask, frames: 4, cfg: 3, topK: 250, seed: 1 }); // pipelines compiled
    const t = performance.now();
    const { codebooks: K, card } = lm.config;
    const prompt = promptFrames ? { codes: Int32Array.from({ length: K * promptFrames }, (_, i) => (i * 37) % card), frames: promptFrames } : undefined;
    await generate(lm, { textStates, textMask, frames, cfg: 3, topK: 250, seed: 1, ...(prompt ? { prompt } : {}) });
    const ms = performance.now() - t;
    return { frames, ms, msPerFrame: ms / frames };
  } finally {
    tf.dispose([textStates, textMask]);
  }
}
