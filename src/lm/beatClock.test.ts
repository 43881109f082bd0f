import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { BEAT_FEATURES, BEAT_HARMONICS, beatFeatures, beatInput, clockAt, clockOnDownbeat, KEY_FEATURES, keyFeatures, keyIndex, NO_CLOCK, shiftClock, withKey, type BeatClock } from './beatClock';
import { createCache, disposeCache, extend, type CacheLayout } from './cache';
import { parseLmConfig } from './config';
import { generate } from './generate';
import { disposeLm, forward, type Lm, type LmCondition } from './model';
import { ALL_KEYS } from '../corpus/theory';
import { maxAbsDiff } from './testdata/lmTiny';
import { useTfLeakCheck } from './testdata/tfLeakCheck';
import { makeBatch, disposeBatch, type TrainClip } from './train/batches';
import { initLm, loadLm, saveLm } from './weights';

useTfLeakCheck();

const F = BEAT_FEATURES;
const H = BEAT_HARMONICS.length;

/** Two rows of text (the second padded) for the tiny LMs below, with `beat` when given. */
const condition = (beat?: readonly BeatClock[]): LmCondition => ({
  textStates: tf.randomNormal([2, 3, 8], 0, 1, 'float32', 5) as tf.Tensor3D,
  textMask: tf.tensor2d([[1, 1, 1], [1, 1, 0]]),
  ...(beat ? { beat } : {}),
});
const codes = () => tf.tensor3d(Array.from({ length: 2 * 4 * 10 }, (_, i) => (i * 7) % 17), [2, 4, 10], 'int32'); // [2, 4, 10], 16 = special
async function logitsOf(lm: Lm, beat?: readonly BeatClock[]): Promise<Float32Array> {
  const c = condition(beat);
  const x = codes();
  const y = forward(lm, x, c); // [2, 4, 10, 16]
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y, c.textStates, c.textMask]);
  return out;
}
/** Row r's half of a [2, ...] result. */
const half = (a: Float32Array, r: number) => a.subarray((r * a.length) / 2, ((r + 1) * a.length) / 2);

describe('beat clock features', () => {
  it('are zero without a clock, and flag + sin/cos of the bar, beat and subdivisions with one', () => {
    const c = clockAt(120, 50); // 0.04 beats per frame: a beat every 25 columns, a bar every 100
    expect(c).toEqual({ perColumn: 0.04, phase: 0 });
    const f = beatFeatures([c, NO_CLOCK], 0, 101); // [2, 101, F]
    expect(f.subarray(101 * F).every((v) => v === 0)).toBe(true);
    const at = (l: number, i: number) => f[l * F + i];
    expect(at(0, 0)).toBe(1);
    for (let i = 0; i < H; i++) {
      expect(at(0, 1 + i)).toBeCloseTo(0, 6); // sin 0
      expect(at(0, 1 + H + i)).toBeCloseTo(1, 6); // cos 0
      expect(at(100, 1 + H + i)).toBeCloseTo(1, 5); // one bar later: every harmonic back at 0
    }
    // one beat in (column 25): the beat harmonic is back at 0, the bar's a quarter turn on
    const beat = BEAT_HARMONICS.indexOf(1);
    const bar = BEAT_HARMONICS.indexOf(0.25);
    expect(at(25, 1 + H + beat)).toBeCloseTo(1, 5);
    expect(at(25, 1 + bar)).toBeCloseTo(1, 5); // sin(π/2)
    expect(at(25, 1 + H + BEAT_HARMONICS.indexOf(0.5))).toBeCloseTo(-1, 5); // the half bar (2 beats): half a turn after one beat
    expect(at(50, 1 + H + BEAT_HARMONICS.indexOf(0.5))).toBeCloseTo(1, 5);
  });

  it('a shifted clock continues where the longer one is', () => {
    const c = clockAt(97, 50, 13);
    const long = beatFeatures([c], 0, 400);
    const later = beatFeatures([shiftClock(c, 300)], 0, 100);
    expect(maxAbsDiff(later, long.subarray(300 * F))).toBeLessThan(1e-5);
    expect(beatFeatures([c], 300, 100)).toEqual(later);
    expect(shiftClock(NO_CLOCK, 50)).toEqual(NO_CLOCK);
    expect(clockAt(0, 50)).toEqual(NO_CLOCK);
    // a clip whose first downbeat is 0.5 s in: beat 0 of the bar there, a quarter bar before it at 120 bpm
    const onDownbeat = clockOnDownbeat({ bpm: 120, downbeat: 0.5 }, 50);
    expect(onDownbeat.perColumn).toBeCloseTo(0.04, 12);
    expect(onDownbeat.phase + 25 * onDownbeat.perColumn).toBeCloseTo(0, 12);
  });
});

