import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../errors/StudioError';
import { generate } from '../generate';
import { disposeLm } from '../model';
import { useTfLeakCheck } from '../testdata/tfLeakCheck';
import { initLm } from '../weights';
import { readCheckpoint } from './checkpoint';
import { randomClip, tinyTrainConfig } from './testUtil';
import { exploded, Trainer, train, type TrainStepInfo } from './trainer';

useTfLeakCheck();

const cfg = tinyTrainConfig();

describe('trainer', () => {
  it('learns: overfits two captioned sequences; greedy generation follows the caption', async () => {
    const T = 16;
    const clips = [randomClip('a', 1, T, cfg), randomClip('b', 2, T, cfg)];
    const lm = initLm(cfg, 7);
    const infos: TrainStepInfo[] = [];
    let counts: number[] = [];
    const t0 = performance.now();
    await train(lm, clips, { steps: 100, lr: 3e-3, warmup: 10, batchSize: 2, cropFrames: T, valFraction: 0, evalEvery: 0, checkpointEvery: 0, seed: 3 }, {
      onStep: (i) => {
        infos.push(i);
        counts.push(tf.memory().numTensors);
      },
    });
    const trainSec = (performance.now() - t0) / 1000;
    const first = infos.slice(0, 5).reduce((a, i) => a + i.loss, 0) / 5;
    const last = infos.slice(-5).reduce((a, i) => a + i.loss, 0) / 5;
    console.log(`learning curve (every 10th step): ${infos.filter((_, k) => k % 10 === 0 || k === 99).map((i) => `${i.step}:${i.loss.toFixed(3)}${i.condDropped ? 'u' : ''}`).join(' ')}; ${trainSec.toFixed(1)} s`);
    expect(last).toBeLessThan(first * 0.4);
    expect(new Set(counts.slice(1)).size).toBe(1); // memory flat after the first step
    counts = [];
    const matches = async (text: number, cfgCoef: number) => {
      const c = clips[text];
      const textStates = tf.tensor3d(c.text!.states, [1, 3, cfg.textDim]);
      const textMask = tf.ones([1, 3]) as tf.Tensor2D;
      const out = await generate(lm, { textStates, textMask, frames: T, cfg: cfgCoef, temperature: 0 });
      tf.dispose([textStates, textMask]);
      const same = (ref: Int32Array) => out.reduce((a, x, i) => a + (x === ref[i] ? 1 : 0), 0);
      return [same(clips[0].codes), same(clips[1].codes)];
    };
    for (const coef of [1, 3]) {
      const [aa, ab] = await matches(0, coef);
      const [ba, bb] = await matches(1, coef);
      console.log(`cfg ${coef}: caption A matches A ${aa}/32, B ${ab}/32; caption B matches A ${ba}/32, B ${bb}/32`);
      expect(aa).toBeGreaterThan(ab + 8);
      expect(bb).toBeGreaterThan(ba + 8);
    }
    disposeLm(lm);
  });

  it('reports progress, validates, checkpoints; pause/resume and stop', async () => {
    const clips = [randomClip('a', 1, 20, cfg), randomClip('b', 2, 20, cfg, 0)];
    const lm = initLm(cfg, 7);
    const ctl = new AbortController();
    const infos: TrainStepInfo[] = [];
    const ckpts: number[] = [];
    let trainer!: Trainer;
    trainer = new Trainer(lm, clips, { steps: 50, lr: 1e-3, warmup: 2, batchSize: 2, cropFrames: 8, evalEvery: 2, checkpointEvery: 3 }, {
      signal: ctl.signal,
      onStep: (i) => {
        infos.push(i);
        if (i.step === 4) {
          trainer.pause();
          setTimeout(() => trainer.resume(), 20);
        }
        if (i.step === 7) ctl.abort();
      },
      onCheckpoint: (bytes, step) => {
        ckpts.push(step);
        expect(readCheckpoint(bytes, lm).step).toBe(step);
      },
    });
    const res = await trainer.run();
    expect(res).toMatchObject({ step: 7, stopped: true });
    expect(ckpts).toEqual([3, 6, 7]);
    expect(infos.map((i) => i.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(infos[1].valLoss).toBeGreaterThan(0);
    expect(infos[0].valLoss).toBeUndefined();
    for (const i of infos) {
      expect(i.lr).toBeGreaterThan(0);
      expect(i.tokensPerSecond).toBeGreaterThan(0);
      expect(i.etaSeconds).toBeGreaterThan(0);
    }
    disposeLm(lm);
  });

  it('resuming from a checkpoint continues exactly like an unbroken run', async () => {
    const clips = [randomClip('a', 1, 20, cfg), randomClip('b', 2, 20, cfg, 0)];
    const opts = { steps: 6, lr: 1e-3, warmup: 2, batchSize: 2, cropFrames: 8, checkpointEvery: 3, evalEvery: 0, seed: 5 };
    const a = initLm(cfg, 7);
    const saved = new Map<number, Uint8Array>();
    await train(a, clips, opts, { onCheckpoint: (bytes, step) => void saved.set(step, bytes) });
    const b = initLm(cfg, 99);
    const res = await train(b, clips, opts, {}, readCheckpoint(saved.get(3)!, b));
    expect(res.step).toBe(6);
    for (const [name, v] of a.named) expect(Array.from(await b.named.get(name)!.data())).toEqual(Array.from(await v.data()));
    const other = [clips[0], randomClip('c', 3, 20, cfg)];
    await expect(train(b, other, opts, {}, readCheckpoint(saved.get(3)!, b))).rejects.toThrow(/different clips/);
    disposeLm(a);
    disposeLm(b);
  });

  it('explosion test: 10x the running average, at least 1 nat above it, after 5 losses', () => {
    expect(exploded({ v: 0.5, n: 5 }, 5.1, 10)).toBe(true);
    expect(exploded({ v: 0.5, n: 5 }, 4.9, 10)).toBe(false);
    expect(exploded({ v: 0.5, n: 4 }, 50, 10)).toBe(false);
    expect(exploded({ v: 0.01, n: 50 }, 0.9, 10)).toBe(false); // 90x but under 1 nat: noise near zero
  });

  it('a NaN loss rolls back to the last checkpoint and throws', async () => {
    const clips = [randomClip('a', 1, 12, cfg), randomClip('b', 2, 12, cfg)];
    const lm = initLm(cfg, 7);
    let saved: Uint8Array | null = null;
    const run = train(lm, clips, { steps: 30, lr: 1e-3, batchSize: 2, cropFrames: 8, condDropout: 0, checkpointEvery: 5, valFraction: 0 }, {
      onCheckpoint: (bytes) => void (saved = bytes),
      onStep: (i) => {
        if (i.step === 7) for (const c of clips) c.text!.states.fill(NaN);
      },
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).detail).toMatch(/diverged at step 8.*restored to step 5/);
    const ckpt = readCheckpoint(saved!, lm);
    for (const [name, v] of lm.named) expect(Array.from(await v.data())).toEqual(Array.from(ckpt.weights.get(name)!.data));
    disposeLm(lm);
  });
});
