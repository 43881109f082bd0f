import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseLmConfig } from './config';
import { disposeLm } from './model';
import { createStepper } from './stepper';
import { useTfLeakCheck } from './testdata/tfLeakCheck';
import { initLm } from './weights';

const cfg = parseLmConfig({ dim: 32, layers: 1, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64 });

useTfLeakCheck();

describe('createStepper (tfjs cache)', () => {
  it('gives the last column\'s logits, and a feed that fails frees its input', async () => {
    const lm = initLm(cfg, 1);
    const cond = { textStates: tf.zeros([1, 3, 8]) as tf.Tensor3D, textMask: tf.ones([1, 3]) as tf.Tensor2D };
    const st = await createStepper(lm, cond, 3);
    const ok = await st.feed(new Int32Array(4 * 2).fill(16), 2); // [1, K, 2]
    expect(ok.length).toBe(4 * 16); // [R, K, card]
    const before = tf.memory().numTensors;
    await expect(st.feed(new Int32Array(4 * 2).fill(16), 2)).rejects.toThrow(/capacity/); // 4 positions > 3
    expect(tf.memory().numTensors).toBe(before);
    st.dispose();
    tf.dispose([cond.textStates, cond.textMask]);
    disposeLm(lm);
  });
});
