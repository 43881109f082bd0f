import { describe, expect, it, vi } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { exportedName, importName, isWeightsFile } from './modelsSlice';
import { createStudioStore } from './store';
import { fakeDecode, file, lmInfo, readyStore as readyStoreWith, waitFor, type FakeOptions } from './testing';
import { availableGroups, defaultTargets, type LoraGroup } from '../lm/loraTargets';
import {
  DEFAULT_LR, DEFAULT_TRAIN_SETTINGS, effectiveLoraAlpha, effectiveLoraGroups, effectiveLr, loraTrainableParams, patchTrainSettings, resumeInfo, trainMethod, trainOptions,
} from './trainingSlice';

async function readyStore(o: FakeOptions = {}) {
  const persist = vi.fn(async () => true);
  return { ...(await readyStoreWith(o, { persistStorage: persist })), persist };
}

async function withClips(o: FakeOptions = {}) {
  const r = await readyStore(o);
  await r.s().addFiles([file('strings.wav'), file('drums.wav'), file('bad.wav')]);
  const [a, b] = r.s().clips;
  r.s().setCaption(a.id, '  plucked strings ');
  r.s().setCaption(b.id, '');
  return r;
}

describe('training', () => {
  it('trains on the ready clips with their captions and the panel options', async () => {
    const { fake, s, persist } = await withClips();
    s().setTrainSettings({ name: 'My strings', steps: 6, cropSeconds: 1, batchSize: 1, lr: 1e-4, condDropout: 0.2 });
    await s().train();
    expect(persist).toHaveBeenCalledTimes(1);
    const { args } = fake.models.trains[0];
    expect(args.name).toBe('My strings');
    expect(args.clips.map((c) => [c.name, c.caption, c.k, c.t])).toEqual([['strings.wav', 'plucked strings', 4, 50], ['drums.wav', '', 4, 50]]);
    expect(args.options).toEqual({ steps: 6, warmup: 1, lr: 1e-4, cropFrames: 50, batchSize: 1, condDropout: 0.2 });
    const t = s().training;
    expect(t.running).toBe(false);
    expect(t.history).toHaveLength(6);
    expect(t.history[5]).toEqual([6, 4, 4.2]);
    expect(t.progress?.step).toBe(6);
    expect(t.summary).toMatchObject({ step: 6, steps: 6, stopped: false });
    // The trained model is in use and listed.
    expect(s().engine.info?.lm).toMatchObject({ modelId: 'model-1', modelName: 'My strings' });
    await waitFor(() => s().models.list.length === 1);
    expect(s().models.active).toBe('model-1');
    expect(s().announcement.text).toMatch(/Training done: 6 steps/);
    // Asked once only.
    await s().train();
    expect(persist).toHaveBeenCalledTimes(1);
    expect(fake.models.trains[1].args.name).toBe('My strings');
  });

  it('LoRA: the lr follows the model\'s default for the method unless one was set, the request carries rank and alpha, the model is marked LoRA', async () => {
    const st = patchTrainSettings(DEFAULT_TRAIN_SETTINGS, { method: 'lora' });
    expect(st.lr).toBeNull();
    expect(effectiveLr(st)).toBe(DEFAULT_LR.lora); // no model info: musicgen-small's defaults
    expect(effectiveLr(st, lmInfo.trainLr)).toBe(lmInfo.trainLr.lora);
    expect(effectiveLr(patchTrainSettings(st, { method: 'full' }), lmInfo.trainLr)).toBe(lmInfo.trainLr.full);
    expect(effectiveLr(patchTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, lr: 5e-5 }, { method: 'lora' }), lmInfo.trainLr)).toBe(5e-5); // the user's own stays
    expect(trainMethod(DEFAULT_TRAIN_SETTINGS)).toEqual({ method: 'full' });
    expect(trainMethod({ ...st, loraRank: 7.6 })).toEqual({ method: 'lora', lora: { rank: 8, alpha: 16, targets: defaultTargets({ conditioning: 'cross' }) } });

    const { fake, s } = await withClips();
    s().setTrainSettings({ name: 'Strings LoRA', steps: 4, method: 'lora' });
    expect(s().trainSettings).toMatchObject({ method: 'lora', lr: null, loraRank: 16 });
    await s().train();
    const { args } = fake.models.trains[0];
    expect(args).toMatchObject({ method: 'lora', lora: { rank: 16, alpha: 32, targets: defaultTargets({ conditioning: 'cross' }) } });
    expect(args.options.lr).toBe(lmInfo.trainLr.lora); // the pack's default
    expect(s().training.summary).toMatchObject({ kind: 'lora', step: 4 });
    expect(s().engine.info?.lm).toMatchObject({ modelId: 'model-1', modelName: 'Strings LoRA', modelKind: 'lora' });
    await waitFor(() => s().models.list.length === 1);
    expect(s().models.list[0]).toMatchObject({ kind: 'lora', plan: { method: 'lora' } });
    expect((await s().exportWeights())?.fileName).toBe('Strings-LoRA.lora.safetensors');
    // Switching away and back keeps the kind in step with the engine.
    await s().selectModel(null);
    expect(s().engine.info?.lm).toMatchObject({ modelId: null, modelKind: 'full' });
    await s().selectModel('model-1');
    expect(s().engine.info?.lm).toMatchObject({ modelId: 'model-1', modelKind: 'lora' });
  });

  it('a failed LoRA run leaves the model in use as the engine says (it went back to the pack model)', async () => {
    const { fake, s } = await withClips({ trainError: new StudioError('TRAIN_DIVERGED', 'step 1') });
    s().setTrainSettings({ steps: 2, name: 'A' });
    fake.models.saved.push({ id: 'full-1', name: 'Full', kind: 'full', step: 2, updatedAt: 0, bytes: 1000, history: [] });
    await s().selectModel('full-1');
    expect(s().engine.info?.lm).toMatchObject({ modelId: 'full-1', modelName: 'Full' });
    s().setTrainSettings({ method: 'lora' });
    await s().train();
    expect(s().training.error?.code).toBe('TRAIN_DIVERGED');
    expect(s().engine.info?.lm).toMatchObject({ modelId: null, modelName: 'Pack model', modelKind: 'full' });
  });

  it('announces progress about every 10%', async () => {
    const { s, store } = await withClips();
    s().setTrainSettings({ steps: 20 });
    const said: string[] = [];
    store.subscribe((st, prev) => st.announcement !== prev.announcement && said.push(st.announcement.text));
    await s().train();
    expect(said.filter((t) => /Training Fine-tune 1: \d+%/.test(t))).toHaveLength(9);
  });

  it('refuses without ready clips or without an LM', async () => {
    const { fake, s } = await readyStore();
    await s().train();
    expect(s().training.error?.code).toBe('TRAIN_INVALID');
    const noLm = await readyStore({ noLm: true });
    await noLm.s().train();
    expect(noLm.s().training.error?.code).toBe('TRAIN_INVALID');
    expect(fake.models.trains).toHaveLength(0);
  });

  it('pauses, resumes and stops gracefully', async () => {
    let release!: () => void;
    const { fake, s } = await withClips({ holdTrain: new Promise<void>((r) => (release = r)) });
    s().setTrainSettings({ steps: 10 });
    const done = s().train();
    await waitFor(() => s().training.history.length === 1);
    await s().setTrainingPaused(true);
    expect(s().training.paused).toBe(true);
    await s().setTrainingPaused(false);
    expect(fake.models.pauses).toEqual([true, false]);
    s().stopTraining();
    expect(s().training.stopping).toBe(true);
    expect(fake.models.stops.count).toBe(1);
    await done;
    release();
    expect(s().training).toMatchObject({ running: false, stopping: false, summary: { stopped: true, step: 1 } });
    expect(s().engine.info?.lm?.modelId).toBe('model-1');
    expect(s().announcement.text).toMatch(/stopped at step 1 of 10/);
  });

  it('shows divergence and storage problems', async () => {
    const bad = await withClips({ trainError: new StudioError('TRAIN_DIVERGED', 'step 1') });
    await bad.s().train();
    expect(bad.s().training.error?.code).toBe('TRAIN_DIVERGED');
    expect(bad.s().training.running).toBe(false);
    const full = await withClips({ storageFull: true });
    full.s().setTrainSettings({ steps: 2 });
    await full.s().train();
    expect(full.s().training.notice).toMatch(/storage is full/);
    expect(full.s().engine.info?.lm?.notice).toMatch(/storage is full/);
  });

  it('converts crop seconds to frames and drops captions of removed clips', async () => {
    expect(trainOptions({ ...DEFAULT_TRAIN_SETTINGS, steps: 6.4, lr: 2e-5, cropSeconds: 0.01, batchSize: 0, condDropout: 2 }, 50)).toEqual({
      steps: 6, warmup: 1, lr: 2e-5, cropFrames: 2, batchSize: 1, condDropout: 1,
    });
    // Warmup is a tenth of the run, at most the engine's 20 updates.
    expect(trainOptions({ ...DEFAULT_TRAIN_SETTINGS, steps: 20 }, 50).warmup).toBe(2);
    expect(trainOptions({ ...DEFAULT_TRAIN_SETTINGS, steps: 300 }, 50).warmup).toBe(20);
    expect(trainOptions({ ...DEFAULT_TRAIN_SETTINGS, steps: 3 }, 50).warmup).toBe(0);
    const { s } = await withClips();
    const id = s().clips[0].id;
    expect(s().captions[id]).toBe('  plucked strings ');
    s().removeClip(id);
    expect(s().captions[id]).toBeUndefined();
  });
});

