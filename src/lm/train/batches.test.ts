import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../util/rng';
import { validTargetMask } from '../delayPattern';
import { useTfLeakCheck } from '../testdata/tfLeakCheck';
import { checkClips, CropSampler, disposeBatch, dropCondition, makeBatch, splitData, type TrainClip } from './batches';

useTfLeakCheck();

const clip = (name: string, frames: number, text: TrainClip['text'] = null, K = 2): TrainClip => ({
  name, caption: text ? name : '', frames, text, codes: Int32Array.from({ length: K * frames }, (_, i) => i % 16),
});
const shape = { codebooks: 2, card: 16, textDim: 2 };

describe('splitData', () => {
  it('holds out the tail of each clip when there are few clips', () => {
    const s = splitData([clip('a', 100), clip('b', 3)], { cropFrames: 30 });
    expect(s.holdout).toBe('tail');
    expect(s.train).toEqual([{ clip: 0, start: 0, frames: 90 }, { clip: 1, start: 0, frames: 3 }]); // b is too short to split
    expect(s.val).toEqual([{ clip: 0, start: 90, frames: 10 }]);
    expect(splitData([clip('a', 200)], { cropFrames: 8, valFraction: 0.2 }).val.map((c) => c.frames)).toEqual([8, 8, 8, 8, 8]);
  });
  it('holds out the last clip whole from 5 clips on, in crops of at most cropFrames', () => {
    const s = splitData(['a', 'b', 'c', 'd', 'e'].map((n) => clip(n, 50)), { cropFrames: 20 });
    expect(s.holdout).toBe('clip');
    expect(s.train.map((c) => c.clip)).toEqual([0, 1, 2, 3]);
    expect(s.val).toEqual([{ clip: 4, start: 0, frames: 20 }, { clip: 4, start: 20, frames: 20 }, { clip: 4, start: 40, frames: 10 }]);
  });
  it('valFraction 0 trains on everything', () => {
    expect(splitData([clip('a', 10)], { cropFrames: 4, valFraction: 0 })).toEqual({ train: [{ clip: 0, start: 0, frames: 10 }], val: [], holdout: 'none' });
  });
});

describe('CropSampler', () => {
  const ranges = [{ clip: 0, start: 0, frames: 90 }, { clip: 1, start: 5, frames: 10 }];
  it('is deterministic per seed, stays inside the ranges, weights ranges by length', () => {
    const a = new CropSampler(ranges, 8, 11).next(2000);
    expect(new CropSampler(ranges, 8, 11).next(2000)).toEqual(a);
    expect(new CropSampler(ranges, 8, 12).next(20)).not.toEqual(a.slice(0, 20));
    for (const c of a) {
      const r = ranges[c.clip];
      expect(c.frames).toBe(8);
      expect(c.start).toBeGreaterThanOrEqual(r.start);
      expect(c.start + c.frames).toBeLessThanOrEqual(r.start + r.frames);
    }
    const share = a.filter((c) => c.clip === 0).length / a.length;
    expect(share).toBeGreaterThan(0.85);
    expect(share).toBeLessThan(0.95);
    expect(new Set(a.filter((c) => c.clip === 1).map((c) => c.start))).toEqual(new Set([5, 6, 7]));
  });
  it('starts a headFraction share of crops at their range start, and keeps the uniform stream at 0', () => {
    const ranges = [{ clip: 0, start: 10, frames: 200 }, { clip: 1, start: 0, frames: 200 }];
    const crops = new CropSampler(ranges, 20, 5, 0.5).next(4000);
    const atHead = crops.filter((c) => c.start === ranges[c.clip].start).length / crops.length;
    expect(atHead).toBeGreaterThan(0.47); // 0.5 + the uniform crops that land there by chance (1/181 of the rest)
    expect(atHead).toBeLessThan(0.54);
    expect(crops.every((c) => c.start >= ranges[c.clip].start && c.start + 20 <= ranges[c.clip].start + 200)).toBe(true);
    expect(new CropSampler(ranges, 20, 5, 0).next(50)).toEqual(new CropSampler(ranges, 20, 5).next(50));
    expect(new CropSampler(ranges, 20, 5, 1).next(50).every((c) => c.start === ranges[c.clip].start)).toBe(true);
  });
  it('gives whole-range crops for ranges shorter than cropFrames', () => {
    expect(new CropSampler([{ clip: 0, start: 0, frames: 5 }], 8, 1).next(3)).toEqual(Array(3).fill({ clip: 0, start: 0, frames: 5 }));
  });
});

