// The fused WebGPU step against tfjs's own WebGPU ops (cache.ts 'static', itself checked against
// audiocraft), on Dawn in Node: SwiftShader here and in CI (Debian's chromium ships it).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createCache, disposeCache, extend } from '../cache';
import { parseLmConfig, type LmConfig } from '../config';
import { generate } from '../generate';
import { createLora, disposeLora, withLora } from '../lora';
import { disposeLm, type LmCondition } from '../model';
import { createStepper, setFusedDecoding } from '../stepper';
import { disposeCond, loadTiny, tinyCond, tinySequence } from '../testdata/lmTiny';
import { SWIFTSHADER_ICD, useDawnWebGpu } from '../testdata/dawnGpu';
import { initLm } from '../weights';
import { maxDeviation } from '../../util/deviation';
import { checkFusedStep } from '../../workers/gpuSelfTest';
import { FusedStep, fusedUnsupported } from './fusedStep';
import { compareFused, fusedDisagrees } from './selfCheck';

// Debian's chromium (which `npm test` needs anyway) brings SwiftShader; without it there is no adapter to test on.
const gpuHere = existsSync(SWIFTSHADER_ICD) || !!process.env.VK_ICD_FILENAMES;

describe.runIf(gpuHere)('fused WebGPU decoding step', () => {
  let before = 0;
  beforeAll(async () => {
    expect(await useDawnWebGpu(), 'no WebGPU adapter in Node: these tests need the Vulkan loader (Debian: apt-get install libvulkan1) and Chromium\'s SwiftShader (.ci/run installs both)').not.toBeNull();
  }, 60_000);
  afterAll(() => setFusedDecoding(true));
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  /** cond rows then null rows, as generate batches them for CFG: [4, 5, 32]. */
  function cfgBatch(): LmCondition {
    const c = tinyCond('cond');
    const n = tinyCond('null');
    const out = { textStates: tf.concat([c.textStates, n.textStates]) as tf.Tensor3D, textMask: tf.concat([c.textMask, n.textMask]) as tf.Tensor2D };
    disposeCond(c);
    disposeCond(n);
    return out;
  }

  /** Largest |fused - static cache| over every column of the parity sequence (and its reverse), and the logits' peak. */
  async function compare(overrides: Partial<LmConfig>): Promise<{ diff: number; peak: number }> {
    const lm = loadTiny(overrides);
    const cond = cfgBatch();
    const rows = tf.tidy(() => {
      const seq = tinySequence(); // [2, K, 9]
      return tf.concat([seq, seq.reverse(2)]) as tf.Tensor3D; // [4, K, 9]
    });
    const [R, K, S] = rows.shape;
    const ids = (await rows.data()) as Int32Array;
    const columns = Array.from({ length: S }, (_, s) => new Int32Array(R * K).map((_, i) => ids[i * S + s])); // S x [R, K]
    const check = (await compareFused(lm, { cond, columns }))!;
    expect(check.columns).toBe(S);
    tf.dispose([rows, cond.textStates, cond.textMask]);
    disposeLm(lm);
    return { diff: check.maxDiff, peak: check.peak };
  }

  it('gives the static cache\'s logits at every column (padded text keys masked, as Hugging Face does)', async () => {
    const { diff, peak } = await compare({});
    expect(peak).toBeGreaterThan(1);
    expect(diff).toBeLessThan(1e-5 * peak);
  });

  it('and with audiocraft\'s masking (padded text keys kept)', async () => {
    const { diff, peak } = await compare({ textMasking: 'audiocraft' });
    expect(peak).toBeGreaterThan(1);
    expect(diff).toBeLessThan(1e-5 * peak);
  });

  it('prefills a prompt in one batched pass: the next column\'s logits are the static cache\'s, and the steps after it too', async () => {
    const lm = loadTiny();
    const cond = cfgBatch();
    const seq = tf.tidy(() => tf.concat([tinySequence(), tinySequence().reverse(2)]) as tf.Tensor3D); // [4, K, 9]
    const [R, K, S] = seq.shape;
    const ids = (await seq.data()) as Int32Array;
    const P = 6; // prompt columns
    const cache = createCache(lm, cond, S, 'static');
    const ref = extend(lm, seq, cache); // [R, K, S, card]
    const want = (await ref.data()) as Float32Array;
    const card = lm.config.card;
    const fused = await FusedStep.create(lm, cond, S);
    const prompt = new Int32Array(R * K * P).map((_, i) => ids[Math.floor(i / P) * S + (i % P)]); // [R, K, P]
    await fused.prefill(prompt, P, 4); // two tfjs passes: 4 columns, then 2 at offset 4
    expect(fused.length).toBe(P);
    let peak = 0;
    for (let s = P; s < S; s++) {
      const got = (await fused.column(new Int32Array(R * K).map((_, i) => ids[i * S + s]), true))!; // [R, K, card]
      const exp = new Float32Array(R * K * card).map((_, i) => want[(Math.floor(i / card) * S + s) * card + (i % card)]);
      const d = maxDeviation(got, exp);
      expect(d.maxDiff).toBeLessThan(1e-5 * d.peak);
      peak = Math.max(peak, d.peak);
    }
    expect(peak).toBeGreaterThan(1);
    await expect(fused.prefill(prompt, P)).rejects.toThrow(/only before the first column/);
    fused.dispose();
    disposeCache(cache);
    tf.dispose([seq, ref, cond.textStates, cond.textMask]);
    disposeLm(lm);
  });

  it('attends over more keys than a workgroup has threads (300 positions, 256 threads) as the static cache does', async () => {
    const lm = loadTiny({ maxPositions: 320 }, 'computed');
    const cond = tinyCond('cond'); // [2, 5, 32]
    const [R, K, S, P] = [2, lm.config.codebooks, 300, 296];
    const ids = new Int32Array(R * K * S).map((_, i) => (i * 7919 + 13) % (lm.config.card + 1)); // [R, K, S], the special token included
    const seq = tf.tensor3d(ids, [R, K, S], 'int32');
    const cache = createCache(lm, cond, S, 'static');
    const ref = extend(lm, seq, cache); // [R, K, S, card]
    const want = (await ref.data()) as Float32Array;
    const card = lm.config.card;
    const fused = await FusedStep.create(lm, cond, S);
    await fused.prefill(new Int32Array(R * K * P).map((_, i) => ids[Math.floor(i / P) * S + (i % P)]), P);
    for (let s = P; s < S; s++) {
      const got = (await fused.column(new Int32Array(R * K).map((_, i) => ids[i * S + s]), true))!; // [R, K, card]
      const d = maxDeviation(got, new Float32Array(R * K * card).map((_, i) => want[(Math.floor(i / card) * S + s) * card + (i % card)]));
      expect(d.peak).toBeGreaterThan(1);
      expect(d.maxDiff).toBeLessThan(1e-5 * d.peak);
    }
    fused.dispose();
    disposeCache(cache);
    tf.dispose([seq, ref]);
    disposeCond(cond);
    disposeLm(lm);
  });

  it('generate takes the fused path and samples the same tokens as the tfjs ops, with and without a prompt', async () => {
    const lm = loadTiny();
    const c = tinyCond('cond');
    const kinds: string[] = [];
    const run = async (fused: boolean, prompt?: { codes: Int32Array; frames: number }) => {
      setFusedDecoding(fused);
      const s = await createStepper(lm, c, 4);
      kinds.push(s.kind);
      s.dispose();
      return generate(lm, { ...c, frames: 14, seed: 7, cfg: 3, ...(prompt ? { prompt } : {}) });
    };
    const a = await run(true);
    const b = await run(false);
    expect(kinds).toEqual(['fused', 'static']);
    expect(Array.from(a)).toEqual(Array.from(b));
    const prompt = { codes: new Int32Array(2 * 4 * 5).map((_, i) => a[Math.floor(i / 5) * 14 + (i % 5)]), frames: 5 }; // [2, K, 5]: a's first frames
    const pa = await run(true, prompt);
    const pb = await run(false, prompt);
    expect(Array.from(pa)).toEqual(Array.from(pb));
    for (let q = 0; q < 2 * 4; q++) expect(Array.from(pa.slice(q * 14, q * 14 + 5))).toEqual(Array.from(a.slice(q * 14, q * 14 + 5))); // the prompt is kept
    setFusedDecoding(true);
    disposeCond(c);
    disposeLm(lm);
  });

  it('says why it does not apply: live adapters, melody prefix, batch, length, backend', async () => {
    const lm = loadTiny();
    expect(fusedUnsupported(lm, 2, 100)).toBeNull();
    const lora = createLora(lm, { rank: 2 });
    expect(fusedUnsupported(withLora(lm, lora), 2, 100)).toBe('live LoRA adapters');
    disposeLora(lora);
    expect(fusedUnsupported(lm, 9, 100)).toBe('batch 9 > 8');
    expect(fusedUnsupported(lm, 2, 100_000)).toMatch(/100000 positions exceed workgroup memory/);
    const melody = initLm(parseLmConfig({ dim: 32, layers: 1, heads: 4, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64, conditioning: 'prefix', chromaBins: 12 }), 1);
    expect(fusedUnsupported(melody, 2, 10)).toBe('prefix conditioning');
    disposeLm(melody);
    await tf.setBackend('cpu');
    expect(fusedUnsupported(lm, 2, 100)).toBe('backend cpu');
    await tf.setBackend('webgpu');
    disposeLm(lm);
  });

  it('passes its load-time self-test here, and a step that computes wrong numbers is switched off with a notice', async () => {
    const lm = loadTiny();
    const check = await compareFused(lm);
    expect(check).not.toBeNull();
    expect(fusedDisagrees(check!)).toBe(false);
    const c = tinyCond('cond');
    const kind = async () => {
      const s = await createStepper(lm, c, 4);
      s.dispose();
      return s.kind;
    };
    expect(await kind()).toBe('fused');
    const column = FusedStep.prototype.column;
    FusedStep.prototype.column = async function (codes, read) { // a kernel that drifts on some driver
      const out = await column.call(this, codes, read);
      return out && out.map((v, i) => (i % 7 === 0 ? v + 0.5 : v));
    };
    try {
      const notice = await checkFusedStep(lm);
      expect(notice).toMatchObject({ code: 'GPU_SELF_TEST' });
      expect(notice!.message).toMatch(/fast decoding step differed from tfjs by 0\.5/);
      expect(await kind()).toBe('static');
    } finally {
      FusedStep.prototype.column = column;
      setFusedDecoding(true);
    }
    disposeCond(c);
    disposeLm(lm);
  });
});
