import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { bandScale, bandWeights, gainLevelKept } from '../../src/codec/design';
import { createNodeOrtSession } from '../../src/runtime/ortSessionNode';
import { float32, outputOf } from '../../src/runtime/sessionRunner';
import { fromHalf, toHalf } from '../../src/util/half';
import { mulberry32 } from '../../src/util/rng';
import { buildEncoderGraph, type Codebooks } from './codecGraphs';
import { readCodebooks } from './readCodebooks';
import { GraphBuilder } from './onnx';

const { bands: dims } = bandWeights();
const card = 64;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A small codec's codebooks: stage 0 = evenly spaced constant log levels (the gain stage), then random stages. */
function books(): Codebooks {
  const rand = mulberry32(5);
  const levels = new Float32Array(card * dims);
  for (let j = 0; j < card; j++) levels.fill(-20 + (19 * j) / (card - 1), j * dims, (j + 1) * dims);
  const rest = [1, 2].map(() => Float32Array.from({ length: card * dims }, () => rand() - 0.5));
  // float16-exact, as trainRvq's are (the graphs store float16)
  return [levels, ...rest].map((b) => b.map((v) => fromHalf(toHalf(v))));
}

describe('gain levels kept', () => {
  it('keeps the middle level of each group, one per group; step 1 keeps all', () => {
    const kept = Array.from({ length: 2048 }, (_, j) => j).filter((j) => gainLevelKept(j, 32, 2048));
    expect(kept.length).toBe(64);
    expect(kept.slice(0, 3)).toEqual([16, 48, 80]);
    expect(kept.every((j, i) => Math.floor(j / 32) === i)).toBe(true);
    expect(Array.from({ length: 10 }, (_, j) => gainLevelKept(j, 1, 10)).every(Boolean)).toBe(true);
    expect(Array.from({ length: 10 }, (_, j) => j).filter((j) => gainLevelKept(j, 4, 10))).toEqual([2, 6, 9]); // last group clamped
  });
});

describe('codec encoder graph', () => {
  const x = Float32Array.from({ length: 32000 }, (_, i) => Math.sin(i / 7) * 0.3 * (1 + Math.sin(i / 3000)) * (i % 6400 < 800 ? 1 : 0.2));
  const encode = async (bytes: Uint8Array) => {
    const s = await createNodeOrtSession(bytes);
    try {
      return outputOf(await s.run({ input_values: float32(x, [1, 1, x.length]) }), 'audio_codes', 'int64').data;
    } finally {
      await s.release();
    }
  };

  it('with a gain step, picks only the kept gain levels, the nearest of them', async () => {
    const scale = bandScale();
    const fine = await encode(buildEncoderGraph(books(), dims, { scale }));
    const coarse = await encode(buildEncoderGraph(books(), dims, { scale, gainStep: 8 }));
    const T = fine.length / 3;
    const fine0 = Array.from(fine.subarray(0, T), Number);
    const coarse0 = Array.from(coarse.subarray(0, T), Number);
    expect(new Set(fine0).size).toBeGreaterThan(4); // the signal's level moves
    expect(coarse0.every((j) => gainLevelKept(j, 8, card))).toBe(true);
    // The kept level nearest to the frame's level (the full-resolution pick), give or take one kept level's rounding.
    const kept = Array.from({ length: card }, (_, j) => j).filter((j) => gainLevelKept(j, 8, card));
    for (let t = 0; t < T; t++) {
      const nearest = Math.min(...kept.map((j) => Math.abs(j - fine0[t])));
      expect(Math.abs(coarse0[t] - fine0[t])).toBeLessThanOrEqual(nearest + 1);
    }
  });

  it('gives its codebooks back, so the same graph can be rebuilt byte for byte', () => {
    const scale = bandScale();
    const bytes = buildEncoderGraph(books(), dims, { scale, gainStep: 8 });
    const back = readCodebooks(bytes);
    expect(back.dims).toBe(dims);
    expect(back.codebooks.length).toBe(3);
    expect(Array.from(back.scale!)).toEqual(Array.from(scale));
    expect(sha(buildEncoderGraph(back.codebooks, back.dims, { scale: back.scale, gainStep: 8 }))).toBe(sha(bytes));
    expect(() => readCodebooks(new Uint8Array([8, 7]))).toThrow();
  });
});

describe('graph builder', () => {
  // ONNX Runtime keeps the last of two initializers with one name and warns on every load (the
  // session-14 decoder had five such pairs).
  it('refuses a name given twice, for initializers, nodes and inputs alike', () => {
    const g = new GraphBuilder('t');
    g.f32('a', [1], [1]);
    expect(() => g.f32('a', [1], [2])).toThrow(/a is already taken/);
    expect(() => g.i64('a', [1], [2])).toThrow(/already taken/);
    g.input('x', 'float32', [1]);
    expect(() => g.o('Add', ['x', 'a'], {}, 'x')).toThrow(/x is already taken/);
    expect(() => g.input('a', 'float32', [1])).toThrow(/already taken/);
    expect(g.o('Add', ['x', 'a'])).not.toBe(g.o('Add', ['x', 'a']));
  });
});