describe('an LM with a beat clock', () => {
  const cfg = parseLmConfig({ dim: 32, layers: 2, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, beatClock: true });
  let lm: Lm;
  const clocks: BeatClock[] = [clockAt(150, 50, 7), NO_CLOCK];
  beforeAll(async () => {
    await tf.setBackend('cpu');
    lm = initLm(cfg, 3);
  });
  afterAll(() => disposeLm(lm));

  const logits = (beat?: readonly BeatClock[]) => logitsOf(lm, beat);

  it('starts as the LM without one (beat_proj is zero), and once trained moves only the rows with a clock', async () => {
    expect(lm.params.beatProj!.shape).toEqual([32, F]);
    expect(await lm.params.beatProj!.data()).toEqual(new Float32Array(32 * F));
    expect(await logits(clocks)).toEqual(await logits());
    const w = tf.randomNormal([32, F], 0, 0.5, 'float32', 9);
    lm.params.beatProj!.assign(w);
    w.dispose();
    const plain = await logits();
    const clocked = await logits(clocks);
    expect(maxAbsDiff(half(clocked, 0), half(plain, 0))).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(half(clocked, 1), half(plain, 1))).toBe(0);
  });

  it('saves beat_proj under its own name; a file without one loads with the clock at zero, a config without one refuses it', async () => {
    const bytes = await saveLm(lm);
    const back = loadLm(cfg, bytes);
    expect(await back.params.beatProj!.data()).toEqual(await lm.params.beatProj!.data());
    disposeLm(back);
    expect(() => loadLm({ ...cfg, beatClock: false }, bytes)).toThrow(/unexpected tensors decoder.model.decoder.beat_proj.weight/);
    const plain = initLm({ ...cfg, beatClock: false }, 1);
    const plainBytes = await saveLm(plain);
    disposeLm(plain);
    const old = loadLm(cfg, plainBytes); // a model saved before the clock: its clock at zero
    expect(await old.params.beatProj!.data()).toEqual(new Float32Array(32 * F));
    disposeLm(old);
  });

  it.each(['grow', 'static'] as CacheLayout[])('the KV cache (%s) adds the clock of each column as the full forward does', async (layout) => {
    const full = await logits(clocks); // beat_proj is random from the test above
    const c = condition(clocks);
    const cache = createCache(lm, c, 10, layout);
    const x = codes();
    const parts = [x.slice([0, 0, 0], [2, 4, 4]), ...Array.from({ length: 6 }, (_, s) => x.slice([0, 0, 4 + s], [2, 4, 1]))] as tf.Tensor3D[];
    const outs = parts.map((p) => extend(lm, p, cache)); // [2, 4, 4, 16], then [2, 4, 1, 16] each
    const stepped = tf.concat(outs, 2); // [2, 4, 10, 16]
    expect(maxAbsDiff(await stepped.data(), full)).toBeLessThan(1e-5);
    tf.dispose([...parts, ...outs, stepped, x, c.textStates, c.textMask]);
    disposeCache(cache);
  });

  it('generation follows the clock (CFG rows without it), deterministically', async () => {
    const one = (beat?: readonly BeatClock[]): LmCondition => {
      const c = condition();
      const textStates = c.textStates.slice([0, 0, 0], [1, 3, 8]) as tf.Tensor3D;
      const textMask = c.textMask.slice([0, 0], [1, 3]) as tf.Tensor2D;
      tf.dispose([c.textStates, c.textMask]);
      return { textStates, textMask, ...(beat ? { beat } : {}) };
    };
    const take = async (beat?: readonly BeatClock[]) => {
      const c = one(beat);
      try {
        return await generate(lm, { ...c, frames: 20, seed: 4, cfg: 3 });
      } finally {
        tf.dispose([c.textStates, c.textMask]);
      }
    };
    const clocked = await take([clocks[0]]);
    expect(await take([clocks[0]])).toEqual(clocked);
    expect(await take([NO_CLOCK])).toEqual(await take());
    expect(clocked).not.toEqual(await take());
    await expect(take([clocks[0], NO_CLOCK])).rejects.toThrow(/2 beat clocks for a batch of 1/);
  });
});