describe('resuming a stopped run', () => {
  it('after a reload, the stopped model offers to resume once its clips are back, with their captions and its history', async () => {
    let release!: () => void;
    const facts = { key: { tonic: 2, mode: 'minor' as const, clear: true, or: null }, tempo: { bpm: 96, clear: true, downbeat: 0.3 }, seconds: 1 };
    const { fake, s } = await withClips({ holdTrain: new Promise<void>((r) => (release = r)), facts });
    s().setTrainSettings({ steps: 10, name: 'Strings' });
    const done = s().train();
    await waitFor(() => s().training.history.length === 1);
    s().stopTraining();
    await done;
    release();
    expect(s().training.summary).toMatchObject({ stopped: true, step: 1 });
    await waitFor(() => s().models.list.length === 1);
    // Still in this session: its clips are here, so it can resume at once.
    expect(resumeInfo(s())).toMatchObject({ step: 1, steps: 10, missing: [] });

    // A new session on the same storage starts on the pack model: nothing to resume until it is selected.
    const again = createStudioStore(fake.engine, { decode: fakeDecode, promptDebounceMs: 20, persistStorage: async () => true });
    const a = () => again.getState();
    await a().initEngine();
    await waitFor(() => a().models.list.length === 1);
    expect(resumeInfo(a())).toBeNull();
    await a().selectModel('model-1');
    expect(resumeInfo(a())).toMatchObject({ step: 1, steps: 10, clips: null, missing: ['strings.wav', 'drums.wav'] });
    await a().resumeTraining();
    expect(a().training.error).toMatchObject({ code: 'TRAIN_INVALID' });
    expect(a().training.error?.message).toMatch(/add the clips it was trained on: strings\.wav, drums\.wav/);
    expect(fake.models.trains).toHaveLength(1);

    // The clips come back in another order and without captions: matched by name and length.
    await a().addFiles([file('drums.wav'), file('strings.wav')]);
    const info = resumeInfo(a())!;
    expect(info.missing).toEqual([]);
    expect(info.clips!.map((c) => [c.name, c.caption])).toEqual([['strings.wav', 'plucked strings'], ['drums.wav', '']]);
    a().dismissTrainingError();
    await a().resumeTraining();
    const req = fake.models.trains[1].args;
    expect(req).toMatchObject({ name: 'Strings', resumeId: 'model-1', options: fake.models.trains[0].args.options });
    expect(req.clips.map((c) => c.name)).toEqual(['strings.wav', 'drums.wav']);
    // The resumed part trains with what the first part heard in each clip (the beat clock and key).
    expect(fake.models.trains[0].args.clips[0]).toMatchObject({ tempo: { bpm: 96, downbeat: 0.3 }, key: { tonic: 2, mode: 'minor' } });
    expect(req.clips.map((c) => [c.tempo, c.key])).toEqual(fake.models.trains[0].args.clips.map((c) => [c.tempo, c.key]));
    expect(a().captions[a().clips[1].id]).toBe('plucked strings');
    expect(a().training.error).toBeUndefined();
    expect(a().training.history.map((p) => p[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(a().training.summary).toMatchObject({ id: 'model-1', step: 10, stopped: false });
    await waitFor(() => a().models.list[0]?.step === 10);
    expect(resumeInfo(a())).toBeNull(); // finished: nothing left to resume
  });

  it('LoRA alpha follows twice the rank until set; target groups default to all the model has and reach the request', async () => {
    const st = patchTrainSettings(DEFAULT_TRAIN_SETTINGS, { method: 'lora', loraRank: 8 });
    expect(effectiveLoraAlpha(st)).toBe(16);
    expect(effectiveLoraAlpha({ ...st, loraAlpha: 8 })).toBe(8);
    expect(effectiveLoraAlpha({ ...st, loraAlpha: 8, loraRank: 32 })).toBe(8); // set: no longer follows the rank
    // The defaults are the engine's defaultTargets, per conditioning (no cross-attention in prefix mode).
    for (const c of ['cross', 'prefix'] as const) {
      expect(trainMethod(st, c).lora?.targets).toEqual(defaultTargets({ conditioning: c }));
      expect(effectiveLoraGroups(st, c)).toEqual(availableGroups(c));
    }
    expect(effectiveLoraGroups(st, 'prefix')).not.toContain('crossAttention');
    const some = { ...st, loraAlpha: 4, loraGroups: ['crossAttention', 'selfAttention'] as LoraGroup[] };
    expect(trainMethod(some, 'cross')).toEqual({ method: 'lora', lora: { rank: 8, alpha: 4, targets: [
      'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj', 'encoder_attn.q_proj', 'encoder_attn.k_proj', 'encoder_attn.v_proj', 'encoder_attn.out_proj'] } });
    expect(trainMethod(some, 'prefix').lora?.targets).toEqual(['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj']);
    // Dropout is sent only when set (0: the request of a run without it).
    expect(trainMethod(st).lora).not.toHaveProperty('dropout');
    expect(trainMethod({ ...st, loraDropout: 0.05 }).lora?.dropout).toBe(0.05);
    // The parameter count follows the chosen groups (linear in the rank), from the engine's per-group counts.
    const byGroup = { selfAttention: 10, crossAttention: 20, feedForward: 30, conditionProjection: 1, outputHeads: 2, embeddings: 3 };
    const lm = { conditioning: 'cross' as const, loraParamsPerRank: byGroup };
    expect(loraTrainableParams(st, lm)).toBe(8 * 66);
    expect(loraTrainableParams(some, lm)).toBe(8 * 30);
    expect(loraTrainableParams(some, { ...lm, conditioning: 'prefix' })).toBe(8 * 10);
    // Through the store into the request; none picked is refused before the engine is asked.
    const { fake, s } = await withClips();
    s().setTrainSettings({ method: 'lora', loraRank: 4, loraAlpha: 6, loraGroups: ['feedForward'], steps: 2 });
    await s().train();
    expect(fake.models.trains[0].args.lora).toEqual({ rank: 4, alpha: 6, targets: ['fc1', 'fc2'] });
    s().setTrainSettings({ loraGroups: [] });
    await s().train();
    expect(fake.models.trains).toHaveLength(1);
    expect(s().training.error).toMatchObject({ code: 'TRAIN_INVALID', message: expect.stringMatching(/at least one part of the model/) });
  });

  it('a finished run or imported weights offer no resume', async () => {
    const { s } = await withClips();
    s().setTrainSettings({ steps: 3 });
    await s().train();
    await waitFor(() => s().models.list.length === 1);
    expect(resumeInfo(s())).toBeNull();
    await s().importWeights(new File([new Uint8Array(64)], 'x.safetensors'));
    expect(resumeInfo(s())).toBeNull();
  });
});

describe('saved models', () => {
  it('lists on startup, switches, renames and deletes', async () => {
    const { fake, s } = await withClips();
    s().setTrainSettings({ steps: 2, name: 'A' });
    await s().train();
    // A new session: the model is listed once the engine is ready.
    const again = createStudioStore(fake.engine, { decode: fakeDecode, persistStorage: async () => true });
    await again.getState().initEngine();
    await waitFor(() => again.getState().models.list.length === 1);

    await s().selectModel(null);
    expect(fake.models.uses).toEqual([null]);
    expect(s().engine.info?.lm).toMatchObject({ modelId: null, modelName: 'Pack model' });
    await s().selectModel('model-1');
    expect(s().engine.info?.lm).toMatchObject({ modelId: 'model-1', modelName: 'A' });
    await s().renameModel('model-1', ' B ');
    expect(s().models.list[0].name).toBe('B');
    expect(s().engine.info?.lm?.modelName).toBe('B');
    await s().deleteModel('model-1');
    expect(s().models.list).toEqual([]);
    expect(s().engine.info?.lm).toMatchObject({ modelId: null, modelName: 'Pack model' });
    await s().selectModel('gone');
    expect(s().models.error?.code).toBe('MODEL_FETCH_FAILED');
  });

  it('exports and imports weights; a bad file leaves the model in use', async () => {
    const { fake, s } = await readyStore();
    const out = await s().exportWeights();
    expect(out?.fileName).toBe('Pack-model.safetensors');
    await s().importWeights(new File([new Uint8Array(4)], 'junk.safetensors'));
    expect(s().models.error?.code).toBe('MODEL_INTEGRITY');
    expect(s().engine.info?.lm?.modelId).toBeNull();
    await s().importWeights(new File([new Uint8Array(64)], 'Friend tune.safetensors'));
    expect(s().models.error).toBeUndefined();
    expect(fake.models.imports[1].name).toBe('Friend tune');
    expect(s().engine.info?.lm).toMatchObject({ modelId: 'model-1', modelName: 'Friend tune' });
    expect(s().models.list.map((m) => m.name)).toEqual(['Friend tune']);
    await s().importWeights(new File([new Uint8Array(64)], 'Friend adapter.lora.safetensors'));
    expect(fake.models.imports[2].name).toBe('Friend adapter');
  });

  it('imports a PEFT adapter picked as two files (weights + adapter_config.json); other picks are refused', async () => {
    const { fake, s } = await readyStore();
    const config = '{"peft_type": "LORA", "r": 16}';
    await s().importWeights([new File([config], 'adapter_config.json'), new File([new Uint8Array(64)], 'adapter_model.safetensors')]);
    expect(s().models.error).toBeUndefined();
    expect(fake.models.imports[0]).toMatchObject({ name: 'PEFT adapter', adapterConfig: config });
    expect(s().engine.info?.lm).toMatchObject({ modelName: 'PEFT adapter', modelKind: 'lora' });
    expect(s().announcement.text).toMatch(/Imported PEFT adapter \(LoRA adapter\)/);
    await s().importWeights([new File([config], 'adapter_config.json')]);
    expect(s().models.error).toMatchObject({ code: 'ADAPTER_INVALID', message: expect.stringMatching(/select adapter_model\.safetensors together with adapter_config\.json/) });
    await s().importWeights([new File([new Uint8Array(64)], 'a.safetensors'), new File([new Uint8Array(64)], 'b.safetensors')]);
    expect(s().models.error?.code).toBe('WEIGHTS_INVALID');
    await s().importWeights([new File([new Uint8Array(64)], 'notes.wav')]); // not a weights file at all: said plainly
    expect(s().models.error).toMatchObject({ code: 'WEIGHTS_INVALID', message: expect.stringContaining('notes.wav is not a weights file: pick a .safetensors file') });
    expect(fake.models.imports).toHaveLength(1);
    // The saved model's name, and which dropped files go to the model import.
    expect(importName('Drums.lora.safetensors', false)).toBe('Drums');
    expect(importName('adapter_model.safetensors', true)).toBe('PEFT adapter');
    // A file the studio exported names its model: the name comes back as it was, not from the file name.
    const header = new TextEncoder().encode(JSON.stringify({ __metadata__: { name: 'My groove (not saved)' } }));
    const file = new Uint8Array(8 + header.length + 4);
    new DataView(file.buffer).setUint32(0, header.length, true);
    file.set(header, 8);
    expect(exportedName(file)).toBe('My groove');
    expect(exportedName(new Uint8Array(64))).toBeNull();
    expect(isWeightsFile('adapter_config.json') && isWeightsFile('x.SAFETENSORS') && !isWeightsFile('x.wav')).toBe(true);
  });
});
