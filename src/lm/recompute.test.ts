import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseLmConfig, type LmConfig } from './config';
import { createLora, disposeLora, withLora } from './lora';
import { disposeLm, type Lm } from './model';
import { recomputeBlocks } from './recompute';
import { peakBytes } from './testdata/peakBytes';
import { useTfLeakCheck } from './testdata/tfLeakCheck';
import { disposeBatch, makeBatch } from './train/batches';
import { randomClip } from './train/testUtil';
import { batchLoss } from './train/trainStep';
import { initLm } from './weights';

useTfLeakCheck();

const cross = parseLmConfig({ dim: 32, layers: 3, heads: 2, ffn: 64, codebooks: 2, card: 16, textDim: 8, maxPositions: 64 });
const prefix = parseLmConfig({ dim: 32, layers: 2, heads: 2, ffn: 64, codebooks: 2, card: 16, textDim: 8, maxPositions: 64, conditioning: 'prefix', chromaBins: 12 });

/** Loss and gradients of `params` with blocks run plainly and with recomputation; peak bytes of each. */
async function both(lm: Lm, params: Map<string, tf.Variable>, cfg: LmConfig) {
  const clips = [randomClip('a', 1, 30, cfg), randomClip('b', 2, 30, cfg)];
  const batch = makeBatch(clips, [{ clip: 0, start: 0, frames: 24 }, { clip: 1, start: 3, frames: 24 }], { codebooks: cfg.codebooks, card: cfg.card, textDim: cfg.textDim });
  if (cfg.conditioning === 'prefix') batch.cond.chroma = tf.tidy(() => tf.oneHot(tf.zeros([2, 5], 'int32'), 12).toFloat() as tf.Tensor3D);
  const vars = [...params.values()];
  const run = async (recompute: boolean) => {
    let out!: { loss: number; grads: Float32Array[] };
    const peak = await peakBytes(async () => {
      const { value, grads } = tf.variableGrads(() => batchLoss(lm, batch, recompute ? recomputeBlocks : undefined), vars);
      out = { loss: (await value.data())[0], grads: await Promise.all(vars.map(async (v) => (await grads[v.name].data()) as Float32Array)) };
      tf.dispose([value, ...Object.values(grads)]);
    });
    return { ...out, peak };
  };
  try {
    return { plain: await run(false), recomputed: await run(true) };
  } finally {
    if (batch.cond.chroma) batch.cond.chroma.dispose();
    disposeBatch(batch);
  }
}

function expectSameGrads(a: Float32Array[], b: Float32Array[]) {
  expect(b.length).toBe(a.length);
  a.forEach((g, i) => {
    let worst = 0;
    for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(g[j] - b[i][j]));
    expect(worst).toBe(0); // the same kernels on the same inputs: bit for bit
  });
}

describe('recomputeBlocks (gradient checkpointing)', () => {
  for (const cfg of [cross, prefix]) {
    it(`gives the plain loss and gradients of every weight, holding less at the peak (${cfg.conditioning})`, async () => {
      const lm = initLm(cfg, 5);
      try {
        const { plain, recomputed } = await both(lm, lm.named, cfg);
        expect(recomputed.loss).toBe(plain.loss);
        expectSameGrads(plain.grads, recomputed.grads);
        expect(recomputed.peak).toBeLessThan(plain.peak);
      } finally {
        disposeLm(lm);
      }
    });
  }

  it('gives the plain gradients of LoRA adapters on every target (text projections, cross K/V, heads, tables included)', async () => {
    const lm = initLm(cross, 5);
    const lora = createLora(lm, { rank: 2 }, 3);
    // B starts at zero; move it so every adapter path carries gradient to A as well.
    tf.tidy(() => { for (const v of lora.named.values()) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 9)); });
    try {
      const { plain, recomputed } = await both(withLora(lm, lora), lora.named, cross);
      expect(recomputed.loss).toBe(plain.loss);
      expectSameGrads(plain.grads, recomputed.grads);
    } finally {
      disposeLora(lora);
      disposeLm(lm);
    }
  });

  it('with LoRA dropout, the backward recomputation draws the forward\'s masks: the plain loss and gradients bit for bit', async () => {
    const lm = initLm(cross, 5);
    const lora = createLora(lm, { rank: 2, dropout: 0.3 }, 3);
    tf.tidy(() => { for (const v of lora.named.values()) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 9)); });
    try {
      const { plain, recomputed } = await both(withLora(lm, lora, { step: 4 }), lora.named, cross);
      expect(recomputed.loss).toBe(plain.loss);
      expectSameGrads(plain.grads, recomputed.grads);
      // The masks act (another step draws others; no step, as in validation, drops nothing) and are fixed by the step.
      const again = await both(withLora(lm, lora, { step: 4 }), lora.named, cross);
      expect(again.plain.loss).toBe(plain.loss);
      const other = await both(withLora(lm, lora, { step: 5 }), lora.named, cross);
      const off = await both(withLora(lm, lora), lora.named, cross);
      expect(other.plain.loss).not.toBe(plain.loss);
      expect(off.plain.loss).not.toBe(plain.loss);
    } finally {
      disposeLora(lora);
      disposeLm(lm);
    }
  });
});
