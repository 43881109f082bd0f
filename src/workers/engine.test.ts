import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { createLora, disposeLm, disposeLora, initLm, parseLmConfig, readSafetensors, saveLora, writeSafetensors } from '../lm';
import { serveOrt } from '../runtime/ortRemote';
import { createNodeOrtSession } from '../runtime/ortSessionNode';
import { memoryModelStore } from '../runtime/modelStore';
import { createEngineHandlers, type EngineDeps } from './engine';
import type { Progress } from './protocol';

import { ctx, deps, diskFetch, MANIFEST, tone } from './testEngine';
import { addClick, addTone, SR } from '../eval/testSignals';
import { describeAudio } from '../eval/describe';

describe('engine handlers (Node, real bundled pack)', () => {
  it('loads the pack with progress and tokenizes stereo 44.1 kHz audio to K x T codes', async () => {
    const h = createEngineHandlers(deps());
    const progress: Progress[] = [];
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'auto' }, ctx(progress));
    expect(info).toMatchObject({ packId: 'studio', backend: 'wasm' });
    expect(progress.at(-1)?.value).toBe(1);
    expect(progress.some((p) => /Downloading encodec_encoder\.onnx/.test(p.label))).toBe(true);
    const sr = 44100;
    const left = tone(sr, sr, 440);
    const right = tone(sr, sr, 660);
    const r = await h.tokenize({ channels: [left, right], sampleRate: sr, name: 'x.wav' }, ctx());
    const { sampleRate, hopLength, codebooks } = info.codec;
    expect(r.sampleRate).toBe(sampleRate);
    expect(r.pcm.length).toBe(sampleRate);
    expect(r.k).toBe(codebooks);
    expect(r.t).toBe(Math.ceil(sampleRate / hopLength));
    expect(r.reconstruction.length).toBe(r.pcm.length);
    expect(r.facts).toBeNull(); // 1 s: too short to tell a key or a tempo
  });

  it('says what a clip sounds like: key and tempo of the audio as loaded', async () => {
    const h = createEngineHandlers(deps());
    await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    const pcm = new Float32Array(4 * SR);
    for (let i = 0; i < 8; i++) {
      addClick(pcm, 0.05 + i * 0.5, 0.4);
      addTone(pcm, [57, 61, 64, 69][i % 4], 0.05 + i * 0.5, 0.5);
      if (i % 4 === 0) for (const m of [45, 61, 64]) addTone(pcm, m, 0.05 + i * 0.5, 2);
    }
    const r = await h.tokenize({ channels: [pcm], sampleRate: SR, name: 'a-major.wav' }, ctx());
    expect(r.facts?.key).toMatchObject({ tonic: 9, mode: 'major', clear: true });
    expect(r.reconstructionFacts).toEqual(describeAudio(r.reconstruction, SR)); // what the codec kept
    expect(r.facts?.tempo.clear).toBe(true);
    expect(Math.abs(r.facts!.tempo.bpm - 120)).toBeLessThanOrEqual(2);
  });

  it('rejects silence with AUDIO_SILENT and keeps working', async () => {
    const h = createEngineHandlers(deps());
    await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    await expect(h.tokenize({ channels: [new Float32Array(16000)], sampleRate: 16000, name: 's.wav' }, ctx())).rejects.toMatchObject({ code: 'AUDIO_SILENT' });
    const r = await h.tokenize({ channels: [tone(16000, 16000, 300)], sampleRate: 16000, name: 't.wav' }, ctx());
    expect(r.t).toBe(50);
  });

  it('refuses a model file whose bytes do not match the manifest', async () => {
    const h = createEngineHandlers(deps({ fetch: diskFetch((p, b) => (p.endsWith('.onnx') ? b.map((v, i) => (i === 100 ? v ^ 1 : v)) : b)) }));
    await expect(h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx())).rejects.toMatchObject({ code: 'MODEL_INTEGRITY' });
  });

  it('reports a missing pack as MODEL_FETCH_FAILED', async () => {
    const h = createEngineHandlers(deps());
    await expect(h.init({ manifestUrl: 'http://studio.test/models/none/manifest.json', backend: 'wasm' }, ctx())).rejects.toMatchObject({ code: 'MODEL_FETCH_FAILED' });
  });

  it('falls back to WASM, and says so, when WebGPU cannot start', async () => {
    const created: string[] = [];
    const h = createEngineHandlers(deps({
      createSession: async (b, backend) => {
        created.push(backend);
        if (backend === 'webgpu') throw new StudioError('BACKEND_UNAVAILABLE', 'no webgpu here');
        return createNodeOrtSession(b);
      },
    }, { available: true, isFallback: false, description: 'test gpu' }));
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'auto' }, ctx());
    expect(info.backend).toBe('wasm');
    expect(info.backendReason).toMatch(/fell back to WASM/);
    expect(created).toEqual(['webgpu', 'wasm', 'wasm', 'wasm']); // codec encoder + decoder + text encoder
  });

  it('reports a lost WebGPU device as GPU_DEVICE_LOST (and the same failure on WASM as it is); the reload does not wait on the dead sessions', async () => {
    let lost = false;
    const onDevice: { dead: boolean }[] = []; // sessions made so far: a loss kills them for good
    const createSession: EngineDeps['createSession'] = async (b) => {
      const s = await createNodeOrtSession(b);
      const me = { dead: false };
      onDevice.push(me);
      return {
        ...s, inputNames: s.inputNames, outputNames: s.outputNames,
        run: (f) => (lost ? Promise.reject(new Error('Device was lost: destroyed')) : s.run(f)),
        release: () => (me.dead ? new Promise<void>(() => {}) : s.release()), // an ORT worker on a dead device never answers
      };
    };
    const clip = { channels: [tone(24000, 24000, 440)], sampleRate: 24000, name: 'a.wav' };
    const gpu = createEngineHandlers(deps({ createSession }, { available: true, isFallback: false, description: 'test gpu' }));
    expect((await gpu.init({ manifestUrl: MANIFEST, backend: 'auto' }, ctx())).backend).toBe('webgpu');
    await gpu.tokenize({ ...clip, channels: [clip.channels[0].slice()] }, ctx());
    lost = true;
    for (const s of onDevice) s.dead = true;
    await expect(gpu.tokenize({ ...clip, channels: [clip.channels[0].slice()] }, ctx())).rejects.toMatchObject({ code: 'GPU_DEVICE_LOST', detail: 'Device was lost: destroyed' });
    const reload = gpu.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx()); // what the app does next
    lost = false; // the new sessions are fine; the old ones still would not answer a release
    expect((await reload).backend).toBe('wasm');
    const wasm = createEngineHandlers(deps({ createSession }));
    await wasm.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    lost = true;
    await expect(wasm.tokenize({ ...clip, channels: [clip.channels[0].slice()] }, ctx())).rejects.toThrow('Device was lost');
    await expect(wasm.tokenize({ ...clip, channels: [clip.channels[0].slice()] }, ctx())).rejects.not.toMatchObject({ code: 'GPU_DEVICE_LOST' });
  });

  it('counts prompt tokens and flags truncation', async () => {
    const h = createEngineHandlers(deps());
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    expect(info.text?.maxTokens).toBeGreaterThan(8);
    const short = await h.promptInfo({ text: 'slow piano melody in D minor' }, ctx());
    expect(short).toMatchObject({ truncated: false, unknown: 0 });
    expect(short.tokens).toBeGreaterThan(2);
    expect(await h.promptInfo({ text: '' }, ctx())).toMatchObject({ tokens: 0, truncated: false });
    const long = await h.promptInfo({ text: 'warm piano chords '.repeat(200) }, ctx());
    expect(long).toMatchObject({ tokens: info.text!.maxTokens, truncated: true });
  });

  it('computes a chromagram whose dominant classes follow the input', async () => {
    const h = createEngineHandlers(deps());
    await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    const sr = 32000;
    const a = tone(sr * 2, sr, 440); // A
    const c = await h.chroma({ pcm: a, sampleRate: sr }, ctx());
    expect(c.frames).toBe(1 + Math.floor((2 * sr) / 4096));
    expect(c.norm.length).toBe(c.frames * 12);
    expect(Array.from(c.argmax).filter((v) => v === 9).length).toBeGreaterThan(c.frames * 0.8);
  });

  it('runs its graphs in the ORT worker behind the port init carries; a take decoded while generating equals a decode at the end', async () => {
    const { port1, port2 } = new MessageChannel();
    let runs = 0;
    serveOrt(async (b) => {
      const s = await createNodeOrtSession(b);
      return { ...s, inputNames: s.inputNames, outputNames: s.outputNames, run: (f) => (runs++, s.run(f)) };
    }, port2);
    port2.start();
    const h = createEngineHandlers(deps({ createSession: async () => { throw new Error('the engine must not start sessions itself'); } }));
    try {
      const info = await h.init({ manifestUrl: MANIFEST, backend: 'wasm', ort: port1 }, ctx());
      const progress: Progress[] = [];
      const take = await h.generate({ prompt: 'warm piano', seconds: 7, temperature: 1, topK: 250, topP: 0, cfg: 3, seed: 7 }, ctx(progress));
      expect(runs).toBeGreaterThan(2); // text encoder, decoder windows
      // 7 s is past the pack's 5 s window: sampled as 250 frames, then 100 more after 100 of context (253 + 103 steps, not 353)
      expect(progress.map((p) => p.generation?.steps).filter(Boolean).at(-1)).toBe(356);
      const whole = await h.decode({ codes: take.codes, k: take.k, t: take.t }, ctx());
      expect(take.pcm.length).toBe(take.t * info.codec.hopLength);
      let worst = 0;
      for (let i = 0; i < whole.pcm.length; i++) worst = Math.max(worst, Math.abs(take.pcm[i] - whole.pcm[i]));
      expect(worst).toBeLessThan(1e-4);
      expect(take.facts).not.toBeNull();
      expect(take.facts).toEqual(describeAudio(take.pcm, info.codec.sampleRate)); // facts of the take's own audio
    } finally {
      port1.close();
      port2.close();
    }
  });



  it('generates a take of the asked length, the same for the same seed, and cancels cleanly', async () => {
    const h = createEngineHandlers(deps());
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    expect(info.lm?.maxSeconds).toBeGreaterThanOrEqual(10);
    expect(info.lm?.window).toEqual({ seconds: 5, contextSeconds: 2 }); // the manifest's window, for the length hint
    const tensors = tf.memory().numTensors;
    const req = { prompt: 'slow piano melody in D minor', seconds: 0.5, temperature: 1, topK: 250, topP: 0, cfg: 3, seed: 42 };
    const progress: Progress[] = [];
    const a = await h.generate(req, ctx(progress));
    const { frameRate, hopLength, codebooks } = info.codec;
    expect(a).toMatchObject({ k: codebooks, t: 0.5 * frameRate, seed: 42 });
    expect(a.pcm.length).toBe(a.t * hopLength);
    expect(progress.some((p) => p.generation && p.generation.steps === a.t + codebooks - 1)).toBe(true);
    const b = await h.generate(req, ctx());
    expect(Array.from(b.codes)).toEqual(Array.from(a.codes));
    const c = await h.generate({ ...req, seed: 43 }, ctx());
    expect(Array.from(c.codes)).not.toEqual(Array.from(a.codes));
    // Continuation keeps the given frames.
    const keep = 10;
    const cont = new Int32Array(codebooks * keep);
    for (let q = 0; q < codebooks; q++) cont.set(a.codes.subarray(q * a.t, q * a.t + keep), q * keep);
    const d = await h.generate({ ...req, seed: 5, continuation: { codes: cont, k: codebooks, t: keep } }, ctx());
    for (let q = 0; q < codebooks; q++) expect(Array.from(d.codes.subarray(q * d.t, q * d.t + keep))).toEqual(Array.from(cont.subarray(q * keep, (q + 1) * keep)));
    // Stop: abort after the first steps; nothing leaks and the engine keeps working.
    const ctl = new AbortController();
    const stopped = h.generate({ ...req, seconds: 5 }, {
      ...ctx(), signal: ctl.signal,
      progress: (p) => { if ((p.generation?.step ?? 0) >= 3) ctl.abort(); },
    });
    await expect(stopped).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(tf.memory().numTensors).toBe(tensors);
    await h.generate(req, ctx());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('fine-tunes on captioned clips, saves the model, switches, exports and imports it', async () => {
    const store = memoryModelStore();
    const h = createEngineHandlers(deps({ modelStore: store }));
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    expect(info.lm?.modelId).toBeNull();
    const clip = async (hz: number) => h.tokenize({ channels: [tone(32000 * 2, 32000, hz)], sampleRate: 32000, name: `${hz}.wav` }, ctx());
    const [a, b] = [await clip(220), await clip(660)];
    const progress: Progress[] = [];
    const summary = await h.train({
      name: 'two tones',
      clips: [{ name: 'a', caption: 'low tone', codes: a.codes, k: a.k, t: a.t }, { name: 'b', caption: 'high tone', codes: b.codes, k: b.k, t: b.t }],
      options: { steps: 6, cropFrames: 25, batchSize: 2, lr: 1e-3, warmup: 1, evalEvery: 3, checkpointEvery: 3 },
    }, ctx(progress));
    expect(summary).toMatchObject({ step: 6, steps: 6, stopped: false });
    expect(progress.filter((p) => p.training).map((p) => p.training!.step)).toEqual([1, 2, 3, 4, 5, 6]);
    const list = await h.listModels({}, ctx());
    expect(list.active).toBe(summary.id);
    expect(list.models).toHaveLength(1);
    expect(list.models[0]).toMatchObject({ name: 'two tones', step: 6 });
    const req = { prompt: 'low tone', seconds: 0.3, temperature: 1, topK: 50, topP: 0, cfg: 3, seed: 1 };
    const tuned = await h.generate(req, ctx());
    const base = await h.useModel({ id: null }, ctx());
    expect(base.modelId).toBeNull();
    const fromBase = await h.generate(req, ctx());
    expect(Array.from(fromBase.codes)).not.toEqual(Array.from(tuned.codes));
    await h.useModel({ id: summary.id }, ctx());
    expect(Array.from((await h.generate(req, ctx())).codes)).toEqual(Array.from(tuned.codes));
    // Export -> import gives the same model.
    const exported = await h.exportWeights({}, ctx());
    expect(exported.fileName).toBe('two-tones.safetensors');
    await h.useModel({ id: null }, ctx());
    const imported = await h.importWeights({ bytes: exported.bytes, name: 'imported' }, ctx());
    expect(imported.modelName).toBe('imported');
    expect(Array.from((await h.generate(req, ctx())).codes)).toEqual(Array.from(tuned.codes));
    const renamed = await h.renameModel({ id: summary.id, name: 'Café tones' }, ctx());
    expect(renamed.models.map((m) => m.name).sort()).toEqual(['Café tones', 'imported']);
    await h.useModel({ id: summary.id }, ctx());
    expect((await h.exportWeights({}, ctx())).fileName).toBe('Café-tones.safetensors'); // letters of any script stay
    await h.useModel({ id: imported.modelId }, ctx());
    const after = await h.deleteModel({ id: imported.modelId! }, ctx());
    expect(after.active).toBeNull(); // deleting the model in use falls back to the pack's own
    expect(after.models).toHaveLength(1);
    // Wrong weights are refused and the model in use stays.
    await expect(h.importWeights({ bytes: new Uint8Array([1, 2, 3]), name: 'bad' }, ctx())).rejects.toMatchObject({ code: 'MODEL_INTEGRITY' });
  }, 120_000);

  it('fine-tunes LoRA adapters: a small saved model merged for generation, the exact base back, adapter export / import, mismatches refused', async () => {
    const store = memoryModelStore();
    const h = createEngineHandlers(deps({ modelStore: store }));
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    expect(info.lm).toMatchObject({ modelKind: 'full' });
    expect(info.lm!.loraParamsPerRank.feedForward).toBeGreaterThan(0);
    const clip = async (hz: number) => h.tokenize({ channels: [tone(32000 * 2, 32000, hz)], sampleRate: 32000, name: `${hz}.wav` }, ctx());
    const [a, b] = [await clip(220), await clip(660)];
    const req = { prompt: 'low tone', seconds: 0.3, temperature: 1, topK: 50, topP: 0, cfg: 3, seed: 1 };
    const fromBase = Array.from((await h.generate(req, ctx())).codes);
    const baseFile = await h.exportWeights({}, ctx());
    expect(baseFile.kind).toBe('full');
    const tensors = tf.memory().numTensors;
    const progress: Progress[] = [];
    const summary = await h.train({
      name: 'tones lora', method: 'lora',
      clips: [{ name: 'a', caption: 'low tone', codes: a.codes, k: a.k, t: a.t }, { name: 'b', caption: 'high tone', codes: b.codes, k: b.k, t: b.t }],
      options: { steps: 4, cropFrames: 25, batchSize: 2, lr: 1e-2, warmup: 1, evalEvery: 0, checkpointEvery: 2 },
    }, ctx(progress));
    expect(summary).toMatchObject({ kind: 'lora', step: 4, steps: 4, stopped: false });
    expect(progress.filter((p) => p.training).map((p) => p.training!.step)).toEqual([1, 2, 3, 4]);
    expect(progress.find((p) => p.training)?.label).toMatch(/^Training LoRA: step 1/);
    // Saved as an adapter: kind 'lora', its plan, and the adapter file alone (no moments, no base weight).
    const list = await h.listModels({}, ctx());
    expect(list).toMatchObject({ active: summary.id, activeName: 'tones lora', activeKind: 'lora' });
    expect(list.models).toHaveLength(1);
    expect(list.models[0]).toMatchObject({ name: 'tones lora', kind: 'lora', step: 4, plan: { method: 'lora', lora: { rank: 16, alpha: 32 } } });
    expect(list.models[0].bytes).toBeLessThan(baseFile.bytes.length / 3);
    const stored = readSafetensors((await store.get(summary.id))!.checkpoint);
    expect(stored.metadata).toMatchObject({ 'studio.lora': '1', rank: '16', alpha: '32', name: 'tones lora' });
    expect([...stored.tensors.keys()].every((n) => /\.lora_/.test(n))).toBe(true);
    // In use, merged into the pack's weights: other tokens than the base for the same seed.
    const lmInfo = await h.useModel({ id: summary.id }, ctx()); // already in use: reloads the base and merges again
    expect(lmInfo).toMatchObject({ modelId: summary.id, modelName: 'tones lora', modelKind: 'lora', params: info.lm!.params });
    const tuned = Array.from((await h.generate(req, ctx())).codes);
    expect(tuned).not.toEqual(fromBase);
    // The pack model again: exactly the base (the same tokens, the same bytes), no tensor left behind.
    expect(await h.useModel({ id: null }, ctx())).toMatchObject({ modelId: null, modelKind: 'full' });
    expect(Array.from((await h.generate(req, ctx())).codes)).toEqual(fromBase);
    expect(Buffer.from((await h.exportWeights({}, ctx())).bytes).equals(Buffer.from(baseFile.bytes))).toBe(true); // (toEqual on MBs is slow)
    expect(tf.memory().numTensors).toBe(tensors);
    // Export gives the adapter file; importing it gives the same model, and switching between
    // two adapters never stacks them.
    await h.useModel({ id: summary.id }, ctx());
    expect(Array.from((await h.generate(req, ctx())).codes)).toEqual(tuned);
    const adapter = await h.exportWeights({}, ctx());
    expect(adapter).toMatchObject({ fileName: 'tones-lora.lora.safetensors', kind: 'lora' });
    expect(adapter.bytes.length).toBeLessThan(baseFile.bytes.length / 3);
    const imported = await h.importWeights({ bytes: adapter.bytes, name: 'imported lora' }, ctx());
    expect(imported).toMatchObject({ modelName: 'imported lora', modelKind: 'lora' });
    expect(Array.from((await h.generate(req, ctx())).codes)).toEqual(tuned);
    expect((await h.listModels({}, ctx())).models.find((m) => m.id === imported.modelId)).toMatchObject({ kind: 'lora', step: 0 });
    // Mismatched adapters are refused with ADAPTER_INVALID and the model in use stays.
    const small = parseLmConfig({ dim: 32, layers: 2, heads: 2, ffn: 64, codebooks: 4, card: 16, textDim: 8, maxPositions: 64 });
    const otherLm = initLm(small, 1);
    const otherLora = createLora(otherLm, { rank: 2 }, 1);
    const otherBytes = await saveLora(otherLora);
    disposeLora(otherLora);
    disposeLm(otherLm);
    const refused = await h.importWeights({ bytes: otherBytes, name: 'other' }, ctx()).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ADAPTER_INVALID' });
    expect((refused as StudioError).detail).toMatch(/different base model: dim 32 \(this model: 128\)/);
    const { tensors: adapterTensors } = readSafetensors(adapter.bytes);
    const bare = writeSafetensors(adapterTensors, { format: 'pt' }); // PEFT-style names, no studio metadata
    await expect(h.importWeights({ bytes: bare, name: 'bare' }, ctx())).rejects.toMatchObject({ code: 'ADAPTER_INVALID', detail: expect.stringMatching(/no studio\.lora metadata/) });
    const listed = await h.listModels({}, ctx());
    expect(listed).toMatchObject({ active: imported.modelId, activeKind: 'lora' });
    expect(listed.models).toHaveLength(2);
    expect(Array.from((await h.generate(req, ctx())).codes)).toEqual(tuned);
    // The same matrices as a Hugging Face PEFT pair (prefixed names, adapter_config.json): the same model, saved as a studio adapter.
    const peft = writeSafetensors(new Map([...adapterTensors].map(([n, t]) => [`base_model.model.${n}`, t])), { format: 'pt' });
    const adapterConfig = JSON.stringify({
      peft_type: 'LORA', r: 16, lora_alpha: 32, bias: 'none', base_model_name_or_path: 'facebook/musicgen-small',
      target_modules: ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2', 'enc_to_dec_proj', 'lm_heads', 'embed_tokens'],
    });
    const fromPeft = await h.importWeights({ bytes: peft, name: 'from peft', adapterConfig }, ctx());
    expect(fromPeft).toMatchObject({ modelName: 'from peft', modelKind: 'lora' });
    expect(Array.from((await h.generate(req, ctx())).codes)).toEqual(tuned);
    expect((await h.exportWeights({}, ctx())).fileName).toBe('from-peft.lora.safetensors');
    await h.deleteModel({ id: fromPeft.modelId! }, ctx());
    await h.useModel({ id: imported.modelId }, ctx());
    // Deleting the adapter in use puts the exact base back.
    const after = await h.deleteModel({ id: imported.modelId! }, ctx());
    expect(after).toMatchObject({ active: null, activeName: 'Pack model', activeKind: 'full' });
    expect(Array.from((await h.generate(req, ctx())).codes)).toEqual(fromBase);
    expect(tf.memory().numTensors).toBe(tensors);
    // A full fine-tune trained while an adapter is in use starts from the pack's own weights.
    await h.useModel({ id: summary.id }, ctx());
    const full = await h.train({
      name: 'full after lora', clips: [{ name: 'a', caption: 'low tone', codes: a.codes, k: a.k, t: a.t }],
      options: { steps: 1, cropFrames: 25, batchSize: 1, lr: 1e-9, warmup: 0, evalEvery: 0, checkpointEvery: 0 },
    }, ctx());
    expect(full.kind).toBe('full');
    expect(await h.listModels({}, ctx())).toMatchObject({ active: full.id, activeKind: 'full' });
    await h.useModel({ id: null }, ctx());
    expect(tf.memory().numTensors).toBe(tensors);
  }, 120_000);
});
