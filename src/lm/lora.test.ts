import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors/StudioError';
import { parseLmConfig } from './config';
import { buildDelayed } from './delayPattern';
import { generate } from './generate';
import { blockTargets, createLora, defaultTargets, disposeLora, loraParamCount, mergedLora, mergeLora, resolveLoraConfig, unmergeLora, withLora, type Lora } from './lora';
import { loadLora, saveLora } from './loraFile';
import { disposeLm, forward, type Lm } from './model';
import { paramCount } from './memory';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';
import { argmax } from './sampling';
import { codesOf, condition, disposeCond, logitsOf, prefixTiny, randomize, tiny } from './testdata/loraFixtures';
import { useTfLeakCheck } from './testdata/tfLeakCheck';
import { initLm, lmFromTensors, saveLm } from './weights';

useTfLeakCheck();

async function snapshot(vars: Map<string, tf.Variable>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [n, v] of vars) out.set(n, (await v.data()).slice() as Float32Array);
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** The base weights with every adapted W replaced by W + scale · B A, in plain JS (float64 sums). */
async function replacedWeights(lm: Lm, lora: Lora): Promise<Map<string, NamedTensor>> {
  const out = new Map<string, NamedTensor>();
  for (const [n, v] of lm.named) out.set(n, { shape: v.shape, data: (await v.data()).slice() as Float32Array });
  const r = lora.config.rank;
  for (const p of lora.pairs) {
    const w = out.get(p.base)!;
    const [rows, cols] = w.shape;
    const A = (await p.a.data()) as Float32Array;
    const B = (await p.b.data()) as Float32Array;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let s = 0;
        // linear W [out, in]: Σ_k B[i, k] A[k, j];  embedding table [n, d]: Σ_k B[j, k] A[k, i]  ((B A)ᵀ)
        for (let k = 0; k < r; k++) s += p.embedding ? B[j * r + k] * A[k * rows + i] : B[i * r + k] * A[k * cols + j];
        w.data[i * cols + j] += lora.scale * s;
      }
    }
  }
  return out;
}

