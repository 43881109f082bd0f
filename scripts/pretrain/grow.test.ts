import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeLm, forward, type Lm } from '../../src/lm/index.ts';
import { disposeCond, loadTiny, tinyCond, tinySequence } from '../../src/lm/testdata/lmTiny.ts';
import { useTfLeakCheck } from '../../src/lm/testdata/tfLeakCheck.ts';
import { clockAt, NO_CLOCK, withKey } from '../../src/lm/beatClock.ts';
import { growLm, withBeatClock, withKeyChannel } from './grow.ts';

useTfLeakCheck();

async function logits(lm: Lm, clocked = false): Promise<Float32Array> {
  const cond = { ...tinyCond('cond'), ...(clocked ? { beat: [clockAt(120, 50), clockAt(90, 50, 11)] } : {}) };
  const codes = tinySequence();
  const out = forward(lm, codes, cond); // [2, K, S, card]
  const data = (await out.data()) as Float32Array;
  tf.dispose([out, codes]);
  disposeCond(cond);
  return data;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('growLm', () => {
  it('adds blocks on top that leave the logits exactly as they were', async () => {
    const lm = loadTiny({}, 'computed');
    const grown = growLm(lm, lm.config.layers + 2, 5);
    expect(grown.config.layers).toBe(lm.config.layers + 2);
    expect(grown.named.size).toBeGreaterThan(lm.named.size);
    expect(maxDiff(await logits(grown), await logits(lm))).toBe(0);
    disposeLm(lm);
    disposeLm(grown);
  });

  it('wires the new blocks into the forward pass (a non-zero fc2 changes the logits)', async () => {
    const lm = loadTiny({}, 'computed');
    const grown = growLm(lm, lm.config.layers + 1, 5);
    const top = `decoder.model.decoder.layers.${lm.config.layers}`;
    const fc2 = [...grown.named].find(([n]) => n.endsWith(`${top}.fc2.weight`))![1];
    expect(Math.max(...((await fc2.data()) as Float32Array).map(Math.abs))).toBe(0);
    const q = [...grown.named].find(([n]) => n.endsWith(`${top}.self_attn.q_proj.weight`))![1];
    expect(Math.max(...((await q.data()) as Float32Array).map(Math.abs))).toBeGreaterThan(0); // seeded, not zero
    tf.tidy(() => fc2.assign(tf.randomNormal(fc2.shape, 0, 0.1, 'float32', 3)));
    expect(maxDiff(await logits(grown), await logits(lm))).toBeGreaterThan(1e-3);
    disposeLm(lm);
    disposeLm(grown);
  });

  it('refuses to shrink or keep the depth', () => {
    const lm = loadTiny({}, 'computed');
    expect(() => growLm(lm, lm.config.layers, 1)).toThrow(/not more than/);
    disposeLm(lm);
  });
});

describe('withBeatClock', () => {
  it('adds a zero beat clock: the same logits with or without clocks, until it trains', async () => {
    const lm = loadTiny({}, 'computed');
    const clocked = withBeatClock(lm);
    expect(clocked.config.beatClock).toBe(true);
    expect(clocked.named.size).toBe(lm.named.size + 1);
    expect(maxDiff(await logits(clocked, true), await logits(lm))).toBe(0);
    tf.tidy(() => clocked.params.beatProj!.assign(tf.randomNormal(clocked.params.beatProj!.shape, 0, 0.1, 'float32', 3)));
    expect(maxDiff(await logits(clocked, true), await logits(lm))).toBeGreaterThan(1e-3);
    expect(() => withBeatClock(clocked)).toThrow(/already/);
    disposeLm(lm);
    disposeLm(clocked);
  });
});

describe('withKeyChannel', () => {
  it('adds a zero key input beside the clock: the same logits with or without keys, until it trains', async () => {
    const tiny = loadTiny({}, 'computed');
    const lm = withBeatClock(tiny);
    disposeLm(tiny);
    const keyed = withKeyChannel(lm);
    expect(keyed.config.keyChannel).toBe(true);
    expect(keyed.named.size).toBe(lm.named.size + 1);
    const withKeys = async (m: Lm) => {
      const cond = { ...tinyCond('cond'), beat: [withKey(clockAt(120, 50), 3), withKey(NO_CLOCK, 20)] };
      const codes = tinySequence();
      const out = forward(m, codes, cond);
      const data = (await out.data()) as Float32Array;
      tf.dispose([out, codes]);
      disposeCond(cond);
      return data;
    };
    const before = await withKeys(lm);
    expect(maxDiff(await withKeys(keyed), before)).toBe(0);
    tf.tidy(() => keyed.params.keyProj!.assign(tf.randomNormal(keyed.params.keyProj!.shape, 0, 0.1, 'float32', 3)));
    expect(maxDiff(await withKeys(keyed), before)).toBeGreaterThan(1e-3);
    expect(() => withKeyChannel(keyed)).toThrow(/already/);
    disposeLm(lm);
    disposeLm(keyed);
  });
});
