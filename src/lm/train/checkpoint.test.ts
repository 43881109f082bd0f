import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../errors/StudioError';
import { disposeLm } from '../model';
import { readSafetensors, writeSafetensors } from '../safetensors';
import { useTfLeakCheck } from '../testdata/tfLeakCheck';
import { initLm, lmFromTensors } from '../weights';
import { AdamW } from './adamw';
import { applyCheckpoint, readCheckpoint, writeCheckpoint, type DataManifest } from './checkpoint';
import { resolveOptions } from './options';
import { tinyTrainConfig } from './testUtil';

useTfLeakCheck();

const cfg = tinyTrainConfig();
const manifest: DataManifest = { clips: [{ name: 'a.wav', caption: 'lofi piano', frames: 500 }, { name: 'b.wav', caption: '', frames: 300 }], holdout: 'tail' };
const options = resolveOptions({ steps: 40, lr: 1e-4 });

/** An LM + optimizer that has taken one update (non-zero moments). */
function trained(seed: number) {
  const lm = initLm(cfg, seed);
  const opt = new AdamW(lm.named);
  const grads = new Map([...lm.named].map(([n, v]) => [n, tf.onesLike(v)] as [string, tf.Tensor]));
  opt.step(grads, 1e-3);
  tf.dispose([...grads.values()]);
  return { lm, opt };
}

describe('training checkpoints', () => {
  it('round-trips weights (HF names), moments, step, options and manifest', async () => {
    const a = trained(1);
    const bytes = await writeCheckpoint(a.lm, a.opt, 17, options, manifest);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(tensors.has('decoder.lm_heads.0.weight')).toBe(true);
    expect(tensors.has('optimizer.m.decoder.lm_heads.0.weight')).toBe(true);
    expect(tensors.has('optimizer.v.enc_to_dec_proj.bias')).toBe(true);
    expect(tensors.size).toBe(3 * a.lm.named.size);
    expect(metadata['studio.checkpoint']).toBe('1');

    const b = trained(2);
    const ckpt = readCheckpoint(bytes, b.lm);
    expect(ckpt).toMatchObject({ step: 17, options, manifest, optimizer: { t: 1 } });
    applyCheckpoint(b.lm, b.opt, ckpt);
    expect(b.opt.t).toBe(1);
    const sa = await a.opt.state();
    const sb = await b.opt.state();
    for (const [name, v] of a.lm.named) {
      expect(Array.from(await b.lm.named.get(name)!.data())).toEqual(Array.from(await v.data()));
      expect(Array.from(sb.v.get(name)!)).toEqual(Array.from(sa.v.get(name)!));
    }
    const asModel = lmFromTensors(cfg, ckpt.weights); // the weights part is a plain HF-named LM
    disposeLm(asModel);
    for (const x of [a, b]) (x.opt.dispose(), disposeLm(x.lm));
  });

  it('refuses foreign, damaged or mismatched files with MODEL_INTEGRITY', async () => {
    const a = trained(1);
    const bytes = await writeCheckpoint(a.lm, a.opt, 3, options, manifest);
    const { tensors, metadata } = readSafetensors(bytes);
    const edit = (fn: (t: typeof tensors, m: Record<string, string>) => void) => {
      const t = new Map(tensors);
      const m = { ...metadata };
      fn(t, m);
      return writeSafetensors(t, m);
    };
    const cases: Array<[Uint8Array, RegExp]> = [
      [edit((_, m) => delete m['studio.checkpoint']), /not a version 1/],
      [edit((_, m) => (m.step = '-2')), /bad step/],
      [edit((_, m) => (m.manifest = '{"clips": 3}')), /manifest/],
      [edit((_, m) => (m.options = '{"lr": -1}')), /options are invalid/],
      [edit((t) => t.delete('optimizer.v.decoder.lm_heads.1.weight')), /optimizer state for decoder.lm_heads.1.weight/],
      [edit((t) => t.delete('enc_to_dec_proj.weight')), /enc_to_dec_proj.weight/],
      [edit((t) => t.set('extra.weight', { shape: [1], data: new Float32Array(1) })), /unexpected tensors extra.weight/],
    ];
    for (const [file, re] of cases) {
      const err = (() => { try { readCheckpoint(file, a.lm); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(StudioError);
      expect((err as StudioError).code).toBe('MODEL_INTEGRITY');
      expect((err as StudioError).detail).toMatch(re);
    }
    const other = initLm(tinyTrainConfig({ dim: 16 }), 1);
    expect(() => readCheckpoint(bytes, other)).toThrow(/has shape/);
    disposeLm(other);
    a.opt.dispose();
    disposeLm(a.lm);
  });
});
