import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useTfLeakCheck } from '../testdata/tfLeakCheck';
import { AdamW, decayMatricesOnly } from './adamw';

useTfLeakCheck();

/** A variable holding `x` (the initial tensor is freed). */
function variable(x: number[] | tf.Tensor): tf.Variable {
  const t = Array.isArray(x) ? tf.tensor1d(x) : x.clone();
  const v = tf.variable(t);
  t.dispose();
  return v;
}

/** torch.optim.AdamW written out in float64 for one parameter. */
function reference(p: number[], grads: number[][], lr: number, wd: number, b1 = 0.9, b2 = 0.95, eps = 1e-8): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, i) => {
    const t = i + 1;
    p = p.map((x, j) => {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] ** 2;
      const denom = Math.sqrt(v[j]) / Math.sqrt(1 - b2 ** t) + eps;
      return x * (1 - lr * wd) - (lr / (1 - b1 ** t)) * (m[j] / denom);
    });
  });
  return p;
}

describe('AdamW', () => {
  it('first step by hand: decay then a sign step of size lr', async () => {
    const w = variable([1, -2]);
    const opt = new AdamW(new Map([['x.weight', w]]), { weightDecay: 0.1 });
    const g = tf.tensor1d([0.5, -1]);
    opt.step(new Map([['x.weight', g]]), 0.1);
    // m̂ = g, v̂ = g², so the step is lr * sign(g) (eps negligible); decay: p * (1 - 0.1 * 0.1)
    const got = Array.from(await w.data());
    expect(got[0]).toBeCloseTo(1 * 0.99 - 0.1, 6);
    expect(got[1]).toBeCloseTo(-2 * 0.99 + 0.1, 6);
    expect(opt.t).toBe(1);
    opt.dispose();
    tf.dispose([w, g]);
  });

  it('matches torch AdamW over several steps; biases and LayerNorms are not decayed', async () => {
    const init = [0.5, -0.25, 2];
    const grads = [[0.1, -0.3, 0.02], [-0.2, 0.1, 0.05], [0.4, 0.4, -0.1]];
    const w = variable(init);
    const b = variable(init);
    const opt = new AdamW(new Map([['fc1.weight', w], ['fc1.bias', b]]), { weightDecay: 0.1 });
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      opt.step(new Map([['fc1.weight', gt], ['fc1.bias', gt]]), 0.01);
      gt.dispose();
    }
    const want = reference(init, grads, 0.01, 0.1);
    const wantBias = reference(init, grads, 0.01, 0);
    Array.from(await w.data()).forEach((x, i) => expect(x).toBeCloseTo(want[i], 6));
    Array.from(await b.data()).forEach((x, i) => expect(x).toBeCloseTo(wantBias[i], 6));
    expect(decayMatricesOnly('decoder.model.decoder.layers.0.final_layer_norm.weight')).toBe(false);
    expect(decayMatricesOnly('decoder.model.decoder.embed_tokens.0.weight')).toBe(true);
    opt.dispose();
    tf.dispose([w, b]);
  });

  it('state() / loadState() round-trips: a restored optimizer continues identically', async () => {
    const g1 = tf.tensor1d([0.3, -0.1]);
    const g2 = tf.tensor1d([-0.2, 0.6]);
    const w1 = variable([1, 1]);
    const a = new AdamW(new Map([['w', w1]]));
    a.step(new Map([['w', g1]]), 0.05);
    const saved = await a.state();
    const w2 = variable(w1);
    const b = new AdamW(new Map([['w', w2]]));
    b.loadState(saved);
    expect(b.t).toBe(1);
    a.step(new Map([['w', g2]]), 0.05);
    b.step(new Map([['w', g2]]), 0.05);
    expect(Array.from(await w2.data())).toEqual(Array.from(await w1.data()));
    expect(() => b.loadState({ t: 1, m: new Map(), v: new Map() })).toThrow(/state m for w/);
    a.dispose();
    b.dispose();
    tf.dispose([g1, g2, w1, w2]);
  });
});
