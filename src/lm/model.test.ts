import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createCache, disposeCache, extend, step, type CacheLayout } from './cache';
import { parseLmConfig } from './config';
import { disposeLm, embedCodes, forward, sinusoidTable, type Lm } from './model';
import { initLm } from './weights';
import { caseFull, caseStreaming, disposeCond, f32, flat, loadTiny, maxAbsDiff, tinyCond, tinySequence } from './testdata/lmTiny';
import { readSafetensors } from './safetensors';
import { tinyWeights } from './testdata/lmTiny';
import { useTfLeakCheck } from './testdata/tfLeakCheck';

const TOL = 1e-4; // brief: ~1e-4 abs vs audiocraft float32
const report: Record<string, number> = {};
useTfLeakCheck(); // every test frees what it made
afterAll(() => console.log('lm_tiny parity (max abs diff):', report));

/** Row r of logits [2, K, S, card] as a flat array. */
const row = (x: Float32Array, r: number) => x.subarray(r * (x.length / 2), (r + 1) * (x.length / 2));

async function fullLogits(lm: Lm, which: 'cond' | 'null'): Promise<Float32Array> {
  const cond = tinyCond(which);
  const codes = tinySequence();
  const logits = forward(lm, codes, cond); // [2, 4, 9, 64]
  expect(logits.shape).toEqual([2, 4, 9, 64]);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([logits, codes]);
  disposeCond(cond);
  return out;
}

describe('LM forward vs audiocraft (lm_tiny)', () => {
  it('computes the sinusoid table within 3e-5 of audiocraft', () => {
    const table = readSafetensors(tinyWeights()).tensors.get('decoder.model.decoder.embed_positions.weights')!;
    report.sinusoids = maxAbsDiff(sinusoidTable(256, 64), table.data);
    expect(report.sinusoids).toBeLessThan(3e-5);
  });

  it('reproduces the transformer input (summed embeddings)', async () => {
    const lm = loadTiny();
    const codes = tinySequence();
    // audiocraft adds the sinusoids inside the transformer: transformer_input is the summed embeddings
    const x = tf.tidy(() => embedCodes(lm, codes));
    report.transformerInput = maxAbsDiff(await x.data(), f32(caseFull.cond.transformer_input));
    expect(report.transformerInput).toBeLessThan(1e-5);
    tf.dispose([x, codes]);
    disposeLm(lm);
  });

  it("audiocraft masking ('audiocraft'): all cond and null rows match", async () => {
    const lm = loadTiny({ textMasking: 'audiocraft' });
    report.audiocraftCond = maxAbsDiff(await fullLogits(lm, 'cond'), f32(caseFull.cond.logits));
    report.audiocraftNull = maxAbsDiff(await fullLogits(lm, 'null'), f32(caseFull.null.logits));
    expect(report.audiocraftCond).toBeLessThan(TOL);
    expect(report.audiocraftNull).toBeLessThan(TOL);
    disposeLm(lm);
  });

  it("HF key masking (default): row 0 and null match audiocraft, row 1 matches cond_row1_hf_masking", async () => {
    const lm = loadTiny();
    expect(lm.config.textMasking).toBe('hf');
    const cond = await fullLogits(lm, 'cond');
    const ref = f32(caseFull.cond.logits);
    report.hfRow0 = maxAbsDiff(row(cond, 0), row(ref, 0));
    report.hfRow1 = maxAbsDiff(row(cond, 1), f32(caseFull.cond_row1_hf_masking.logits));
    report.hfNull = maxAbsDiff(await fullLogits(lm, 'null'), f32(caseFull.null.logits));
    expect(report.hfRow0).toBeLessThan(TOL);
    expect(report.hfRow1).toBeLessThan(TOL);
    expect(report.hfNull).toBeLessThan(TOL);
    expect(maxAbsDiff(row(cond, 1), row(ref, 1))).toBeGreaterThan(0.1); // the two semantics really differ there
    disposeLm(lm);
  });

  it('computed sinusoids instead of the file table stay within 1e-4', async () => {
    const lm = loadTiny({ textMasking: 'audiocraft' }, 'computed');
    report.computedPositionsCond = maxAbsDiff(await fullLogits(lm, 'cond'), f32(caseFull.cond.logits));
    expect(report.computedPositionsCond).toBeLessThan(TOL);
    disposeLm(lm);
  });
});