describe('LoRA adapters', () => {
  it('names, shapes and init follow PEFT; default targets are musicgen.md §1.6', () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    const lora = createLora(lm, {}, 3);
    expect(lora.config).toEqual({ rank: 16, alpha: 32, targets: defaultTargets(cfg) });
    expect(lora.scale).toBe(2);
    expect(defaultTargets(cfg)).toEqual([...blockTargets(cfg), 'enc_to_dec_proj', 'lm_heads', 'embed_tokens']);
    const D = 'decoder.model.decoder';
    expect(lora.named.get(`${D}.layers.1.self_attn.q_proj.lora_A.weight`)!.shape).toEqual([16, 32]);
    expect(lora.named.get(`${D}.layers.1.self_attn.q_proj.lora_B.weight`)!.shape).toEqual([32, 16]);
    expect(lora.named.get(`${D}.layers.0.encoder_attn.out_proj.lora_B.weight`)!.shape).toEqual([32, 16]);
    expect(lora.named.get(`${D}.layers.0.fc1.lora_A.weight`)!.shape).toEqual([16, 32]);
    expect(lora.named.get(`${D}.layers.0.fc1.lora_B.weight`)!.shape).toEqual([64, 16]);
    expect(lora.named.get(`${D}.layers.0.fc2.lora_A.weight`)!.shape).toEqual([16, 64]);
    expect(lora.named.get('enc_to_dec_proj.lora_A.weight')!.shape).toEqual([16, 8]);
    expect(lora.named.get('decoder.lm_heads.3.lora_B.weight')!.shape).toEqual([16, 16]);
    expect(lora.named.get(`${D}.embed_tokens.2.lora_embedding_A`)!.shape).toEqual([16, 17]);
    expect(lora.named.get(`${D}.embed_tokens.2.lora_embedding_B`)!.shape).toEqual([32, 16]);
    expect(lora.named.has(`${D}.layers.0.self_attn_layer_norm.lora_A.weight`)).toBe(false);
    expect(lora.named.size).toBe(2 * (2 * 10 + 1 + 4 + 4));
    // PEFT init: linears A ~ U(±1/√in), B = 0; embeddings A = 0, B ~ N(0, 1)
    const a = lora.named.get(`${D}.layers.0.fc2.lora_A.weight`)!.dataSync();
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.1);
    expect(lora.named.get(`${D}.layers.0.fc2.lora_B.weight`)!.dataSync().every((x) => x === 0)).toBe(true);
    expect(lora.named.get(`${D}.embed_tokens.0.lora_embedding_A`)!.dataSync().every((x) => x === 0)).toBe(true);
    // seeded
    const again = createLora(lm, {}, 3);
    expect(Array.from(again.named.get(`${D}.layers.0.fc2.lora_A.weight`)!.dataSync())).toEqual(Array.from(a));
    // prefix mode: no cross-attention, audio_enc_to_dec_proj instead
    const pre = initLm(prefixTiny(), 1);
    expect(defaultTargets(pre.config)).toContain('audio_enc_to_dec_proj');
    expect(() => createLora(pre, { targets: ['encoder_attn.q_proj'] })).toThrow(/matches no weight/);
    expect(() => createLora(lm, { rank: 0 })).toThrow(/rank/);
    const other = initLm(tiny({ ffn: 48 }), 1);
    expect(() => withLora(other, lora)).toThrow(/fc1.weight is \[48,32\], the adapter updates \[64,32\]/);
    expect(() => mergeLora(other, lora)).toThrow(/the adapter updates/);
    disposeLm(other);
    expect(() => createLora(lm, { targets: ['fc3' as never] })).toThrow(/unknown target/);
    [lora, again].forEach(disposeLora);
    [lm, pre].forEach(disposeLm);
  });

  it('a fresh adapter (B = 0) leaves the logits identical to the base model', async () => {
    for (const cfg of [tiny(), prefixTiny()]) {
      const lm = initLm(cfg, 1);
      const lora = createLora(lm, {}, 5);
      expect(Array.from(await logitsOf(withLora(lm, lora), cfg))).toEqual(Array.from(await logitsOf(lm, cfg)));
      disposeLora(lora);
      disposeLm(lm);
    }
  });

  it('with non-zero B, the adapted forward equals a model whose weights are W + scale · B A', async () => {
    for (const cfg of [tiny(), prefixTiny()]) {
      const lm = initLm(cfg, 1);
      const lora = createLora(lm, { rank: 4, alpha: 6 }, 5);
      randomize(lora, 9);
      const ref = lmFromTensors(cfg, await replacedWeights(lm, lora));
      const base = await logitsOf(lm, cfg);
      const adapted = await logitsOf(withLora(lm, lora), cfg);
      const want = await logitsOf(ref, cfg);
      expect(maxDiff(adapted, base)).toBeGreaterThan(0.1); // the adapter does something
      expect(maxDiff(adapted, want)).toBeLessThan(1e-4);
      disposeLm(ref);
      disposeLora(lora);
      disposeLm(lm);
    }
  });

  it('gradients reach only A and B through the adapted view', () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    const lora = createLora(lm, { rank: 2, targets: ['self_attn.v_proj', 'fc2', 'lm_heads', 'embed_tokens'] }, 5);
    randomize(lora, 3);
    const cond = condition(cfg, 1);
    const codes = codesOf(cfg, 1, 5);
    const loraVars = [...lora.named.values()];
    const { value, grads } = tf.variableGrads(() => forward(withLora(lm, lora), codes, cond).square().mean() as tf.Scalar, loraVars);
    expect(Object.keys(grads).sort()).toEqual(loraVars.map((v) => v.name).sort());
    for (const v of loraVars) expect(tf.tidy(() => grads[v.name].abs().sum().dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads), codes]);
    disposeCond(cond);
    disposeLora(lora);
    disposeLm(lm);
  });

  it('merge then unmerge restores the base weights; merged generation equals the adapted forward', async () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    const lora = createLora(lm, {}, 5);
    randomize(lora, 9);
    const base = await snapshot(lm.named);
    const adaptedLogits = await logitsOf(withLora(lm, lora), cfg);
    const T = 10, K = cfg.codebooks, S = T + K, card = cfg.card;
    const cond = condition(cfg, 1);
    const gen = (m: Lm) => generate(m, { ...cond, frames: T, cfg: 1, temperature: 0 });
    const viaView = await gen(withLora(lm, lora)); // KV cache + fused heads with the adapter's thin path

    mergeLora(lm, lora);
    expect(mergedLora(lm)).toBe(lora);
    expect(() => mergeLora(lm, lora)).toThrow(/already merged/);
    expect(() => withLora(lm, lora)).toThrow(/already merged/);
    expect(maxDiff(await logitsOf(lm, cfg), adaptedLogits)).toBeLessThan(1e-4);
    const merged = await gen(lm);
    expect(Array.from(merged)).toEqual(Array.from(viaView));
    // every greedy token is the argmax of the adapted (unmerged-view) full forward at the column before
    unmergeLora(lm);
    const { values: seq, mask } = buildDelayed(merged, K, T, card);
    const input = tf.tensor3d(seq, [1, K, S], 'int32');
    const logits = forward(withLora(lm, lora), input, cond); // [1, K, S, card]
    const data = (await logits.data()) as Float32Array;
    let checked = 0;
    for (let q = 0; q < K; q++) for (let s = 1; s < S; s++) {
      if (!mask[q * S + s]) continue;
      expect(seq[q * S + s]).toBe(argmax(data.subarray((q * S + s - 1) * card, (q * S + s) * card)));
      checked++;
    }
    expect(checked).toBe(K * T);
    tf.dispose([logits, input]);

    // default unmerge: within float rounding; exact: bit for bit
    expect(mergedLora(lm)).toBeNull();
    let worst = 0;
    for (const [n, v] of lm.named) worst = Math.max(worst, maxDiff(await v.data(), base.get(n)!));
    expect(worst).toBeGreaterThan(0); // rounding did happen somewhere...
    expect(worst).toBeLessThan(1e-6); // ...at the float32 ulp level
    const before = await snapshot(lm.named);
    mergeLora(lm, lora, { exact: true });
    unmergeLora(lm);
    for (const [n, v] of lm.named) expect(Array.from(await v.data()), n).toEqual(Array.from(before.get(n)!));
    expect(() => unmergeLora(lm)).toThrow(/no adapter is merged/);
    disposeCond(cond);
    disposeLora(lora);
    disposeLm(lm);
  });

  it('save / load round trip: identical tensors, metadata and logits', async () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    const lora = createLora(lm, { rank: 4, alpha: 8, targets: blockTargets(cfg) }, 5);
    randomize(lora, 9);
    const bytes = await saveLora(lora, { name: 'punk', steps: '300' });
    const { metadata, tensors } = readSafetensors(bytes);
    expect(metadata).toMatchObject({ format: 'pt', 'studio.lora': '1', rank: '4', alpha: '8', name: 'punk', steps: '300' });
    expect(JSON.parse(metadata.targets)).toEqual(blockTargets(cfg));
    expect(JSON.parse(metadata.base_config)).toEqual(cfg);
    expect([...tensors.keys()].sort()).toEqual([...lora.named.keys()].sort()); // adapters only, no base weight
    const back = loadLora(lm, bytes);
    expect(back.config).toEqual(lora.config);
    expect(back.scale).toBe(2);
    for (const [n, v] of lora.named) expect(Array.from(await back.named.get(n)!.data()), n).toEqual(Array.from(await v.data()));
    expect(Array.from(await logitsOf(withLora(lm, back), cfg))).toEqual(Array.from(await logitsOf(withLora(lm, lora), cfg)));
    // PEFT's `base_model.model.` prefix is accepted
    const peft = writeSafetensors(new Map([...tensors].map(([n, t]) => [`base_model.model.${n}`, t])), metadata);
    const fromPeft = loadLora(lm, peft);
    expect(fromPeft.named.size).toBe(lora.named.size);
    [lora, back, fromPeft].forEach(disposeLora);
    disposeLm(lm);
  });

  it('dropout: validated, saved only when set, on linears only, and only in a training forward', async () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    expect(() => createLora(lm, { dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(resolveLoraConfig(cfg, { rank: 2, dropout: 0 })).not.toHaveProperty('dropout'); // 0: the config of a run without it
    const lora = createLora(lm, { rank: 2, dropout: 0.25 }, 1);
    randomize(lora, 9);
    const bytes = await saveLora(lora);
    expect(readSafetensors(bytes).metadata.dropout).toBe('0.25');
    const back = loadLora(lm, bytes);
    expect(back.config.dropout).toBe(0.25);
    const view = withLora(lm, lora, { step: 7 });
    const dropped = [...view.adapters!.values()].filter((a) => a.dropout);
    expect(dropped).toHaveLength(lora.pairs.filter((p) => !p.embedding).length); // PEFT's embedding adapters have no dropout
    expect(new Set(dropped.map((a) => a.dropout!.seed)).size).toBe(dropped.length); // one mask seed per adapter
    expect(dropped.every((a) => a.dropout!.rate === 0.25)).toBe(true);
    // Generation and validation (no step) drop nothing: the same logits as without dropout.
    const plain = createLora(lm, { rank: 2 }, 1);
    randomize(plain, 9);
    expect(Array.from(await logitsOf(withLora(lm, lora), cfg))).toEqual(Array.from(await logitsOf(withLora(lm, plain), cfg)));
    expect(Array.from(await logitsOf(view, cfg))).not.toEqual(Array.from(await logitsOf(withLora(lm, plain), cfg)));
    [lora, back, plain].forEach(disposeLora);
    disposeLm(lm);
  });

  it('loading onto a mismatched base, or a damaged file, throws ADAPTER_INVALID naming the difference', async () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    const lora = createLora(lm, { rank: 4 }, 5);
    const bytes = await saveLora(lora);
    const { tensors, metadata } = readSafetensors(bytes);
    const edit = (fn: (t: Map<string, NamedTensor>, m: Record<string, string>) => void) => {
      const t = new Map(tensors);
      const m = { ...metadata };
      fn(t, m);
      return writeSafetensors(t, m);
    };
    const wide = initLm(tiny({ dim: 64, ffn: 128 }), 1);
    const deep = initLm(tiny({ layers: 3 }), 1);
    const melody = initLm(prefixTiny(), 1);
    const q0 = 'decoder.model.decoder.layers.0.self_attn.q_proj';
    const cases: Array<[Lm, Uint8Array, RegExp]> = [
      [wide, bytes, /different base model: dim 32 \(this model: 64\), ffn 64 \(this model: 128\)/],
      [deep, bytes, /different base model: layers 2 \(this model: 3\)/],
      [melody, bytes, /different base model: conditioning "cross" \(this model: "prefix"\), chromaBins 0 \(this model: 12\)/],
      [lm, await saveLm(lm), /no studio.lora metadata/],
      [lm, edit((_, m) => (m.rank = '0')), /rank must be a positive integer/],
      [lm, edit((_, m) => (m.targets = '["fc9"]')), /unknown target "fc9"/],
      [lm, edit((t) => t.delete(`${q0}.lora_B.weight`)), new RegExp(`missing tensor ${q0}.lora_B.weight`)],
      [lm, edit((t) => t.set(`${q0}.lora_A.weight`, { shape: [5, 32], data: new Float32Array(160) })), /lora_A.weight has shape \[5,32\], this model needs \[4,32\]/],
      [lm, edit((t) => t.set('decoder.model.decoder.layers.0.final_layer_norm.lora_A.weight', { shape: [1], data: new Float32Array(1) })), /outside its targets: .*final_layer_norm/],
    ];
    for (const [base, file, re] of cases) {
      const err = (() => { try { disposeLora(loadLora(base, file)); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(StudioError);
      expect((err as StudioError).code).toBe('ADAPTER_INVALID');
      expect((err as StudioError).detail).toMatch(re);
    }
    [wide, deep, melody, lm].forEach(disposeLm);
    disposeLora(lora);
  });

  it('parameter count: r · (in + out) per adapted weight, a small fraction of the model', () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    const r = 2;
    const lora = createLora(lm, { rank: r }, 1);
    const actual = [...lora.named.values()].reduce((s, v) => s + v.size, 0);
    const { dim: d, ffn, layers, codebooks: K, card, textDim } = cfg;
    const formula = layers * (8 * r * (d + d) + 2 * r * (d + ffn)) + r * (textDim + d) + K * r * (d + card) + K * r * (card + 1 + d);
    expect(actual).toBe(formula);
    expect(loraParamCount(cfg, { rank: r })).toBe(formula);
    expect(loraParamCount(cfg, { rank: r, targets: blockTargets(cfg) })).toBe(layers * (8 * r * 2 * d + 2 * r * (d + ffn)));
    disposeLora(lora);
    disposeLm(lm);
    // musicgen-small (300M-class; 24 x 1024, ffn 4096, 4 x 2048 codes, t5-base 768): defaults r = 16
    const small = parseLmConfig({ dim: 1024, layers: 24, heads: 16, ffn: 4096, codebooks: 4, card: 2048, textDim: 768, maxPositions: 2048 });
    const n = loraParamCount(small);
    expect(n).toBe(24 * (8 * 16 * 2048 + 2 * 16 * 5120) + 16 * (768 + 1024) + 4 * 16 * (1024 + 2048) + 4 * 16 * (2049 + 1024));
    console.log(`musicgen-small: LoRA r=16 ${(n / 1e6).toFixed(2)}M of ${(paramCount(small) / 1e6).toFixed(1)}M params (${((100 * n) / paramCount(small)).toFixed(2)}%)`);
    expect(n / paramCount(small)).toBeLessThan(0.03);
  });
});
