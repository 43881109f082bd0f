import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseLmConfig } from './config';
import { createCache, disposeCache, extend } from './cache';
import { estimateGeneration, longestFitting, memoryBudget, paramCount, weightBytes } from './memory';
import { disposeLm } from './model';
import { useTfLeakCheck } from './testdata/tfLeakCheck';
import { initLm } from './weights';

const cross = parseLmConfig({ dim: 32, layers: 2, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64 });
const prefix = parseLmConfig({ dim: 32, layers: 1, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, conditioning: 'prefix', chromaBins: 12 });
const GiB = 2 ** 30;

useTfLeakCheck();

describe('generation memory estimate', () => {
  it('counts exactly the parameters the model has, in both conditioning modes', () => {
    for (const cfg of [cross, prefix]) {
      const lm = initLm(cfg, 1);
      expect(paramCount(cfg)).toBe([...lm.named.values()].reduce((s, v) => s + v.size, 0));
      disposeLm(lm);
    }
  });

  it('covers what a real KV cache holds after a whole take (growing and static layouts)', () => {
    const lm = initLm(cross, 1);
    const frames = 40;
    const S = frames + cross.codebooks;
    for (const layout of ['grow', 'static'] as const) {
      const start = tf.memory().numBytes;
      const cond = { textStates: tf.zeros([2, 5, 8]) as tf.Tensor3D, textMask: tf.ones([2, 5]) as tf.Tensor2D };
      const cache = createCache(lm, cond, S, layout);
      const cols = tf.zeros([2, cross.codebooks, S], 'int32') as tf.Tensor3D;
      tf.dispose([extend(lm, cols, cache), cols]);
      const held = tf.memory().numBytes - start;
      const est = estimateGeneration(cross, frames, { rows: 2, textTokens: 5, layout });
      expect(est.cacheBytes).toBeGreaterThanOrEqual(held);
      expect(est.cacheBytes).toBeLessThan(3 * held);
      disposeCache(cache);
      tf.dispose([cond.textStates, cond.textMask]);
    }
    expect(weightBytes(cross)).toBe(([...lm.named.values()].reduce((s, v) => s + v.size, 0) + lm.positions.size) * 4);
    disposeLm(lm);
  });

  it('grows with the take and finds the longest that fits a budget', () => {
    const shape = { rows: 2, textTokens: 64, layout: 'grow' as const };
    const small = estimateGeneration(cross, 10, shape).totalBytes;
    const big = estimateGeneration(cross, 50, shape).totalBytes;
    expect(big).toBeGreaterThan(small);
    const budget = estimateGeneration(cross, 30, shape).totalBytes;
    expect(longestFitting(cross, budget, 60, shape)).toBe(30);
    expect(longestFitting(cross, budget - 1, 60, shape)).toBe(29);
    expect(longestFitting(cross, 1e12, 60, shape)).toBe(60);
    expect(longestFitting(cross, 1000, 60, shape)).toBe(0); // not even the weights
  });

  it('budgets half the device memory, and at most 3.5 GB of the WASM heap', () => {
    expect(memoryBudget('webgpu', 8)).toBe(4 * GiB);
    expect(memoryBudget('wasm', 8)).toBe(3.5 * GiB);
    expect(memoryBudget('wasm', 2)).toBe(1 * GiB);
    expect(memoryBudget('cpu', undefined)).toBe(4 * GiB); // unknown: 8 GB assumed
  });
});
