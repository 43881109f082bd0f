import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useTfLeakCheck } from '../testdata/tfLeakCheck';
import { clipByGlobalNorm } from './clip';

useTfLeakCheck();

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm / (norm + 1e-6) when the global norm is larger', async () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor2d([[0, 4]])]; // global norm 5
    const { grads, norm } = clipByGlobalNorm(g, 1);
    expect((await norm.data())[0]).toBeCloseTo(5, 6);
    const s = 1 / (5 + 1e-6);
    expect(Array.from(await grads[0].data())).toEqual([Math.fround(3 * s), 0].map((x) => expect.closeTo(x, 7)));
    expect(grads[1].shape).toEqual([1, 2]);
    expect((await grads[1].data())[1]).toBeCloseTo(4 * s, 7);
    tf.dispose([...g, ...grads, norm]);
  });

  it('leaves small gradients unchanged and still reports the norm', async () => {
    const g = [tf.tensor1d([0.3, 0.4])];
    const { grads, norm } = clipByGlobalNorm(g, 1);
    expect((await norm.data())[0]).toBeCloseTo(0.5, 6);
    expect(Array.from(await grads[0].data())).toEqual(Array.from(await g[0].data()));
    tf.dispose([...g, ...grads, norm]);
  });
});
