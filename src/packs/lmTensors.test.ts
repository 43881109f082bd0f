import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LmConfig } from '../lm/config';
import { disposeLm, initLm } from '../lm';
import { expectedLmTensors, LM_POSITIONS, selectLmTensors } from './lmTensors';
import type { TensorEntry } from './safetensorsRange';

const cross: LmConfig = { dim: 16, layers: 2, heads: 2, ffn: 32, codebooks: 4, card: 8, textDim: 12, maxPositions: 20, conditioning: 'cross', chromaBins: 0, dropout: 0, textMasking: 'hf', beatClock: false, keyChannel: false };
const prefix: LmConfig = { ...cross, conditioning: 'prefix', chromaBins: 12 };

/** Header entries as a checkpoint for `cfg` would list them (plus T5 / EnCodec tensors the LM ignores). */
function entries(cfg: LmConfig, edit: (m: Map<string, number[]>) => void = () => {}): TensorEntry[] {
  const m = expectedLmTensors(cfg);
  m.set(LM_POSITIONS, [2048, cfg.dim]);
  edit(m);
  let at = 100;
  return [...m].map(([name, shape]) => {
    const n = 4 * shape.reduce((a, b) => a * b, 1);
    const e = { name, dtype: 'F32', shape, start: at, end: at + n };
    at += n;
    return e;
  });
}

beforeAll(async () => { await tf.setBackend('cpu'); });

describe('expectedLmTensors', () => {
  it.each([['cross', cross], ['prefix', prefix], ['beat clock', { ...cross, beatClock: true }]] as const)('names exactly the variables weights.ts builds (%s)', (_, cfg) => {
    const lm = initLm(cfg, 1);
    try {
      const want = expectedLmTensors(cfg);
      expect([...want.keys()].sort()).toEqual([...lm.named.keys()].sort());
      for (const [name, v] of lm.named) expect(want.get(name)).toEqual(v.shape);
    } finally {
      disposeLm(lm);
    }
  });
});

describe('selectLmTensors', () => {
  it('returns every LM tensor (and the position table) sorted by offset', () => {
    const e = entries(cross);
    const got = selectLmTensors(cross, e);
    expect(got.length).toBe(expectedLmTensors(cross).size + 1);
    expect(got.map((x) => x.start)).toEqual([...got.map((x) => x.start)].sort((a, b) => a - b));
  });

  const bad: [string, LmConfig, (m: Map<string, number[]>) => void, RegExp][] = [
    ['a deeper checkpoint', cross, (m) => { for (const [n, s] of [...m]) if (n.includes('.layers.1.')) m.set(n.replace('.layers.1.', '.layers.2.'), s); }, /has 3 decoder layers, the manifest's config has 2.*unexpected decoder\.model\.decoder\.layers\.2\./],
    ['a wider checkpoint', { ...cross, dim: 8, heads: 1 }, () => {}, /embed_tokens\.0\.weight is \[9,16\], the config wants \[9,8\]/],
    ['a missing head', cross, (m) => m.delete('decoder.lm_heads.3.weight'), /missing decoder\.lm_heads\.3\.weight/],
    ['another text width', { ...cross, textDim: 768 }, () => {}, /enc_to_dec_proj\.weight is \[16,12\], the config wants \[16,768\]/],
    ['a melody checkpoint for a cross config', cross, (m) => m.set('audio_enc_to_dec_proj.weight', [16, 12]), /unexpected audio_enc_to_dec_proj\.weight/],
    ['a bad position table', cross, (m) => m.set(LM_POSITIONS, [2048, 3]), /embed_positions\.weights is F32 \[2048,3\]/],
  ];
  it.each(bad)('refuses %s with WEIGHTS_MISMATCH before anything is downloaded', (_, cfg, edit, msg) => {
    let err: unknown;
    try { selectLmTensors(cfg, entries(cross, edit)); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'WEIGHTS_MISMATCH' });
    expect((err as Error).message).toMatch(msg);
  });

  it('takes a clocked config\'s checkpoint with or without its beat clock (loadLm starts a missing one at zero), and no clock for a plain config', () => {
    const clocked = { ...cross, beatClock: true };
    const withClock = selectLmTensors(clocked, entries(clocked)).map((x) => x.name);
    expect(withClock).toContain('decoder.model.decoder.beat_proj.weight');
    const without = selectLmTensors(clocked, entries(cross)).map((x) => x.name);
    expect(without).not.toContain('decoder.model.decoder.beat_proj.weight');
    expect(without.length).toBe(withClock.length - 1);
    expect(() => selectLmTensors(clocked, entries(clocked, (m) => m.set('decoder.model.decoder.beat_proj.weight', [16, 3])))).toThrow(/beat_proj\.weight is \[16,3\]/);
    expect(() => selectLmTensors(cross, entries(clocked))).toThrow(/unexpected decoder\.model\.decoder\.beat_proj\.weight/);
  });

  it('refuses integer weights', () => {
    const e = entries(cross).map((x) => (x.name.endsWith('fc1.weight') ? { ...x, dtype: 'I8' } : x));
    expect(() => selectLmTensors(cross, e)).toThrow(/fc1\.weight is I8; only F32, F16 and BF16 load/);
  });
});
