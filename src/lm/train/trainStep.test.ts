import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeLm } from '../model';
import { useTfLeakCheck } from '../testdata/tfLeakCheck';
import { initLm } from '../weights';
import { AdamW } from './adamw';
import { disposeBatch, makeBatch } from './batches';
import { randomClip, tinyTrainConfig } from './testUtil';
import { evalLoss, trainStep } from './trainStep';

useTfLeakCheck();

const cfg = tinyTrainConfig();
const shape = { codebooks: cfg.codebooks, card: cfg.card, textDim: cfg.textDim };

describe('trainStep', () => {
  it('starts about ln(card), lowers the loss on the same batch, frees everything', async () => {
    const lm = initLm(cfg, 3);
    const opt = new AdamW(lm.named);
    const clips = [randomClip('a', 1, 10, cfg), randomClip('b', 2, 10, cfg)];
    const batch = makeBatch(clips, [{ clip: 0, start: 0, frames: 10 }, { clip: 1, start: 2, frames: 8 }], shape);
    const before = await evalLoss(lm, batch);
    expect(Math.abs(before - Math.log(cfg.card))).toBeLessThan(1.5); // random init: about ln(card)
    const first = await trainStep(lm, opt, batch, 1e-2, 1);
    expect(first.applied).toBe(true);
    expect(first.loss).toBeCloseTo(before, 5);
    expect(first.gradNorm).toBeGreaterThan(0);
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await trainStep(lm, opt, batch, 1e-2, 1);
    expect(tf.memory().numTensors).toBe(n);
    expect(await evalLoss(lm, batch)).toBeLessThan(before - 0.3);
    disposeBatch(batch);
    opt.dispose();
    disposeLm(lm);
  });

  it('skips the update when the loss is not finite', async () => {
    const lm = initLm(cfg, 3);
    const opt = new AdamW(lm.named);
    const clip = randomClip('a', 1, 6, cfg);
    clip.text!.states[0] = NaN;
    const batch = makeBatch([clip], [{ clip: 0, start: 0, frames: 6 }], shape);
    const w = Array.from(await lm.named.get('decoder.lm_heads.0.weight')!.data());
    const res = await trainStep(lm, opt, batch, 1e-2, 1);
    expect(res.applied).toBe(false);
    expect(Number.isNaN(res.loss)).toBe(true);
    expect(opt.t).toBe(0);
    expect(Array.from(await lm.named.get('decoder.lm_heads.0.weight')!.data())).toEqual(w);
    disposeBatch(batch);
    opt.dispose();
    disposeLm(lm);
  });
});
