import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { expectedLmTensors } from '../packs/lmTensors';
import type { LmConfig } from './config';
import { blockTargets, createLora, defaultTargets, disposeLora, mergeLora, unmergeLora, type Lora } from './lora';
import { loadLora, loadPeftLora, saveLora } from './loraFile';
import { loraTargetOf, type LoraTarget } from './loraTargets';
import { disposeLm, type Lm } from './model';
import { parsePeftConfig, peftToStudio } from './peftConfig';
import { writeSafetensors, type NamedTensor } from './safetensors';
import { logitsOf, prefixTiny, randomize, tiny } from './testdata/loraFixtures';
import { useTfLeakCheck } from './testdata/tfLeakCheck';
import { initLm } from './weights';

useTfLeakCheck();

type Layout = 'conditional' | 'causal';
/** Our name as MusicgenForCausalLM's (decoder.model.decoder.X -> model.decoder.X, decoder.lm_heads.k -> lm_heads.k). */
const causal = (n: string) => (n.startsWith('decoder.') ? n.slice('decoder.'.length) : n);
const peftName = (n: string, layout: Layout) => `base_model.model.${layout === 'causal' ? causal(n) : n}`;

/** The target list of ylacombe/musicgen-dreamboothing (musicgen.md §1.6), for K codebooks. */
const dreambooth = (K: number) => [
  'enc_to_dec_proj', 'audio_enc_to_dec_proj', 'k_proj', 'v_proj', 'q_proj', 'out_proj', 'fc1', 'fc2', 'lm_heads.0',
  ...Array.from({ length: K }, (_, k) => `lm_heads.${k}`), ...Array.from({ length: K }, (_, k) => `embed_tokens.${k}`),
];

/** An adapter_config.json as PEFT 0.x writes it (r 4, lora_alpha 8, the dreambooth targets), with overrides. */
const peftJson = (over: Record<string, unknown> = {}) => JSON.stringify({
  alpha_pattern: {}, auto_mapping: null, base_model_name_or_path: 'facebook/musicgen-small', bias: 'none', fan_in_fan_out: false,
  inference_mode: true, init_lora_weights: true, layers_pattern: null, layers_to_transform: null, lora_alpha: 8, lora_dropout: 0.05,
  modules_to_save: null, peft_type: 'LORA', r: 4, rank_pattern: {}, revision: null, target_modules: dreambooth(4), task_type: null,
  use_dora: false, use_rslora: false, ...over,
});

/** PEFT's adapter_model.safetensors for `lora`: the same matrices under PEFT's names, no studio metadata. */
async function peftFile(lora: Lora, layout: Layout = 'conditional'): Promise<Uint8Array> {
  const tensors = new Map<string, NamedTensor>();
  for (const [n, v] of lora.named) tensors.set(peftName(n, layout), { shape: v.shape, data: (await v.data()) as Float32Array });
  return writeSafetensors(tensors, { format: 'pt' });
}

/** Logits of `lm` with `lora` merged into it (merged exactly, then taken out again). */
async function mergedLogits(lm: Lm, lora: Lora): Promise<Float32Array> {
  mergeLora(lm, lora, { exact: true });
  const out = await logitsOf(lm, lm.config);
  unmergeLora(lm);
  return out;
}

/** Shapes only (no tensors) of a PEFT file adapting `targets` at rank r: A [r, in | n], B [out | d, r]. */
function peftShapes(cfg: LmConfig, r: number, targets: LoraTarget[], layout: Layout = 'conditional'): Map<string, { shape: number[] }> {
  const out = new Map<string, { shape: number[] }>();
  for (const [name, [rows, cols]] of expectedLmTensors(cfg)) {
    const t = loraTargetOf(name);
    if (!t || !targets.includes(t)) continue;
    const stem = peftName(name.slice(0, -'.weight'.length), layout);
    if (t === 'embed_tokens') {
      out.set(`${stem}.lora_embedding_A`, { shape: [r, rows] });
      out.set(`${stem}.lora_embedding_B`, { shape: [cols, r] });
    } else {
      out.set(`${stem}.lora_A.weight`, { shape: [r, cols] });
      out.set(`${stem}.lora_B.weight`, { shape: [rows, r] });
    }
  }
  return out;
}

const studio = (cfg: LmConfig, json: string, tensors: Map<string, { shape: number[] }>) =>
  peftToStudio(cfg, expectedLmTensors(cfg).keys(), parsePeftConfig(json), tensors);

