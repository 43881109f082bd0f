import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../errors/StudioError';
import { parseLmConfig } from '../config';
import { createLora, disposeLora, mergeLora, unmergeLora, type Lora } from '../lora';
import { disposeLm } from '../model';
import { readSafetensors } from '../safetensors';
import { useTfLeakCheck } from '../testdata/tfLeakCheck';
import { initLm } from '../weights';
import { AdamW } from './adamw';
import { disposeBatch, makeBatch } from './batches';
import { loraFromCheckpoint, readCheckpoint } from './checkpoint';
import { randomClip } from './testUtil';
import { train, type TrainStepInfo } from './trainer';
import { trainStep } from './trainStep';

useTfLeakCheck();

const cfg = parseLmConfig({ dim: 32, layers: 2, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64 });
const T = 16;
const clips = () => [randomClip('a', 1, T, cfg), randomClip('b', 2, T, cfg), randomClip('c', 3, T, cfg, 0)];
const opts = { steps: 40, lr: 1e-2, warmup: 4, batchSize: 2, cropFrames: T, condDropout: 0, valFraction: 0, evalEvery: 0, checkpointEvery: 20, seed: 3 };

async function snapshot(vars: Map<string, tf.Variable>): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const [n, v] of vars) out.set(n, new Uint8Array(((await v.data()) as Float32Array).slice().buffer));
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

