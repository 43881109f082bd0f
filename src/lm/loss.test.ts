import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildDelayed, validTargetMask } from './delayPattern';
import { alignDelayedLogits, delayedCrossEntropy, maskedCrossEntropy } from './loss';
import { disposeLm, forward, hiddenStates } from './model';
import { caseFull, disposeCond, flat, loadTiny, maxAbsDiff, tinyCond } from './testdata/lmTiny';
import { useTfLeakCheck } from './testdata/tfLeakCheck';

useTfLeakCheck();

describe('masked cross-entropy', () => {
  it('matches hand-computed values, mean over codebooks not over cells', async () => {
    // B = 1, K = 2, T = 2, card = 3
    // q0: t0 logits [0,0,0] target 1 -> ln 3; t1 logits [0, ln 2, ln 3] target 2 -> -ln(3/6) = ln 2
    // q1: t0 logits [ln 3, 0, 0] target 0 -> -ln(3/5) = ln(5/3); t1 masked out (logits irrelevant)
    const logits = tf.tensor4d([0, 0, 0, 0, Math.log(2), Math.log(3), Math.log(3), 0, 0, 9, -9, 4], [1, 2, 2, 3]);
    const targets = tf.tensor3d([1, 2, 0, 1], [1, 2, 2], 'int32');
    const mask = tf.tensor3d([1, 1, 1, 0], [1, 2, 2]);
    const loss = maskedCrossEntropy(logits, targets, mask);
    const expected = ((Math.log(3) + Math.log(2)) / 2 + Math.log(5 / 3)) / 2;
    expect(Math.abs((await loss.data())[0] - expected)).toBeLessThan(1e-6);
    tf.dispose([logits, targets, mask, loss]);
  });

  it('a codebook with no valid cell contributes 0 (no NaN)', async () => {
    const logits = tf.zeros([1, 2, 1, 4]) as tf.Tensor4D;
    const targets = tf.zeros([1, 2, 1], 'int32') as tf.Tensor3D;
    const mask = tf.tensor3d([1, 0], [1, 2, 1]);
    const loss = maskedCrossEntropy(logits, targets, mask);
    expect(Math.abs((await loss.data())[0] - Math.log(4) / 2)).toBeLessThan(1e-6);
    tf.dispose([logits, targets, mask, loss]);
  });
});

describe('training alignment vs audiocraft compute_predictions', () => {
  it('aligned logits equal compute_predictions on valid cells; the loss has gradients for every variable', async () => {
    const lm = loadTiny({ textMasking: 'audiocraft' });
    const K = 4, T = 5, S = T + K;
    const rows = [0, 1].map((b) => buildDelayed(Int32Array.from(flat(caseFull.codes[b])), K, T, 64).values);
    const input = new Int32Array(2 * K * (T + 1)); // columns 0..T only (keep_only_valid_steps)
    rows.forEach((v, b) => { for (let q = 0; q < K; q++) input.set(v.subarray(q * S, q * S + T + 1), (b * K + q) * (T + 1)); });
    const cond = tinyCond('cond');
    const codes = tf.tensor3d(input, [2, K, T + 1], 'int32');
    const aligned = tf.tidy(() => alignDelayedLogits(forward(lm, codes, cond), T)); // [2, K, T, 64]
    const got = await aligned.data();
    const ref = flat(caseFull.compute_predictions.logits as never) as Array<number | null>;
    const refMask = flat(caseFull.compute_predictions.mask);
    expect(refMask).toEqual([...validTargetMask(K, T), ...validTargetMask(K, T)]);
    const a: number[] = [], b: number[] = [];
    ref.forEach((v, i) => { if (refMask[Math.floor(i / 64)]) { a.push(got[i]); b.push(v as number); } });
    expect(a.length).toBe(2 * 14 * 64);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);

    const targets = tf.tensor3d(flat(caseFull.codes), [2, K, T], 'int32');
    const mask = tf.tensor3d(refMask, [2, K, T]);
    const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(alignDelayedLogits(forward(lm, codes, cond), T), targets, mask));
    expect(Number.isFinite((await value.data())[0])).toBe(true);
    expect(Object.keys(grads).length).toBe(lm.named.size);
    tf.dispose([value, ...Object.values(grads), aligned, codes, targets, mask]);
    disposeCond(cond);
    disposeLm(lm);
  });
});

describe('delayedCrossEntropy (what training runs)', () => {
  it('equals the reference loss on aligned logits, with the same gradients', async () => {
    const lm = loadTiny();
    const K = 4, T = 5, S = T + K;
    const rows = [0, 1].map((b) => buildDelayed(Int32Array.from(flat(caseFull.codes[b])), K, T, 64).values);
    const input = new Int32Array(2 * K * (T + 1));
    rows.forEach((v, b) => { for (let q = 0; q < K; q++) input.set(v.subarray(q * S, q * S + T + 1), (b * K + q) * (T + 1)); });
    const cond = tinyCond('cond');
    const codes = tf.tensor3d(input, [2, K, T + 1], 'int32');
    const targets = tf.tensor3d(flat(caseFull.codes), [2, K, T], 'int32');
    const mask = tf.tensor3d([...validTargetMask(K, T), ...validTargetMask(K, T)].map(Number), [2, K, T]);
    const vars = [...lm.named.values()];
    const ref = tf.variableGrads(() => maskedCrossEntropy(alignDelayedLogits(forward(lm, codes, cond), T), targets, mask), vars);
    const fast = tf.variableGrads(() => delayedCrossEntropy(lm, hiddenStates(lm, codes, cond), targets, mask), vars);
    expect(Math.abs((await fast.value.data())[0] - (await ref.value.data())[0])).toBeLessThan(1e-5);
    let worst = 0;
    for (const v of vars) worst = Math.max(worst, maxAbsDiff(await fast.grads[v.name].data(), await ref.grads[v.name].data()));
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([ref.value, fast.value, ...Object.values(ref.grads), ...Object.values(fast.grads), codes, targets, mask]);
    disposeCond(cond);
    disposeLm(lm);
  });
});
