import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors/StudioError';
import { fromHfConfig, parseLmConfig } from './config';
import { disposeLm, forward } from './model';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';
import { disposeCond, loadTiny, maxAbsDiff, tinyConfig, tinyConfigJson, tinyCond, tinySequence, tinyWeights } from './testdata/lmTiny';
import { initLm, lmFromTensors, loadLm, POSITIONS_NAME, saveLm } from './weights';
import { useTfLeakCheck } from './testdata/tfLeakCheck';

useTfLeakCheck();

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof StudioError ? e.code : `not a StudioError: ${e}`;
  }
  return 'no error';
};

describe('LmConfig', () => {
  it('reads the Hugging Face decoder config of lm_tiny', () => {
    expect(tinyConfig()).toEqual({
      dim: 64, layers: 2, heads: 4, ffn: 256, codebooks: 4, card: 64, textDim: 32, maxPositions: 256,
      conditioning: 'cross', chromaBins: 0, dropout: 0, textMasking: 'hf', beatClock: false, keyChannel: false,
    });
  });

  it('reads a full MusicgenConfig (decoder + text_encoder) and a melody config', () => {
    const dec = { ...tinyConfigJson.hf_decoder, text_encoder_hidden_size: undefined, dropout: 0.1 };
    const full = fromHfConfig({ decoder: dec, text_encoder: { d_model: 768 } });
    expect(full).toMatchObject({ textDim: 768, dropout: 0.1, conditioning: 'cross' });
    const mel = fromHfConfig({ model_type: 'musicgen_melody', num_chroma: 12, decoder: dec, text_encoder: { d_model: 768 } });
    expect(mel).toMatchObject({ conditioning: 'prefix', chromaBins: 12 });
  });

  it('rejects invalid manifests with MANIFEST_INVALID', () => {
    const ok = { dim: 64, layers: 2, heads: 4, ffn: 256, codebooks: 4, card: 64, textDim: 32, maxPositions: 256 };
    expect(parseLmConfig(ok).conditioning).toBe('cross');
    for (const bad of [null, [], { ...ok, dim: 0 }, { ...ok, heads: 3 }, { ...ok, layers: 1.5 }, { ...ok, conditioning: 'both' }, { ...ok, dropout: 1 }, { ...ok, conditioning: 'prefix', chromaBins: 0 }, { ...ok, beatClock: 'yes' }]) {
      expect(code(() => parseLmConfig(bad))).toBe('MANIFEST_INVALID');
    }
  });
});