describe('LoRA training', () => {
  it('trainStep: gradients and AdamW state for the adapters only', async () => {
    const lm = initLm(cfg, 7);
    const lora = createLora(lm, { rank: 4 }, 1);
    const opt = new AdamW(lora.named);
    const base = await snapshot(lm.named);
    const batch = makeBatch(clips(), [{ clip: 0, start: 0, frames: T }, { clip: 1, start: 0, frames: T }], { codebooks: 4, card: 16, textDim: 8 });
    const res = await trainStep(lm, opt, batch, 1e-2, 1, lora);
    disposeBatch(batch);
    expect(res.applied).toBe(true);
    expect(opt.names().sort()).toEqual([...lora.named.keys()].sort());
    const state = await opt.state();
    expect([...state.m.keys()].every((n) => n.includes('.lora_'))).toBe(true);
    expect([...state.m.values()].some((m) => m.some((x) => x !== 0))).toBe(true);
    for (const [n, bytes] of await snapshot(lm.named)) expect(bytes, n).toEqual(base.get(n));
    opt.dispose();
    disposeLora(lora);
    disposeLm(lm);
  });

  it('a few dozen steps lower the loss, change only A / B, and checkpoint only the adapters', async () => {
    const lm = initLm(cfg, 7);
    const lora = createLora(lm, {}, 1); // defaults: r 16, alpha 32, §1.6 targets
    const base = await snapshot(lm.named);
    const start = await snapshot(lora.named);
    const infos: TrainStepInfo[] = [];
    const counts: number[] = [];
    const ckpts = new Map<number, Uint8Array>();
    const res = await train(lm, clips(), opts, {
      onStep: (i) => (infos.push(i), counts.push(tf.memory().numTensors)),
      onCheckpoint: (bytes, step) => void ckpts.set(step, bytes),
    }, undefined, lora);
    expect(res.step).toBe(40);
    const first = mean(infos.slice(0, 5).map((i) => i.loss));
    const last = mean(infos.slice(-5).map((i) => i.loss));
    console.log(`LoRA loss: first 5 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.8);
    expect(new Set(counts.slice(1)).size).toBe(1); // memory flat after the first step
    // base weights byte-identical; every adapter matrix moved
    for (const [n, bytes] of await snapshot(lm.named)) expect(bytes, n).toEqual(base.get(n));
    for (const [n, bytes] of await snapshot(lora.named)) expect(bytes, n).not.toEqual(start.get(n));
    // checkpoints: adapters + their moments, adapter metadata, no base weight
    expect([...ckpts.keys()]).toEqual([20, 40]);
    const { tensors, metadata } = readSafetensors(ckpts.get(40)!);
    const names = [...lora.named.keys()].sort();
    expect([...tensors.keys()].sort()).toEqual([...names, ...names.map((n) => `optimizer.m.${n}`), ...names.map((n) => `optimizer.v.${n}`)].sort());
    expect(metadata).toMatchObject({ 'studio.lora': '1', rank: '16', alpha: '32' });
    const ckpt = readCheckpoint(ckpts.get(40)!, lora);
    expect(ckpt.lora).toEqual(lora.config);
    // a LoRA checkpoint is refused as a full one and vice versa
    expect(() => readCheckpoint(ckpts.get(40)!, lm)).toThrow(/holds LoRA adapters/);
    // the adapters in it equal the trained ones
    const back = loraFromCheckpoint(lm, ckpts.get(40)!);
    for (const [n, v] of lora.named) expect(Array.from(await back.named.get(n)!.data()), n).toEqual(Array.from(await v.data()));
    [lora, back].forEach(disposeLora);
    disposeLm(lm);
  });

  it('LoRA dropout: two runs agree bit for bit, differ from a run without it, and the checkpoint carries it', async () => {
    const lm = initLm(cfg, 7);
    const o = { ...opts, steps: 3, checkpointEvery: 3 };
    const run = async (dropout: number) => {
      const lora = createLora(lm, { rank: 4, dropout }, 1);
      let ckpt!: Uint8Array;
      await train(lm, clips(), o, { onCheckpoint: (bytes) => void (ckpt = bytes) }, undefined, lora);
      const values = await snapshot(lora.named);
      disposeLora(lora);
      return { values, ckpt };
    };
    const [a, b, none] = [await run(0.3), await run(0.3), await run(0)];
    for (const [n, bytes] of a.values) {
      expect(bytes, n).toEqual(b.values.get(n));
    }
    expect([...a.values].some(([n, bytes]) => n.includes('lora_A') && bytes.some((x, i) => x !== none.values.get(n)![i]))).toBe(true);
    expect(readSafetensors(a.ckpt).metadata).toMatchObject({ dropout: '0.3' });
    expect(readSafetensors(none.ckpt).metadata.dropout).toBeUndefined(); // runs without dropout write what they always wrote
    disposeLm(lm);
  });

  for (const dropout of [0, 0.3]) it(`resuming a LoRA checkpoint continues exactly like an unbroken run (dropout ${dropout})`, async () => {
    const lm = initLm(cfg, 7);
    const o = { ...opts, steps: 6, checkpointEvery: 3 };
    const a = createLora(lm, { rank: 4, dropout }, 1);
    const saved = new Map<number, Uint8Array>();
    await train(lm, clips(), o, { onCheckpoint: (bytes, step) => void saved.set(step, bytes) }, undefined, a);
    const b: Lora = loraFromCheckpoint(lm, saved.get(3)!); // adapter config (dropout too) and step-3 values from the file
    expect(b.config).toEqual(a.config);
    const res = await train(lm, clips(), o, {}, readCheckpoint(saved.get(3)!, b), b);
    expect(res.step).toBe(6);
    for (const [n, v] of a.named) expect(Array.from(await b.named.get(n)!.data()), n).toEqual(Array.from(await v.data()));
    // a full-fine-tuning run cannot resume a LoRA checkpoint, nor a LoRA run a full one
    const ckpt = readCheckpoint(saved.get(3)!);
    await expect(train(lm, clips(), o, {}, ckpt)).rejects.toThrow(/checkpoint is from a LoRA run/);
    const other = createLora(lm, { rank: 2 }, 1);
    expect(() => readCheckpoint(saved.get(3)!, other)).toThrow(/its adapter is/);
    [a, b, other].forEach(disposeLora);
    disposeLm(lm);
  });

  it('refuses to train a model with an adapter merged into it', async () => {
    const lm = initLm(cfg, 7);
    const lora = createLora(lm, { rank: 2 }, 1);
    mergeLora(lm, lora);
    const err = await train(lm, clips(), opts, {}, undefined, lora).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('TRAIN_INVALID');
    expect((err as StudioError).detail).toMatch(/merged/);
    unmergeLora(lm);
    disposeLora(lora);
    disposeLm(lm);
  });
});
