// Resuming a stopped fine-tune after a "reload" (fresh engine handlers on the same model store),
// through the engine API, on tfjs wasm (the cpu backend is too slow for two short runs here).
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../lm';
import { StudioError } from '../errors/StudioError';
import { memoryModelStore, type ModelStore } from '../runtime/modelStore';
import { createEngineHandlers } from './engine';
import { ctx, deps, MANIFEST, tone, useWasm } from './testEngine';

const handlers = (modelStore: ModelStore) => createEngineHandlers(deps({ useTf: useWasm, modelStore }));

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** An engine on a fresh model store with two half-second tones tokenized: one captioned, one not. */
async function twoToneSession() {
  const store = memoryModelStore();
  const h = handlers(store);
  await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
  const clip = async (hz: number) => h.tokenize({ channels: [tone(16000, 32000, hz)], sampleRate: 32000, name: `${hz}.wav` }, ctx());
  const [a, b] = [await clip(220), await clip(660)];
  const clips = [{ name: 'a', caption: 'low tone', codes: a.codes, k: a.k, t: a.t }, { name: 'b', caption: '', codes: b.codes, k: b.k, t: b.t }];
  return { store, h, a, b, clips };
}

describe('resuming training (engine, Node)', () => {
  it('saves a stopped run with its plan; after a reload it resumes to the weights of an unbroken run', async () => {
    const { store, h, a, b, clips } = await twoToneSession();
    const options = { steps: 3, cropFrames: 10, batchSize: 1, lr: 1e-3, warmup: 1, evalEvery: 0, checkpointEvery: 0 };
    const whole = await h.train({ name: 'whole', clips, options }, ctx());
    const wholeBytes = (await h.exportWeights({}, ctx())).bytes;
    await h.useModel({ id: null }, ctx());
    // Stopped after step 1 (the stop lands after the current step).
    const stopped = await h.train({ name: 'halted', clips, options }, {
      ...ctx(), progress: (p) => void (p.training?.step === 1 && h.stopTraining({}, ctx())),
    });
    expect(stopped).toMatchObject({ step: 1, steps: 3, stopped: true });
    // A fresh engine on the same storage: the model lists its plan and history.
    const h2 = handlers(store);
    await h2.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    const saved = (await h2.listModels({}, ctx())).models.find((m) => m.id === stopped.id)!;
    expect(saved.step).toBe(1);
    expect(saved.history.map((p) => p[0])).toEqual([1]);
    expect(saved.plan).toEqual({ steps: 3, options, clips: [{ name: 'a', caption: 'low tone', frames: a.t }, { name: 'b', caption: '', frames: b.t }] });
    expect((await h2.listModels({}, ctx())).models.find((m) => m.id === whole.id)?.plan?.steps).toBe(3);
    const steps: number[] = [];
    // The checkpoint's own options are used, whatever the request says.
    const resumed = await h2.train({ name: 'halted', clips, options: { steps: 99 }, resumeId: stopped.id }, {
      ...ctx(), progress: (p) => void (p.training && steps.push(p.training.step)),
    });
    expect(resumed).toMatchObject({ id: stopped.id, step: 3, steps: 3, stopped: false });
    expect(steps).toEqual([2, 3]);
    expect((await h2.listModels({}, ctx())).models.find((m) => m.id === stopped.id)?.history.map((p) => p[0])).toEqual([1, 2, 3]);
    // The same weights (the exported files differ only in their metadata).
    const whole3 = readSafetensors(wholeBytes).tensors;
    const resumed3 = readSafetensors((await h2.exportWeights({}, ctx())).bytes).tensors;
    expect([...resumed3.keys()]).toEqual([...whole3.keys()]);
    for (const [name, t] of whole3) expect(resumed3.get(name)!.data, name).toEqual(t.data);
    // Other clips are refused.
    await expect(h2.train({ name: 'halted', clips: [clips[1], clips[0]], options, resumeId: stopped.id }, ctx())).rejects.toMatchObject({ code: 'TRAIN_INVALID' });
  }, 120_000);

  it('a stopped LoRA run saves its adapters and moments; after a reload it resumes to the adapter of an unbroken run', async () => {
    const { store, h, clips } = await twoToneSession();
    const options = { steps: 3, cropFrames: 10, batchSize: 1, warmup: 1, evalEvery: 0, checkpointEvery: 0, seed: 5 };
    const lora = { rank: 4, alpha: 8 };
    const whole = await h.train({ name: 'whole', clips, options, method: 'lora', lora }, ctx());
    expect(whole).toMatchObject({ kind: 'lora', step: 3, stopped: false });
    const wholeBytes = (await h.exportWeights({}, ctx())).bytes;
    await h.useModel({ id: null }, ctx());
    const stopped = await h.train({ name: 'halted', clips, options, method: 'lora', lora }, {
      ...ctx(), progress: (p) => void (p.training?.step === 1 && h.stopTraining({}, ctx())),
    });
    expect(stopped).toMatchObject({ kind: 'lora', step: 1, steps: 3, stopped: true });
    // Its record holds the adapters and their moments (no base weight), and its plan.
    const ckpt = readSafetensors((await store.get(stopped.id))!.checkpoint);
    expect(ckpt.metadata).toMatchObject({ 'studio.checkpoint': '1', 'studio.lora': '1', rank: '4', alpha: '8' });
    expect([...ckpt.tensors.keys()].every((n) => n.includes('.lora_'))).toBe(true);
    expect([...ckpt.tensors.keys()].some((n) => n.startsWith('optimizer.m.'))).toBe(true);
    // A fresh engine on the same storage; the stopped model in use (as the Train panel resumes it).
    const h2 = handlers(store);
    await h2.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    const saved = (await h2.listModels({}, ctx())).models.find((m) => m.id === stopped.id)!;
    expect(saved).toMatchObject({ kind: 'lora', step: 1, plan: { steps: 3, options, method: 'lora', lora: { rank: 4, alpha: 8 } } });
    expect(await h2.useModel({ id: stopped.id }, ctx())).toMatchObject({ modelKind: 'lora' });
    const tensors = tf.memory().numTensors;
    const steps: number[] = [];
    // The run's own method and options are used, whatever the request says.
    const resumed = await h2.train({ name: 'halted', clips, options: { steps: 99 }, method: 'full', resumeId: stopped.id }, {
      ...ctx(), progress: (p) => void (p.training && steps.push(p.training.step)),
    });
    expect(resumed).toMatchObject({ id: stopped.id, kind: 'lora', step: 3, steps: 3, stopped: false });
    expect(steps).toEqual([2, 3]);
    expect(tf.memory().numTensors).toBe(tensors);
    // The same adapter as the unbroken run; the finished record is the adapter file alone.
    const exported = await h2.exportWeights({}, ctx());
    expect(exported).toMatchObject({ kind: 'lora', fileName: 'halted.lora.safetensors' });
    const whole3 = readSafetensors(wholeBytes).tensors;
    const resumed3 = readSafetensors(exported.bytes).tensors;
    expect([...resumed3.keys()]).toEqual([...whole3.keys()]);
    for (const [name, t] of whole3) expect(resumed3.get(name)!.data, name).toEqual(t.data);
    const done = readSafetensors((await store.get(stopped.id))!.checkpoint);
    expect([...done.tensors.keys()].some((n) => n.startsWith('optimizer.'))).toBe(false);
    expect(done.metadata['studio.checkpoint']).toBeUndefined();
  }, 120_000);

  it('a full run that fails after some steps, with nothing saved, no longer calls the changed weights the pack model', async () => {
    const store = memoryModelStore();
    const full = { ...store, put: async () => { throw new StudioError('STORAGE_FULL', 'quota'); } };
    const h = handlers(full);
    await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    const a = await h.tokenize({ channels: [tone(16000, 32000, 220)], sampleRate: 32000, name: 'a.wav' }, ctx());
    const clips = [{ name: 'a', caption: 'low tone', codes: a.codes, k: a.k, t: a.t }];
    const options = { steps: 5, cropFrames: 10, batchSize: 1, lr: 1e-2, warmup: 1, evalEvery: 0, checkpointEvery: 0 };
    const failing = { ...ctx(), progress: (p: { training?: { step: number } }) => { if (p.training?.step === 3) throw new Error('out of memory'); } };
    await expect(h.train({ name: 'mine', clips, options }, failing)).rejects.toThrow(/out of memory/);
    expect((await h.listModels({}, ctx())).activeName).toBe('mine (not saved)');
    await h.useModel({ id: null }, ctx()); // back to the pack's own weights: a clean slate again
    expect((await h.listModels({}, ctx())).activeName).toBe('Pack model');
  });

  it('Stop and Pause pressed while a run is still starting are kept for it (before, they were answered "nothing to stop" and lost)', async () => {
    const { h, clips } = await twoToneSession();
    const options = { steps: 4, cropFrames: 10, batchSize: 1, lr: 1e-3, warmup: 1, evalEvery: 0, checkpointEvery: 0 };
    const run = h.train({ name: 'early', clips, options }, ctx());
    expect(await h.stopTraining({}, ctx())).toEqual({ stopping: true });
    expect(await run).toMatchObject({ step: 0, stopped: true });
    expect((await h.listModels({}, ctx())).activeName).toBe('Pack model'); // nothing trained, nothing renamed
    const steps: number[] = [];
    const paused = h.train({ name: 'paused', clips, options }, { ...ctx(), progress: (p) => void (p.training && steps.push(p.training.step)) });
    expect(await h.pauseTraining({ paused: true }, ctx())).toEqual({ paused: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(steps).toEqual([]); // held at its start
    await h.pauseTraining({ paused: false }, ctx());
    expect(await paused).toMatchObject({ step: 4, stopped: false });
  });
});
