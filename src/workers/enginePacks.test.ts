// The engine on a hub pack: the tiny musicgen-small stand-in (scripts/hub/tinyHub.ts) served like
// the Hugging Face hub, through the same init / generate code as the bundled pack.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTinyHub, type TinyHub } from '../../scripts/hub/tinyHub';
import { memoryBlobStore } from '../packs/packCache';
import { fakeServer, type FakeServerOptions } from '../packs/testServer';
import { createEngineHandlers, type EngineDeps } from './engine';
import type { Progress } from './protocol';
import { ctx, deps as baseDeps } from './testEngine';

const APP = 'http://app.test';
const MANIFEST = `${APP}/models/musicgen-small-tiny/manifest.json`;
const HUB = `${APP}/hub`;
let hub: TinyHub;

beforeAll(async () => {
  hub = await buildTinyHub(JSON.parse(readFileSync(new URL('../../public/models/musicgen-small/manifest.json', import.meta.url), 'utf8')));
}, 120_000);

function site(manifest: unknown = hub.manifest, opts: FakeServerOptions = {}) {
  const files = new Map([...hub.files].map(([p, b]) => [`/hub/${p}`, b]));
  files.set('/models/musicgen-small-tiny/manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return fakeServer(files, opts);
}

const deps = (server: ReturnType<typeof site>, packStore = memoryBlobStore()): EngineDeps => baseDeps({ fetch: server.fetch, packStore });

describe('engine on a hub pack (tiny musicgen-small)', () => {
  it('downloads with progress, generates through the pretrained path, and starts from the cache next time', async () => {
    const packStore = memoryBlobStore();
    const server = site();
    const h = createEngineHandlers(deps(server, packStore));
    // The plan first: exact sizes from small requests only (size probes, the safetensors header).
    const plan = await h.planPack({ manifestUrl: MANIFEST, hubBase: HUB }, ctx());
    expect(plan).toMatchObject({ packId: 'musicgen-small-tiny', packName: 'MusicGen small (tiny test double)', cachedBytes: 0 });
    expect(plan.files.map((f) => f.path)).toEqual(['onnx/encodec_encoder.onnx', 'onnx/encodec_decode.onnx', 'onnx/text_encoder.onnx', 'tokenizer.json', 'model.safetensors']);
    expect(plan.total).toBe(plan.files.reduce((s, f) => s + f.bytes, 0));
    expect(server.sent()).toBeLessThan(100_000);
    const progress: Progress[] = [];
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'auto', hubBase: HUB }, ctx(progress));
    expect(info).toMatchObject({ packId: 'musicgen-small-tiny', text: { hiddenSize: 32 }, lm: { conditioning: 'cross', defaults: { topK: 250, cfg: 3 } } });
    expect(info.notices).toBeUndefined();

    const downloads = progress.filter((p) => p.download).map((p) => p.download!);
    const total = downloads[0].total;
    expect(total).toBe(plan.total);
    expect(downloads.every((d) => d.total === total)).toBe(true);
    expect(downloads.map((d) => d.loaded)).toEqual([...downloads.map((d) => d.loaded)].sort((a, b) => a - b));
    expect(downloads.at(-1)!.loaded).toBe(total);
    expect(downloads[0].files.map((f) => f.path)).toEqual(['onnx/encodec_encoder.onnx', 'onnx/encodec_decode.onnx', 'onnx/text_encoder.onnx', 'tokenizer.json', 'model.safetensors']);
    expect(progress.some((p) => /^Downloading model\.safetensors \(/.test(p.label))).toBe(true);
    const weights = server.log.filter((l) => l.path.endsWith('model.safetensors'));
    expect(weights.every((l) => l.status === 206)).toBe(true); // header + the decoder tensors, by Range

    const take = await h.generate({ prompt: 'warm piano', seconds: 0.5, temperature: 1, topK: 250, topP: 0, cfg: 3, seed: 7 }, ctx());
    expect(take).toMatchObject({ k: 4, t: 25, sampleRate: 32000 });
    expect(take.pcm.length).toBe(25 * 640);
    expect(take.codes.every((c) => c >= 0 && c < 2048)).toBe(true);

    // Back to the base weights after another model: read again from the pack cache.
    await h.useModel({ id: null }, ctx());
    const again = await h.generate({ prompt: 'warm piano', seconds: 0.5, temperature: 1, topK: 250, topP: 0, cfg: 3, seed: 7 }, ctx());
    expect(again.codes).toEqual(take.codes);

    // A reload: the same storage, nothing but the manifest from the network (the plan included).
    const server2 = site();
    const h2 = createEngineHandlers(deps(server2, packStore));
    expect(await h2.planPack({ manifestUrl: MANIFEST, hubBase: HUB }, ctx())).toMatchObject({ total, cachedBytes: total });
    const progress2: Progress[] = [];
    await h2.init({ manifestUrl: MANIFEST, backend: 'wasm', hubBase: HUB }, ctx(progress2));
    expect(server2.log.map((l) => l.path)).toEqual(['/models/musicgen-small-tiny/manifest.json', '/models/musicgen-small-tiny/manifest.json']);
    expect(progress2.some((p) => /^Reading from the cache/.test(p.label))).toBe(true);
    const third = await h2.generate({ prompt: 'warm piano', seconds: 0.5, temperature: 1, topK: 250, topP: 0, cfg: 3, seed: 7 }, ctx());
    expect(third.codes).toEqual(take.codes);

    const { bytes } = await h2.packCacheUsage({ packId: 'musicgen-small-tiny' }, ctx());
    expect(bytes).toBeGreaterThan(total);
    expect(await h2.clearPackCache({ packId: 'musicgen-small-tiny' }, ctx())).toEqual({ freed: bytes });
    expect(await h2.packCacheUsage({}, ctx())).toEqual({ bytes: 0 });
  }, 180_000);

  it('refuses a manifest that does not fit the checkpoint, after reading only its header', async () => {
    const wrong = structuredClone(hub.manifest) as { lm: { config: { layers: number } } };
    wrong.lm.config.layers = 24;
    const server = site(wrong);
    const h = createEngineHandlers(deps(server));
    await expect(h.planPack({ manifestUrl: MANIFEST, hubBase: HUB }, ctx())).rejects.toMatchObject({ code: 'WEIGHTS_MISMATCH' });
    await expect(h.init({ manifestUrl: MANIFEST, backend: 'wasm', hubBase: HUB }, ctx())).rejects.toMatchObject({ code: 'WEIGHTS_MISMATCH' });
    expect(server.sent(/model\.safetensors$/)).toBeLessThan(20_000);
  }, 60_000);

  it('keeps going from memory when browser storage is full, and says so', async () => {
    const h = createEngineHandlers(deps(site(), memoryBlobStore({ quotaBytes: 1_000_000 })));
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'wasm', hubBase: HUB }, ctx());
    expect(info.notices?.map((n) => n.code)).toEqual(['STORAGE_FULL']);
    expect(info.lm).toBeDefined();
  }, 60_000);

  it('checks the graphs against the manifest: a wrong text width is a MODEL_INTERFACE error', async () => {
    // (With the LM kept, the checkpoint's enc_to_dec_proj [64, 32] already refuses textDim 768: WEIGHTS_MISMATCH.)
    const wrong = structuredClone(hub.manifest) as { text: { hiddenSize: number }; lm?: unknown; files: Record<string, unknown> };
    wrong.text.hiddenSize = 768;
    delete wrong.lm;
    delete wrong.files.lmWeights;
    const h = createEngineHandlers(deps(site(wrong)));
    await expect(h.init({ manifestUrl: MANIFEST, backend: 'wasm', hubBase: HUB }, ctx())).rejects.toMatchObject({
      code: 'MODEL_INTERFACE', message: expect.stringMatching(/text_encoder\.onnx/),
    });
  }, 60_000);
});