describe('training batches with clocks', () => {
  const clip = (name: string, clock?: BeatClock): TrainClip => ({ name, caption: '', codes: new Int32Array(4 * 30), frames: 30, text: null, ...(clock ? { clock } : {}) });
  const shape = { codebooks: 4, card: 16, textDim: 8 };

  it('shift each row clock to its crop, drop it per row or with the condition, and stay absent without clocks', () => {
    const c = clockAt(120, 50);
    const clips = [clip('a', c), clip('b')];
    const crops = [{ clip: 0, start: 10, frames: 8 }, { clip: 1, start: 0, frames: 8 }, { clip: 0, start: 0, frames: 8 }];
    let b = makeBatch(clips, crops, shape, { clockOff: [false, false, true] });
    expect(b.cond.beat).toEqual([shiftClock(c, 10), NO_CLOCK, NO_CLOCK]);
    disposeBatch(b);
    b = makeBatch(clips, crops, shape, { nullCond: true });
    expect(b.cond.beat).toEqual([NO_CLOCK, NO_CLOCK, NO_CLOCK]);
    disposeBatch(b);
    // nullKeepsClock: the null text, but each row's own clock (and key) unless that row's is dropped
    b = makeBatch(clips, crops, shape, { nullCond: true, clockOff: [false, false, true], nullKeepsClock: true });
    expect(b.cond.beat).toEqual([shiftClock(c, 10), NO_CLOCK, NO_CLOCK]);
    expect(Array.from(b.cond.textMask.dataSync())).toEqual(new Array(b.cond.textMask.size).fill(0));
    disposeBatch(b);
    b = makeBatch([clip('b')], [{ clip: 0, start: 0, frames: 8 }], shape);
    expect(b.cond.beat).toBeUndefined();
    disposeBatch(b);
  });
});

describe('the key input', () => {
  it('indexes the 24 keys (minor after major) and rides with the clock through shifts', () => {
    expect(keyIndex(2, 'minor')).toBe(14);
    expect(keyIndex(0, 'major')).toBe(0);
    expect(ALL_KEYS.map((k) => keyIndex(k.tonic, k.mode))).toEqual(ALL_KEYS.map((_, i) => i)); // ALL_KEYS[i] is index i's key (the prompt box relies on it)
    expect(keyIndex(-1, 'major')).toBe(11);
    const c = withKey(clockAt(90, 50), keyIndex(9, 'minor'));
    expect(shiftClock(c, 40).key).toBe(21);
    expect(shiftClock(withKey(NO_CLOCK, 3), 40)).toEqual({ perColumn: 0, phase: 0, key: 3 });
    expect(withKey(NO_CLOCK, undefined)).toBe(NO_CLOCK);
    const f = keyFeatures([withKey(NO_CLOCK, 14), NO_CLOCK]); // [2, 24]
    expect(f.length).toBe(2 * KEY_FEATURES);
    expect(Array.from(f).flatMap((v, i) => (v ? [i] : []))).toEqual([14]);
  });

  describe('in an LM that takes one (beside its clock)', () => {
    const cfg = parseLmConfig({ dim: 32, layers: 2, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, beatClock: true, keyChannel: true });
    let lm: Lm;
    beforeAll(async () => {
      await tf.setBackend('cpu');
      lm = initLm(cfg, 3);
    });
    afterAll(() => disposeLm(lm));
    const logits = (beat?: readonly BeatClock[]) => logitsOf(lm, beat);

    it('starts silent (key_proj zero), then moves only the keyed rows, by the same vector in every column', async () => {
      const keyed = [withKey(NO_CLOCK, keyIndex(2, 'minor')), NO_CLOCK];
      expect(await logits(keyed)).toEqual(await logits());
      const w = tf.randomNormal([32, KEY_FEATURES], 0, 0.5, 'float32', 11);
      lm.params.keyProj!.assign(w);
      w.dispose();
      const plain = await logits();
      const withIt = await logits(keyed);
      expect(maxAbsDiff(half(withIt, 0), half(plain, 0))).toBeGreaterThan(1e-2);
      expect(maxAbsDiff(half(withIt, 1), half(plain, 1))).toBe(0);
      const v = beatInput(lm, keyed, 5, 3)!; // [2, 3, 32]
      const a = (await v.data()) as Float32Array;
      v.dispose();
      const col = (b: number, l: number) => a.subarray((b * 3 + l) * 32, (b * 3 + l + 1) * 32);
      expect(Array.from(col(0, 2))).toEqual(Array.from(col(0, 0)));
      expect(Array.from(col(1, 1)).every((x) => x === 0)).toBe(true);
      expect(maxAbsDiff(col(0, 0), (await lm.params.keyProj!.data()).filter((_, i) => i % KEY_FEATURES === 14) as Float32Array)).toBeLessThan(1e-6);
    });

    it('saves key_proj under its own name; a file without one loads with it at zero, a config without one refuses it', async () => {
      const bytes = await saveLm(lm);
      const back = loadLm(cfg, bytes);
      expect(await back.params.keyProj!.data()).toEqual(await lm.params.keyProj!.data());
      disposeLm(back);
      expect(() => loadLm({ ...cfg, keyChannel: false }, bytes)).toThrow(/unexpected tensors decoder.model.decoder.key_proj.weight/);
      const before = initLm({ ...cfg, keyChannel: false }, 1);
      const beforeBytes = await saveLm(before);
      disposeLm(before);
      const old = loadLm(cfg, beforeBytes);
      expect(await old.params.keyProj!.data()).toEqual(new Float32Array(32 * KEY_FEATURES));
      disposeLm(old);
    });
  });
});
