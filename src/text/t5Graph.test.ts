import { beforeAll, describe, expect, it } from 'vitest';
import { buildStudioTokenizer } from '../../scripts/pack/textTokenizer';
import { buildTextEncoder, STUDIO_T5 } from '../../scripts/pack/textEncoder';
import { createNodeOrtSession } from '../runtime/ortSessionNode';
import { int64, outputOf, type SessionRunner } from '../runtime/sessionRunner';
import { relativeBiasTable, relativePositionBucket } from './t5Design';
import { t5ReferenceForward } from './t5Reference';
import { loadTokenizer } from './tokenizer';

const tok = loadTokenizer(buildStudioTokenizer());
const built = buildTextEncoder(tok.vocabSize);
const D = STUDIO_T5.dModel;
let session: SessionRunner;

beforeAll(async () => {
  session = await createNodeOrtSession(built.bytes);
});

async function run(ids: number[][], mask?: number[][]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const B = ids.length;
  const S = ids[0].length;
  const m = mask ?? ids.map((r) => r.map(() => 1));
  const out = await session.run({
    input_ids: int64(BigInt64Array.from(ids.flat(), BigInt), [B, S]),
    attention_mask: int64(BigInt64Array.from(m.flat(), BigInt), [B, S]),
  });
  return outputOf(out, 'last_hidden_state', 'float32');
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function meanState(x: Float32Array, S: number): Float64Array {
  const m = new Float64Array(D);
  for (let s = 0; s < S; s++) for (let i = 0; i < D; i++) m[i] += x[s * D + i] / S;
  return m;
}

function cosine(a: Float64Array, b: Float64Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

describe('relative position buckets (T5, bidirectional, 32 buckets, max distance 128)', () => {
  it('matches the T5 bucket layout', () => {
    const b = (rel: number) => relativePositionBucket(rel, 32, 128);
    // Keys before the query use buckets 0..15, after it 16..31; |rel| < 8 is exact.
    expect([b(0), b(-1), b(-7), b(1), b(7)]).toEqual([0, 1, 7, 17, 23]);
    // Log-spaced from 8 to 128: 8 + floor(log(n/8) / log(16) * 8); bucket 9 starts at n >= 8 * 16^(1/8) = 11.3,
    // n = 16, 32, 64 land exactly on 10, 12, 14 (float32 as torch), and 91 is the first n in the last bucket.
    expect([b(-8), b(-11), b(-12), b(-16), b(-32), b(-64), b(-90), b(-91)]).toEqual([8, 8, 9, 10, 12, 14, 14, 15]);
    expect([b(8), b(16), b(127), b(128), b(1000)]).toEqual([24, 26, 31, 31, 31]);
  });

  it('saturates before max distance, so clamping offsets to +-128 is exact for any length', () => {
    const table = relativeBiasTable(built.weights.relBias, built.config);
    const H = STUDIO_T5.numHeads;
    expect(table.length).toBe((2 * 128 + 1) * H);
    for (const rel of [129, 500, 10_000]) {
      expect(relativePositionBucket(rel, 32, 128)).toBe(relativePositionBucket(128, 32, 128));
      expect(relativePositionBucket(-rel, 32, 128)).toBe(relativePositionBucket(-128, 32, 128));
    }
  });
});

describe('bundled T5 encoder graph', () => {
  it('has the HF T5 encoder interface and stays small', () => {
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
    expect(session.outputNames).toEqual(['last_hidden_state']);
    expect(built.bytes.length).toBeLessThan(7_000_000);
  });

  it('builds identical bytes from the same seed', () => {
    const again = buildTextEncoder(tok.vocabSize);
    expect(Buffer.from(again.bytes).equals(Buffer.from(built.bytes))).toBe(true);
    const other = buildTextEncoder(tok.vocabSize, 12345);
    expect(Buffer.from(other.bytes).equals(Buffer.from(built.bytes))).toBe(false);
  });

  it.each([1, 7, 40, 150])('matches the float64 reference forward for S = %i', async (S) => {
    const ids = Array.from({ length: S }, (_, i) => (i * 131 + 7) % tok.vocabSize);
    ids[S - 1] = 1;
    const out = await run([ids]);
    expect(out.dims).toEqual([1, S, D]);
    expect(maxDiff(out.data, t5ReferenceForward(built.weights, ids, ids.map(() => 1)))).toBeLessThan(1e-4);
  });

  it('applies the attention mask: padded batch rows equal the unpadded run', async () => {
    const a = tok.encode('slow piano melody in D minor').ids; // 7 tokens
    const b = tok.encode('heavy metal drums').ids; // 4 tokens
    const S = a.length;
    const bPad = [...b, ...Array(S - b.length).fill(0)];
    const mask = [a.map(() => 1), bPad.map((_, i) => (i < b.length ? 1 : 0))];
    const batch = await run([a, bPad], mask);
    expect(batch.dims).toEqual([2, S, D]);
    const alone = await run([b]);
    expect(maxDiff(batch.data.subarray(S * D, S * D + b.length * D), alone.data)).toBeLessThan(1e-5);
    expect(maxDiff(batch.data.subarray(S * D), t5ReferenceForward(built.weights, bPad, mask[1]))).toBeLessThan(1e-4);
    const allMasked = await run([b], [b.map(() => 0)]);
    expect(allMasked.data.every(Number.isFinite)).toBe(true);
  });

  it('is deterministic, unit-scale, and separates different prompts', async () => {
    const prompts = [
      'slow piano melody in D minor',
      'aggressive heavy metal with distorted guitars',
      'upbeat 80s synthwave with driving bass',
      'calm ambient pads with rain',
      'funky disco groove with slap bass and horns',
    ];
    const means: Float64Array[] = [];
    for (const p of prompts) {
      const ids = tok.encode(p).ids;
      const x = (await run([ids])).data;
      expect(maxDiff(x, (await run([ids])).data)).toBe(0);
      let ss = 0;
      for (const v of x) ss += v * v;
      expect(Math.sqrt(ss / x.length)).toBeCloseTo(1, 2); // final RMS norm with unit weights
      means.push(meanState(x, ids.length));
    }
    let worst = -1;
    for (let i = 0; i < means.length; i++) for (let j = i + 1; j < means.length; j++) worst = Math.max(worst, cosine(means[i], means[j]));
    // Measured 0.69 (the shared </s> and 'with' pull pairs together).
    expect(worst).toBeLessThan(0.9);
    // Word order matters too (relative position bias + attention), though less than word choice.
    const ab = meanState((await run([tok.encode('piano then drums').ids])).data, 4);
    const ba = meanState((await run([tok.encode('drums then piano').ids])).data, 4);
    expect(cosine(ab, ba)).toBeLessThan(0.99); // measured 0.94
  });
});
