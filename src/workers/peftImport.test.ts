// Importing an adapter trained with Hugging Face PEFT through the engine's model slot (training.ts
// importWeights) on a tiny LM: used, saved, listed and exported in the studio's adapter format.
import { describe, expect, it } from 'vitest';
import { createLora, disposeLm, disposeLora, initLm, loadLora, mergeLora, readSafetensors, writeSafetensors, type Lora } from '../lm';
import type { NamedTensor } from '../lm/safetensors';
import { logitsOf, randomize, tiny } from '../lm/testdata/loraFixtures';
import { useTfLeakCheck } from '../lm/testdata/tfLeakCheck';
import { memoryModelStore } from '../runtime/modelStore';
import { BASE_NAME, exportSlot, importWeights, useSaved, type LmSlot } from './training';

useTfLeakCheck();

const cfg = tiny();

function slotOf(): LmSlot {
  return { lm: initLm(cfg, 1), config: cfg, packId: 'tiny', loadBase: async () => initLm(cfg, 1), onBase: true, lora: null, modelId: null, modelName: BASE_NAME };
}
const disposeSlot = (slot: LmSlot) => {
  disposeLm(slot.lm);
  if (slot.lora) disposeLora(slot.lora);
};

/** What PEFT writes for `lora`: adapter_model.safetensors (prefixed names, no studio metadata) and adapter_config.json. */
async function peftPair(lora: Lora, over: Record<string, unknown> = {}): Promise<{ bytes: Uint8Array; json: string }> {
  const tensors = new Map<string, NamedTensor>();
  for (const [n, v] of lora.named) tensors.set(`base_model.model.${n}`, { shape: v.shape, data: (await v.data()) as Float32Array });
  const json = JSON.stringify({
    peft_type: 'LORA', r: lora.config.rank, lora_alpha: lora.config.alpha, lora_dropout: 0.05, bias: 'none', fan_in_fan_out: false,
    modules_to_save: null, use_rslora: false, use_dora: false, base_model_name_or_path: 'facebook/musicgen-small',
    target_modules: ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2', 'enc_to_dec_proj', 'lm_heads', 'embed_tokens'], ...over,
  });
  return { bytes: writeSafetensors(tensors, { format: 'pt' }), json };
}

/** A trained-looking adapter on the tiny base, its PEFT pair, and the logits of the base with it merged. */
async function fixture() {
  const base = initLm(cfg, 1);
  const lora = createLora(base, { rank: 4, alpha: 8 }, 3);
  randomize(lora, 9);
  const pair = await peftPair(lora);
  mergeLora(base, lora);
  const want = Array.from(await logitsOf(base, cfg));
  disposeLora(lora);
  disposeLm(base);
  return { ...pair, want };
}

describe('importing a PEFT adapter (engine slot)', () => {
  it('is merged into the pack weights, saved and exported as a studio adapter, and switches back in', async () => {
    const { bytes, json, want } = await fixture();
    const slot = slotOf();
    const store = memoryModelStore();
    expect(await importWeights(slot, store, bytes, 'PEFT adapter', json)).toBeUndefined();
    expect(slot).toMatchObject({ modelName: 'PEFT adapter', onBase: true });
    expect(slot.lora?.config).toEqual({ rank: 4, alpha: 8, targets: ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj',
      'encoder_attn.q_proj', 'encoder_attn.k_proj', 'encoder_attn.v_proj', 'encoder_attn.out_proj', 'fc1', 'fc2', 'enc_to_dec_proj', 'lm_heads', 'embed_tokens'] });
    expect(Array.from(await logitsOf(slot.lm, cfg))).toEqual(want);
    // Listed like a studio adapter, stored in the studio's format.
    const [saved] = await store.list();
    expect(saved).toMatchObject({ id: slot.modelId, name: 'PEFT adapter', kind: 'lora', step: 0 });
    const stored = readSafetensors((await store.get(saved.id))!.checkpoint);
    expect(stored.metadata).toMatchObject({ 'studio.lora': '1', rank: '4', alpha: '8', name: 'PEFT adapter', source: 'peft' });
    expect([...stored.tensors.keys()].some((n) => n.startsWith('base_model.'))).toBe(false);
    // Exported as our adapter file, which loads without any config.
    const out = await exportSlot(slot);
    expect(out).toMatchObject({ fileName: 'PEFT-adapter.lora.safetensors', kind: 'lora' });
    const check = initLm(cfg, 2);
    const back = loadLora(check, out.bytes);
    expect(back.config).toEqual(slot.lora!.config);
    disposeLora(back);
    disposeLm(check);
    // The pack model, then the saved adapter again.
    await useSaved(slot, store, null);
    expect(slot.lora).toBeNull();
    await useSaved(slot, store, saved.id);
    expect(Array.from(await logitsOf(slot.lm, cfg))).toEqual(want);
    disposeSlot(slot);
  });

  it('refuses a PEFT file without its adapter_config.json, or with one it cannot honour; the model in use stays', async () => {
    const { bytes, json } = await fixture();
    const slot = slotOf();
    const store = memoryModelStore();
    await expect(importWeights(slot, store, bytes, 'bare')).rejects.toMatchObject({
      code: 'ADAPTER_INVALID', detail: expect.stringMatching(/select its adapter_config\.json together with adapter_model\.safetensors/),
    });
    const dora = JSON.stringify({ ...JSON.parse(json), use_dora: true });
    await expect(importWeights(slot, store, bytes, 'dora', dora)).rejects.toMatchObject({ code: 'ADAPTER_INVALID', detail: expect.stringMatching(/DoRA/) });
    const fewer = JSON.stringify({ ...JSON.parse(json), target_modules: ['q_proj', 'k_proj', 'v_proj', 'out_proj'] });
    await expect(importWeights(slot, store, bytes, 'fewer', fewer)).rejects.toMatchObject({ detail: expect.stringMatching(/target_modules does not select/) });
    expect(slot).toMatchObject({ modelId: null, modelName: BASE_NAME, lora: null });
    expect(await store.list()).toEqual([]);
    disposeSlot(slot);
  });
});