/** The detail of the StudioError `fn` throws (which must be ADAPTER_INVALID). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).code).toBe('ADAPTER_INVALID');
    return (e as StudioError).detail;
  }
  throw new Error('not refused');
}

describe('PEFT adapter import', () => {
  it('an adapter trained on MusicgenForConditionalGeneration (dreambooth targets) merges to the same logits as the studio adapter with its matrices', async () => {
    for (const cfg of [tiny(), prefixTiny()]) {
      const lm = initLm(cfg, 1);
      const lora = createLora(lm, { rank: 4, alpha: 8 }, 3);
      randomize(lora, 9);
      const imported = loadPeftLora(lm, await peftFile(lora), peftJson());
      expect(imported.config).toEqual({ rank: 4, alpha: 8, targets: defaultTargets(cfg) }); // prefix mode: audio_enc_to_dec_proj too
      expect([...imported.named.keys()]).toEqual([...lora.named.keys()]);
      const merged = await mergedLogits(lm, imported);
      expect(Array.from(merged)).toEqual(Array.from(await mergedLogits(lm, lora)));
      expect(Array.from(merged)).not.toEqual(Array.from(await logitsOf(lm, cfg))); // the adapter does something
      // Saved in the studio's format, it loads back as itself (what the model list keeps and exports).
      const again = loadLora(lm, await saveLora(imported));
      expect(again.config).toEqual(imported.config);
      [lora, imported, again].forEach(disposeLora);
      disposeLm(lm);
    }
  });

  it('an adapter trained on MusicgenForCausalLM (model.decoder.… names) with a regex target_modules imports the same', async () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    const targets: LoraTarget[] = [...blockTargets(cfg), 'lm_heads', 'embed_tokens']; // the decoder alone has no enc_to_dec_proj
    const lora = createLora(lm, { rank: 4, alpha: 8, targets }, 3);
    randomize(lora, 5);
    const regex = String.raw`.*decoder\.layers\.\d+\.(self_attn|encoder_attn)\.(q|k|v|out)_proj|.*\.fc[12]|lm_heads\.\d+|.*embed_tokens\.\d+`;
    const imported = loadPeftLora(lm, await peftFile(lora, 'causal'), peftJson({ target_modules: regex }));
    expect(imported.config).toEqual({ rank: 4, alpha: 8, targets });
    expect(Array.from(await mergedLogits(lm, imported))).toEqual(Array.from(await mergedLogits(lm, lora)));
    [lora, imported].forEach(disposeLora);
    disposeLm(lm);
  });

  it('use_rslora scales by lora_alpha / √r: stored as the equivalent alpha = lora_alpha · √r', async () => {
    const cfg = tiny();
    const lm = initLm(cfg, 1);
    const lora = createLora(lm, { rank: 4, alpha: 32 }, 3); // scale 32 / 4 = 8
    randomize(lora, 7);
    const imported = loadPeftLora(lm, await peftFile(lora), peftJson({ lora_alpha: 16, use_rslora: true })); // 16 / √4 = 8
    expect(imported.config.alpha).toBe(32);
    expect(imported.scale).toBe(8);
    expect(Array.from(await mergedLogits(lm, imported))).toEqual(Array.from(await mergedLogits(lm, lora)));
    [lora, imported].forEach(disposeLora);
    disposeLm(lm);
    // r = 2: the scale is 8 / √2, not 8 / 2.
    const r2 = studio(cfg, peftJson({ r: 2, use_rslora: true }), peftShapes(cfg, 2, defaultTargets(cfg)));
    expect(r2.config.alpha / r2.config.rank).toBeCloseTo(8 / Math.SQRT2, 12);
    expect(r2.loraDropout).toBe(0.05);
    expect(r2.baseModel).toBe('facebook/musicgen-small');
  });

  it('refuses config settings it cannot honour, each with its own message', () => {
    const cases: [Record<string, unknown> | string, RegExp][] = [
      ['{"r": 4,', /not valid JSON/],
      [{ peft_type: 'IA3' }, /IA3 adapter; the studio imports LoRA adapters only/],
      [{ use_dora: true }, /DoRA/],
      [{ bias: 'lora_only' }, /trains biases \(bias: "lora_only"\)/],
      [{ lora_bias: true }, /trains biases .*lora_bias: true/],
      [{ modules_to_save: ['lm_heads'] }, /modules_to_save: \["lm_heads"\]/],
      [{ fan_in_fan_out: true }, /fan_in_fan_out is true/],
      [{ layers_to_transform: [0] }, /only some layers \(layers_to_transform: \[0\]\)/],
      [{ rank_pattern: { fc1: 8 } }, /rank_pattern/],
      [{ target_modules: null }, /names no target_modules/],
      [{ target_modules: 3 }, /target_modules must be a list/],
      [{ r: 0 }, /r must be a positive integer/],
      [{ lora_alpha: -1 }, /lora_alpha must be a positive number/],
    ];
    for (const [over, want] of cases) {
      expect(refusal(() => parsePeftConfig(typeof over === 'string' ? over : peftJson(over))), JSON.stringify(over)).toMatch(want);
    }
    const ok = parsePeftConfig(peftJson({ modules_to_save: [], bias: 'none', exclude_modules: null }));
    expect(ok).toMatchObject({ r: 4, loraAlpha: 8, useRslora: false, excludeModules: null, loraDropout: 0.05 });
  });

  it('refuses tensors and targets that do not fit this decoder, each with its own message', () => {
    const cfg = tiny();
    const all = () => peftShapes(cfg, 4, defaultTargets(cfg));
    const edit = (f: (t: Map<string, { shape: number[] }>) => void) => {
      const t = all();
      f(t);
      return t;
    };
    const P = 'base_model.model.decoder.model.decoder';
    const cases: [string, Map<string, { shape: number[] }>, RegExp][] = [
      [peftJson({ target_modules: String.raw`(?P<n>.*)_proj` }), all(), /regex "\(\?P<n>\.\*\)_proj" uses syntax the studio cannot read/],
      [peftJson(), edit((t) => t.set('base_model.model.text_encoder.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight', { shape: [4, 8] })), /adapts the text encoder/],
      [peftJson(), edit((t) => t.set(`${P}.layers.0.fc1.lora_magnitude_vector`, { shape: [64] })), /DoRA/],
      [peftJson(), edit((t) => t.set(`${P}.layers.0.fc1.lora_B.bias`, { shape: [64] })), /trains biases/],
      [peftJson(), edit((t) => t.delete(`${P}.layers.1.fc2.lora_B.weight`)), /missing tensor decoder\.model\.decoder\.layers\.1\.fc2\.lora_B\.weight/],
      // The config selects encoder_attn.q_proj too ("q_proj" is a suffix), the file lacks it.
      [peftJson(), edit((t) => ['A', 'B'].forEach((x) => [0, 1].forEach((i) => t.delete(`${P}.layers.${i}.encoder_attn.q_proj.lora_${x}.weight`)))),
        /targets 2 module\(s\) the file has no tensors for, e\.g\. decoder\.model\.decoder\.layers\.0\.encoder_attn\.q_proj/],
      [peftJson({ target_modules: ['q_proj', 'k_proj', 'v_proj', 'out_proj'] }), peftShapes(cfg, 4, [...blockTargets(cfg)]),
        /adapts decoder\.model\.decoder\.layers\.0\.fc1, which adapter_config\.json's target_modules does not select/],
      [peftJson({ target_modules: ['layers.0.fc1'] }), peftShapes(cfg, 4, ['fc1']).set('x', { shape: [1] }), /x is not a LoRA matrix/],
      [peftJson({ target_modules: ['layers.0.fc1'] }), edit((t) => { for (const k of [...t.keys()]) if (!k.includes('layers.0.fc1.')) t.delete(k); }),
        /adapts fc1 in 1 of its 2 places; the studio adapts a target everywhere or not at all/],
      [peftJson({ r: 8 }), all(), /has rank 4, adapter_config\.json says r = 8/],
      [peftJson({ base_model_name_or_path: 'gpt2', target_modules: ['c_attn'] }), new Map([['base_model.model.transformer.h.0.attn.c_attn.lora_A.weight', { shape: [4, 768] }]]),
        /transformer\.h\.0\.attn\.c_attn\.lora_A\.weight is not a weight of a MusicGen decoder \(made for gpt2\)/],
      [peftJson(), new Map([...all(), ...peftShapes(cfg, 4, ['fc1'], 'causal')]), /mix the full model's/],
      [peftJson(), new Map(), /holds no LoRA tensors/],
    ];
    for (const [json, tensors, want] of cases) expect(refusal(() => studio(cfg, json, tensors)), String(want)).toMatch(want);
    // A cross-attention adapter on a prefix-conditioned model.
    const pre = prefixTiny();
    expect(refusal(() => studio(pre, peftJson(), all()))).toMatch(/layers\.0\.encoder_attn\.q_proj, which this model does not have or cannot adapt \(cross-attention; this model is conditioned by prefix\) \(made for facebook\/musicgen-small\)/);
    // exclude_modules is honoured: excluding fc1 and fc2 selects exactly a file without them.
    const noFfn = studio(cfg, peftJson({ exclude_modules: ['fc1', 'fc2'] }), peftShapes(cfg, 4, defaultTargets(cfg).filter((t) => t !== 'fc1' && t !== 'fc2')));
    expect(noFfn.config.targets).not.toContain('fc1');
    // 'all-linear' (PEFT's shorthand) is taken at the file's word.
    expect(studio(cfg, peftJson({ target_modules: 'all-linear' }), peftShapes(cfg, 4, blockTargets(cfg))).config.targets).toEqual(blockTargets(cfg));
  });

  it('refuses shapes of another model naming the base it was made for, and a bare file without its config', async () => {
    const lm = initLm(tiny(), 1);
    const wide = initLm(tiny({ dim: 64, ffn: 128 }), 1); // like musicgen-medium for musicgen-small
    const lora = createLora(wide, { rank: 4, alpha: 8 }, 3);
    const bytes = await peftFile(lora);
    expect(refusal(() => loadPeftLora(lm, bytes, peftJson({ base_model_name_or_path: 'facebook/musicgen-medium' }))))
      .toMatch(/embed_tokens\.0\.lora_embedding_B has shape \[64,4\], this model needs \[32,4\] \(adapter_config\.json: made for facebook\/musicgen-medium\)/);
    expect(refusal(() => loadLora(lm, bytes))).toMatch(/no studio\.lora metadata.*select its adapter_config\.json together with adapter_model\.safetensors/);
    disposeLora(lora);
    [lm, wide].forEach(disposeLm);
  });
});
