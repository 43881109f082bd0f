import { describe, expect, it } from 'vitest';
import { parseLmConfig } from './config';
import { estimateTraining, paramCount } from './memory';
import { createLora, disposeLora, loraParamCount } from './lora';
import { disposeLm } from './model';
import { peakBytes as peakOf } from './testdata/peakBytes';
import { useTfLeakCheck } from './testdata/tfLeakCheck';
import { AdamW } from './train/adamw';
import { disposeBatch, makeBatch } from './train/batches';
import { randomClip } from './train/testUtil';
import { trainStep } from './train/trainStep';
import { initLm } from './weights';

useTfLeakCheck();

// Not one of the configs ACTIVATION_FIT was fitted on (those varied dim, ffn, heads, card, layers one at a time).
const cfg = parseLmConfig({ dim: 48, layers: 2, heads: 3, ffn: 160, codebooks: 3, card: 40, textDim: 12, maxPositions: 64 });
const shape = { codebooks: cfg.codebooks, card: cfg.card, textDim: cfg.textDim };

describe('training memory estimate', () => {
  for (const [method, recompute] of [['full', true], ['lora', true], ['full', false], ['lora', false]] as const) {
    it(`covers the measured peak of a real training step, within 50% (${method}${recompute ? ', recomputing blocks' : ''})`, async () => {
      const lm = initLm(cfg, 3);
      const lora = method === 'lora' ? createLora(lm, { rank: 4 }, 1) : undefined;
      const opt = new AdamW(lora ? lora.named : lm.named);
      const clips = [randomClip('a', 1, 40, cfg, 5)];
      const batch = makeBatch(clips, [0, 3, 6].map((start) => ({ clip: 0, start, frames: 30 })), shape);
      let peak = 0;
      try {
        // The first step also creates the AdamW moments; the second is a steady step.
        const step = () => trainStep(lm, opt, batch, 1e-3, 1, lora, recompute);
        peak = Math.max(await peakOf(step), await peakOf(step));
      } finally {
        disposeBatch(batch);
        opt.dispose();
        if (lora) disposeLora(lora);
        disposeLm(lm);
      }
      const trainableParams = lora ? loraParamCount(cfg, lora.config) : paramCount(cfg);
      const est = estimateTraining(cfg, { batch: 3, cropFrames: 30, textTokens: 5, trainableParams, method, recompute });
      const tensors = est.optimizerBytes + est.activationBytes; // the checkpoint is JS bytes, not tensors
      expect(tensors).toBeGreaterThanOrEqual(peak);
      expect(tensors).toBeLessThan(1.5 * peak);
    });
  }

  it('musicgen-small: a full fine-tune does not fit tfjs-wasm\'s heap, LoRA on one 1 s crop does; cost grows with batch and crop', () => {
    const small = parseLmConfig({ dim: 1024, layers: 24, heads: 16, ffn: 4096, codebooks: 4, card: 2048, textDim: 768, maxPositions: 1504 });
    const s = { batch: 2, cropFrames: 250, textTokens: 64, recompute: true };
    const full = estimateTraining(small, { ...s, trainableParams: paramCount(small), method: 'full' });
    const lora = estimateTraining(small, { ...s, trainableParams: loraParamCount(small, { rank: 16 }), method: 'lora' });
    expect(full.weightsBytes + full.optimizerBytes + full.checkpointBytes).toBeGreaterThan(3.5 * 2 ** 30);
    expect(lora.optimizerBytes).toBeLessThan(full.optimizerBytes / 10);
    const oneCrop = estimateTraining(small, { ...s, batch: 1, cropFrames: 50, trainableParams: loraParamCount(small, { rank: 16 }), method: 'lora' });
    expect(oneCrop.totalBytes).toBeLessThan(3.5 * 2 ** 30);
    expect(estimateTraining(small, { ...s, batch: 1, cropFrames: 50, trainableParams: loraParamCount(small, { rank: 16 }), method: 'lora', recompute: false }).totalBytes)
      .toBeGreaterThan(3.5 * 2 ** 30); // without recomputation it would not
    const at = (batch: number, cropFrames: number) => estimateTraining(small, { ...s, batch, cropFrames, trainableParams: 1, method: 'full' }).activationBytes;
    expect(at(4, 250) / at(2, 250)).toBeCloseTo(2, 6);
    expect(at(2, 500) / at(2, 250)).toBeGreaterThan(2); // attention scores grow with the square
  });
});