describe('LM KV cache', () => {
  /** Per-step logits [S][B, K, card] -> [B, K, S, card] flat. */
  async function stepped(lm: Lm, which: 'cond' | 'null', chunk = 1, layout: CacheLayout = 'grow'): Promise<Float32Array> {
    const cond = tinyCond(which);
    const seq = tinySequence();
    const cache = createCache(lm, cond, 9, layout);
    const out = new Float32Array(2 * 4 * 9 * 64);
    for (let s = 0; s < 9; ) {
      const L = s === 0 ? chunk : 1;
      const cols = seq.slice([0, 0, s], [2, 4, L]);
      const logits = L === 1 ? step(lm, cols, cache) : extend(lm, cols, cache); // [B, K, card] or [B, K, L, card]
      const data = await logits.data();
      for (let i = 0; i < 2 * 4; i++) for (let l = 0; l < L; l++) out.set(data.subarray((i * L + l) * 64, (i * L + l + 1) * 64), (i * 9 + s + l) * 64);
      tf.dispose([cols, logits]);
      s += L;
    }
    expect(cache.length).toBe(9);
    disposeCache(cache);
    tf.dispose(seq);
    disposeCond(cond);
    return out;
  }
  const streamingRef = (key: string): Float32Array => {
    const steps = caseStreaming[key] as number[][][][]; // [S][B][K][card] with a singleton
    const out = new Float32Array(2 * 4 * 9 * 64);
    steps.forEach((st, s) => flat(st).forEach((v, j) => (out[(Math.floor(j / 64) * 9 + s) * 64 + (j % 64)] = v)));
    return out;
  };

  it('step-by-step logits match case_streaming (audiocraft masking) and our full forward', async () => {
    const lm = loadTiny({ textMasking: 'audiocraft' });
    const cond = await stepped(lm, 'cond');
    report.streamingCond = maxAbsDiff(cond, streamingRef('cond_step_logits'));
    report.streamingNull = maxAbsDiff(await stepped(lm, 'null'), streamingRef('null_step_logits'));
    report.cachedVsFull = maxAbsDiff(cond, await fullLogits(lm, 'cond'));
    expect(report.streamingCond).toBeLessThan(TOL);
    expect(report.streamingNull).toBeLessThan(TOL);
    expect(report.cachedVsFull).toBeLessThan(1e-5);
    disposeLm(lm);
  });

  it('HF masking: a 4-column first chunk then single steps equal the full forward', async () => {
    const lm = loadTiny();
    report.cachedChunkVsFullHf = maxAbsDiff(await stepped(lm, 'cond', 4), await fullLogits(lm, 'cond'));
    expect(report.cachedChunkVsFullHf).toBeLessThan(1e-5);
    disposeLm(lm);
  });

  it.each([['audiocraft', 1], ['hf', 4]] as const)('the static layout (%s masking, first chunk %i) equals the growing one and the full forward', async (textMasking, chunk) => {
    const lm = loadTiny({ textMasking });
    const full = await fullLogits(lm, 'cond');
    const grow = await stepped(lm, 'cond', chunk, 'grow');
    const fixed = await stepped(lm, 'cond', chunk, 'static');
    expect(maxAbsDiff(fixed, full)).toBeLessThan(1e-5);
    expect(maxAbsDiff(fixed, grow)).toBeLessThan(1e-5);
    disposeLm(lm);
  });

  it.each(['grow', 'static'] as const)('refuses to write past its capacity and frees everything (%s)', (layout) => {
    const lm = loadTiny();
    const cond = tinyCond('cond');
    const cache = createCache(lm, cond, 1, layout);
    const col = tf.fill([2, 4, 1], 64, 'int32') as tf.Tensor3D;
    tf.dispose(step(lm, col, cache));
    expect(() => step(lm, col, cache)).toThrow(/capacity/);
    disposeCache(cache);
    tf.dispose(col);
    disposeCond(cond);
    disposeLm(lm);
  });
});

describe('LM prefix conditioning (melody style)', () => {
  const cfg = parseLmConfig({ dim: 32, layers: 2, heads: 4, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, conditioning: 'prefix', chromaBins: 12 });

  it('prepends chroma + text, strips prefix logits, and the cache agrees with the full forward', async () => {
    const lm = initLm(cfg, 7);
    expect(lm.params.blocks[0].crossAttn).toBeUndefined();
    const oneHot = (rows: number[][]) => tf.tidy(() => tf.oneHot(tf.tensor2d(rows, [2, 3], 'int32'), 12).toFloat() as tf.Tensor3D); // [2, 3, 12]
    const chroma = oneHot([[0, 4, 7], [2, 2, 2]]);
    const cond = { textStates: tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1) as tf.Tensor3D, textMask: tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]]), chroma };
    const codes = tf.tensor3d(Array.from({ length: 2 * 4 * 6 }, (_, i) => (i * 5) % 17), [2, 4, 6], 'int32');
    const full = forward(lm, codes, cond); // [2, 4, 6, 16]
    expect(full.shape).toEqual([2, 4, 6, 16]);
    for (const layout of ['grow', 'static'] as const) {
      const cache = createCache(lm, cond, 6, layout);
      expect(cache.prefixLength).toBe(8);
      const head = codes.slice([0, 0, 0], [2, 4, 4]) as tf.Tensor3D; // [2, 4, 4]: a chunk, then single columns
      const parts = [extend(lm, head, cache)]; // [2, 4, 4, 16]
      for (let s = 4; s < 6; s++) {
        const col = codes.slice([0, 0, s], [2, 4, 1]) as tf.Tensor3D;
        parts.push(extend(lm, col, cache)); // [2, 4, 1, 16]
        col.dispose();
      }
      const cached = tf.concat(parts, 2); // [2, 4, 6, 16]
      expect(maxAbsDiff(await cached.data(), await full.data())).toBeLessThan(1e-5);
      disposeCache(cache);
      tf.dispose([head, cached, ...parts]);
    }
    // the prefix matters: another melody gives other logits
    const other = { ...cond, chroma: oneHot([[9, 9, 9], [1, 1, 1]]) };
    const moved = forward(lm, codes, other);
    expect(maxAbsDiff(await moved.data(), await full.data())).toBeGreaterThan(1e-3);
    tf.dispose([full, moved, codes, other.chroma]);
    disposeCond(cond);
    disposeLm(lm);
  });
});
