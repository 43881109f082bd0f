import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseLmConfig } from './config';
import { generateLong } from './generateLong';
import { melodyIndices, melodyTensor, type MelodyChroma } from './melody';
import { disposeLm } from './model';
import { useTfLeakCheck } from './testdata/tfLeakCheck';
import { disposeBatch, makeBatch } from './train/batches';
import { randomClip } from './train/testUtil';
import { train } from './train/trainer';
import { initLm } from './weights';

useTfLeakCheck();

const melody = (classes: number[]): MelodyChroma => ({ argmax: Uint8Array.from(classes), hopSeconds: 0.5 });
// A tiny melody LM (prefix conditioning): 8 chroma frames + 3 text tokens + the sequence fit in 64 positions.
const cfg = parseLmConfig({ dim: 32, layers: 2, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, conditioning: 'prefix', chromaLength: 8 });

describe('melody chroma for prefix-mode LMs (Hugging Face tiling)', () => {
  it('tiles a short melody, cuts a long one, starts where a window starts, and is the null melody when absent or used up', () => {
    expect([...melodyIndices(melody([4, 7, 11]), 8)]).toEqual([4, 7, 11, 4, 7, 11, 4, 7]);
    expect([...melodyIndices(melody([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...melodyIndices(melody([1, 2, 3, 4, 5, 6]), 4, 1.0)]).toEqual([3, 4, 5, 6]); // 1 s in at 0.5 s per frame
    expect([...melodyIndices(undefined, 4)]).toEqual([0, 0, 0, 0]);
    expect([...melodyIndices(melody([1, 2]), 3, 5)]).toEqual([0, 0, 0]);
    const t = melodyTensor([Int32Array.from([2, 0]), Int32Array.from([1, 1])], 3); // [2, 2, 3]
    expect(t.shape).toEqual([2, 2, 3]);
    expect(Array.from(t.dataSync())).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0]);
    t.dispose();
  });

  it('a melody LM generates with the melody it is given (another melody, other codes), and trains (with the null melody)', async () => {
    const lm = initLm(cfg, 3);
    const textStates = tf.randomNormal([1, 3, 8], 0, 1, 'float32', 5) as tf.Tensor3D;
    const textMask = tf.ones([1, 3]) as tf.Tensor2D;
    const take = (m: MelodyChroma | undefined) => generateLong(lm, {
      textStates, textMask, frames: 12, cfg: 3, seed: 9,
      chromaAt: () => melodyTensor([melodyIndices(m, 8)], 12),
    });
    const [a, b, a2, none] = [await take(melody([0, 4, 7])), await take(melody([9, 1, 5, 2])), await take(melody([0, 4, 7])), await take(undefined)];
    expect(a).toEqual(a2); // seeded
    expect(a).not.toEqual(b);
    expect(none).not.toEqual(a);
    const steps: number[] = [];
    await train(lm, [randomClip('a', 1, 12, cfg), randomClip('b', 2, 12, cfg)], { steps: 2, batchSize: 2, cropFrames: 10, valFraction: 0, evalEvery: 0, checkpointEvery: 0 }, {
      onStep: (i) => void steps.push(i.step),
    });
    expect(steps).toEqual([1, 2]);
    tf.dispose([textStates, textMask]);
    disposeLm(lm);
  });

  it('batches give each row its crop\'s part of its clip\'s melody, the null melody where dropped', () => {
    const clip = { ...randomClip('a', 1, 20, cfg), melody: { ...melody([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), frameRate: 2 } }; // a chroma frame per codec frame
    const shape = { codebooks: 4, card: 16, textDim: 8, chroma: { bins: 12, length: 3 } };
    const crops = [{ clip: 0, start: 0, frames: 4 }, { clip: 0, start: 4, frames: 4 }, { clip: 0, start: 2, frames: 4 }];
    const pitch = (b: ReturnType<typeof makeBatch>) => {
      const d = b.cond.chroma!.argMax(2); // [B, Tc]
      const out = Array.from(d.dataSync());
      d.dispose();
      return out;
    };
    let b = makeBatch([clip], crops, shape, { melodyOff: [false, false, true] });
    expect(pitch(b)).toEqual([1, 2, 3, 5, 6, 7, 0, 0, 0]); // 4 frames at 2/s = 2 s = 4 chroma frames in
    disposeBatch(b);
    b = makeBatch([clip], crops, shape, { nullCond: true });
    expect(pitch(b)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    disposeBatch(b);
  });

  it('fine-tuned on two clips with one caption and two melodies, a melody LM plays the clip whose melody it is given', async () => {
    const T = 12;
    const tune = (name: string, seed: number, classes: number[]) => ({ ...randomClip(name, seed, T, cfg), melody: { ...melody(classes), frameRate: 2 } });
    const [a, b] = [tune('a', 1, [0, 4, 7, 0, 4, 7]), tune('b', 2, [9, 2, 5, 9, 2, 5])];
    b.text = a.text; // the same caption: only the melody tells them apart
    const lm = initLm(cfg, 7);
    await train(lm, [a, b], { steps: 120, lr: 3e-3, warmup: 10, batchSize: 2, cropFrames: T, valFraction: 0, evalEvery: 0, checkpointEvery: 0, seed: 3, condDropout: 0 });
    const textStates = tf.tensor3d(a.text!.states, [1, 3, 8]);
    const textMask = tf.ones([1, 3]) as tf.Tensor2D;
    const follow = async (m: MelodyChroma) => generateLong(lm, { textStates, textMask, frames: T, cfg: 1, temperature: 0, chromaAt: () => melodyTensor([melodyIndices(m, 8)], 12) });
    const same = (x: Int32Array, ref: Int32Array) => x.reduce((n, v, i) => n + (v === ref[i] ? 1 : 0), 0);
    const [fa, fb] = [await follow(a.melody), await follow(b.melody)];
    console.log(`melody A: ${same(fa, a.codes)}/48 of A, ${same(fa, b.codes)}/48 of B; melody B: ${same(fb, a.codes)}/48 of A, ${same(fb, b.codes)}/48 of B`);
    expect(same(fa, a.codes)).toBeGreaterThan(same(fa, b.codes) + 12);
    expect(same(fb, b.codes)).toBeGreaterThan(same(fb, a.codes) + 12);
    tf.dispose([textStates, textMask]);
    disposeLm(lm);
  });
});