describe('safetensors', () => {
  const sample = () => new Map<string, NamedTensor>([
    ['b', { shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 0, 1e-8, -7) }],
    ['a', { shape: [1], data: Float32Array.of(42) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);

  it('round-trips F32 tensors and metadata', () => {
    const bytes = writeSafetensors(sample(), { note: 'x' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ note: 'x' });
    expect(tensors).toEqual(sample());
  });

  it('widens F16 and BF16 to float32', () => {
    const raw = (dtype: string, words: number[]) => {
      const header = new TextEncoder().encode(JSON.stringify({ t: { dtype, shape: [words.length], data_offsets: [0, 2 * words.length] } }));
      const out = new Uint8Array(8 + header.length + 2 * words.length);
      const dv = new DataView(out.buffer);
      dv.setBigUint64(0, BigInt(header.length), true);
      out.set(header, 8);
      words.forEach((w, i) => dv.setUint16(8 + header.length + 2 * i, w, true));
      return readSafetensors(out).tensors.get('t')!.data;
    };
    expect(Array.from(raw('F16', [0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]))).toEqual([1, -2, Math.fround(0.333251953125), 2 ** -24, Infinity]);
    expect(Array.from(raw('BF16', [0x3f80, 0xc040, 0x3eaa]))).toEqual([1, -3, Math.fround(0.33203125)]);
  });

  it('bounds-checks the header and offsets (MODEL_INTEGRITY)', () => {
    const good = writeSafetensors(sample());
    const withHeader = (h: unknown, dataBytes = 64) => {
      const json = new TextEncoder().encode(typeof h === 'string' ? h : JSON.stringify(h));
      const out = new Uint8Array(8 + json.length + dataBytes);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    for (const bad of [
      new Uint8Array(5),
      huge,
      good.subarray(0, 20),
      withHeader('{not json'),
      withHeader({ t: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }),
      withHeader({ t: { dtype: 'F32', shape: [100], data_offsets: [0, 400] } }),
      withHeader({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }),
      withHeader({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }),
    ]) {
      expect(code(() => readSafetensors(bad))).toBe('MODEL_INTEGRITY');
    }
  });
});

describe('LM weights', () => {
  it('maps every Hugging Face tensor of lm_tiny one to one onto a variable', () => {
    const file = readSafetensors(tinyWeights()).tensors;
    const lm = loadTiny();
    expect(new Set([...lm.named.keys(), POSITIONS_NAME])).toEqual(new Set(file.keys()));
    let params = 0;
    for (const v of lm.named.values()) params += v.size;
    expect(params).toBe(tinyConfigJson.n_params);
    disposeLm(lm);
  });

  it('save -> load round-trips exactly and gives the same logits', async () => {
    const lm = loadTiny();
    const bytes = await saveLm(lm);
    const again = loadLm(lm.config, bytes);
    for (const [name, v] of lm.named) expect(await again.named.get(name)!.data()).toEqual(await v.data());
    const cond = tinyCond('cond');
    const seq = tinySequence();
    const [a, b] = [forward(lm, seq, cond), forward(again, seq, cond)];
    expect(maxAbsDiff(await a.data(), await b.data())).toBe(0);
    tf.dispose([a, b, seq]);
    disposeCond(cond);
    disposeLm(lm);
    disposeLm(again);
  });

  it('refuses missing, misshapen and unknown tensors without leaking', () => {
    const cfg = tinyConfig();
    const file = readSafetensors(tinyWeights()).tensors;
    const missing = new Map(file);
    missing.delete('decoder.model.decoder.layers.1.fc2.weight');
    const misshapen = new Map(file);
    misshapen.set('enc_to_dec_proj.bias', { shape: [65], data: new Float32Array(65) });
    const extra = new Map(file);
    extra.set('decoder.model.decoder.layers.2.fc1.weight', { shape: [1], data: new Float32Array(1) });
    for (const bad of [missing, misshapen, extra]) expect(code(() => lmFromTensors(cfg, bad))).toBe('MODEL_INTEGRITY');
    expect(code(() => loadLm({ ...cfg, layers: 3 }, tinyWeights()))).toBe('MODEL_INTEGRITY');
  });

  it('initLm is seeded (audiocraft gaussian init, depthwise scaled)', async () => {
    const cfg = parseLmConfig({ dim: 64, layers: 2, heads: 4, ffn: 128, codebooks: 2, card: 32, textDim: 16, maxPositions: 32 });
    const [a, b, c] = [initLm(cfg, 1), initLm(cfg, 1), initLm(cfg, 2)];
    const name = 'decoder.model.decoder.layers.1.fc1.weight';
    const wa = await a.named.get(name)!.data();
    expect(await b.named.get(name)!.data()).toEqual(wa);
    expect(await c.named.get(name)!.data()).not.toEqual(wa);
    const std = Math.sqrt(Array.from(wa).reduce((s, x) => s + x * x, 0) / wa.length);
    expect(std).toBeGreaterThan(0.9 * (1 / 8 / 2)); // 1/sqrt(64) / sqrt(2 * 2), trunc at 3σ shrinks it ~1.3%
    expect(std).toBeLessThan(1.05 * (1 / 8 / 2));
    expect(Array.from(await a.named.get('decoder.model.decoder.layer_norm.weight')!.data()).every((x) => x === 1)).toBe(true);
    [a, b, c].forEach(disposeLm);
  });
});