describe('condition dropout', () => {
  it('drops a fraction p of batches with a seeded RNG', () => {
    const rand = mulberry32(42);
    const n = 20000;
    let dropped = 0;
    for (let i = 0; i < n; i++) if (dropCondition(rand, 0.3)) dropped++;
    expect(Math.abs(dropped / n - 0.3)).toBeLessThan(0.015);
    const again = mulberry32(42);
    expect(Array.from({ length: 50 }, () => dropCondition(again, 0.3))).toEqual(Array.from({ length: 50 }, ((r) => () => dropCondition(r, 0.3))(mulberry32(42))));
    expect(Array.from({ length: 100 }, () => dropCondition(rand, 0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => dropCondition(rand, 1)).every(Boolean)).toBe(true);
  });
});

describe('makeBatch', () => {
  const clips: TrainClip[] = [
    { name: 'a', caption: 'a', frames: 4, codes: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), text: { states: Float32Array.from([1, 2, 3, 4]), tokens: 2, mask: Uint8Array.from([1, 0]) } },
    { name: 'b', caption: '', frames: 2, codes: Int32Array.from([9, 10, 11, 12]), text: null },
  ];
  it('delays codes, masks invalid and padded cells, pads text', async () => {
    const b = makeBatch(clips, [{ clip: 0, start: 1, frames: 3 }, { clip: 1, start: 0, frames: 2 }], shape);
    expect(b.frames).toBe(3);
    expect(b.input.shape).toEqual([2, 2, 4]);
    expect(Array.from(await b.input.data())).toEqual([16, 2, 3, 4, 16, 16, 6, 7, /* row 1 */ 16, 9, 10, 16, 16, 16, 11, 12]);
    expect(Array.from(await b.targets.data())).toEqual([2, 3, 4, 6, 7, 8, /* row 1 */ 9, 10, 0, 11, 12, 0]);
    expect(Array.from(await b.mask.data())).toEqual([1, 1, 1, 1, 1, 0, /* row 1 */ 1, 1, 0, 1, 0, 0]);
    expect(b.tokens).toBe(8);
    expect(b.cond.textStates.shape).toEqual([2, 2, 2]);
    expect(Array.from(await b.cond.textStates.data())).toEqual([1, 2, 3, 4, 0, 0, 0, 0]);
    expect(Array.from(await b.cond.textMask.data())).toEqual([1, 0, 0, 0]);
    disposeBatch(b);
  });
  it('full-length crops give the validTargetMask of §2.4', async () => {
    const b = makeBatch(clips, [{ clip: 0, start: 0, frames: 4 }], shape);
    expect(Array.from(await b.mask.data())).toEqual(Array.from(validTargetMask(2, 4)));
    disposeBatch(b);
  });
  it('condition dropout replaces the whole batch by the null condition', async () => {
    const b = makeBatch(clips, [{ clip: 0, start: 0, frames: 4 }, { clip: 0, start: 0, frames: 4 }], shape, { nullCond: true });
    expect(b.cond.textMask.shape).toEqual([2, 1]);
    expect(Array.from(await b.cond.textMask.data())).toEqual([0, 0]);
    expect(Array.from(await b.cond.textStates.data()).every((x) => x === 0)).toBe(true);
    disposeBatch(b);
  });
  it('checkClips names the problem', () => {
    expect(checkClips(clips, shape)).toBeNull();
    expect(checkClips([clip('x', 4, null, 3)], shape)).toMatch(/x: codes must be \[2, 4\]/);
    expect(checkClips([{ ...clips[0], codes: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 16]) }], shape)).toMatch(/0\.\.15/);
    expect(checkClips([{ ...clips[0], text: { states: new Float32Array(3), tokens: 2 } }], shape)).toMatch(/caption states/);
  });
});
