// The engine's memory checks before it starts work (src/workers/memoryChecks.ts), through the
// engine API on the real bundled pack.
import { describe, expect, it } from 'vitest';
import type { StudioError } from '../errors/StudioError';
import { memoryModelStore } from '../runtime/modelStore';
import { readFileSync } from 'node:fs';
import { estimateTraining, paramCount } from '../lm/memory';
import { parseManifest } from '../packs/manifest';
import { createEngineHandlers } from './engine';
import { WINDOWED_MAX_SECONDS } from './generateTake';
import { planTrainingMemory } from './memoryChecks';
import { ctx, deps, MANIFEST, tone } from './testEngine';

describe('engine memory checks (Node, real bundled pack)', () => {
  it('estimates the memory a take needs, offers the longest that fits, and refuses a longer one before starting', async () => {
    const roomy = await createEngineHandlers(deps()).init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    const m = roomy.lm!.memory;
    expect(roomy.lm!.maxSeconds).toBe(WINDOWED_MAX_SECONDS); // sampled in 5 s windows, a take is not bound by the LM's 30 s of positions
    expect(m.fitSeconds).toBe(roomy.lm!.maxSeconds); // the bundled LM fits a whole window in 4 GB
    expect(roomy.lm!.window).toEqual({ seconds: 5, contextSeconds: 2 }); // and never holds more than one window
    expect(m.fixedBytes).toBeGreaterThan(roomy.lm!.params * 4);
    expect(m.bytesPerSecond).toBeGreaterThan(0);
    // A budget for 3.5 s of cache: shorter than a window, so takes up to 3 s fit and a 4 s one is refused.
    const budget = m.fixedBytes + 3.5 * m.bytesPerSecond;
    const h = createEngineHandlers(deps({ deviceMemoryGb: () => (2 * budget) / 2 ** 30 }));
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    expect(info.lm!.memory.fitSeconds).toBe(3);
    const req = { prompt: 'warm piano', seconds: 4, temperature: 1, topK: 250, topP: 0, cfg: 3, seed: 1 };
    const err = await h.generate(req, ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OUT_OF_MEMORY' });
    expect((err as StudioError).detail).toContain('takes up to 3 s fit');
    const ok = await h.generate({ ...req, seconds: 1 }, ctx());
    expect(ok.t).toBe(info.codec.frameRate);
    // A budget for one window (5.2 s): any length fits, since a longer take only adds windows.
    const windowed = createEngineHandlers(deps({ deviceMemoryGb: () => (2 * (m.fixedBytes + 5.2 * m.bytesPerSecond)) / 2 ** 30 }));
    const wInfo = await windowed.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    expect(wInfo.lm!.memory.fitSeconds).toBe(WINDOWED_MAX_SECONDS);
    expect((await windowed.generate({ ...req, seconds: 6 }, ctx())).t).toBe(6 * info.codec.frameRate);
    expect(await windowed.generate({ ...req, seconds: WINDOWED_MAX_SECONDS + 1 }, ctx()).catch((e: unknown) => e)).toMatchObject({ code: 'INTERNAL' });
  }, 60_000);

  it('refuses a training run that would not fit the memory budget before it starts, saying what would', async () => {
    const probe = await createEngineHandlers(deps()).init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    // A budget that holds the model and a 1 s take, and a training step on one 1 s crop, but not 8 crops of 5 s.
    const budget = probe.lm!.memory.fixedBytes + 150 * 2 ** 20;
    const store = memoryModelStore();
    const h = createEngineHandlers(deps({ modelStore: store, deviceMemoryGb: () => (2 * budget) / 2 ** 30 }));
    await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    const a = await h.tokenize({ channels: [tone(32000 * 6, 32000, 220)], sampleRate: 32000, name: 'a.wav' }, ctx());
    const clips = [{ name: 'a', caption: 'low tone', codes: a.codes, k: a.k, t: a.t }];
    const err = await h.train({ name: 'big', clips, options: { steps: 2, cropFrames: 250, batchSize: 8 } }, ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OUT_OF_MEMORY' });
    expect((err as StudioError).detail).toMatch(/8 crops of 250 frames per step needs about \d+ MB on \w+; .*fewer crops per step or shorter crops/);
    expect((await h.listModels({}, ctx())).models).toHaveLength(0); // nothing saved, the model in use unchanged
    const ok = await h.train({ name: 'small', clips, options: { steps: 1, cropFrames: 50, batchSize: 1 } }, ctx());
    expect(ok.step).toBe(1);
  }, 60_000);

  it('trains plainly when that fits, recomputing block activations when only that fits, and refuses otherwise', () => {
    const manifest = parseManifest(JSON.parse(readFileSync(new URL('../../public/models/studio/manifest.json', import.meta.url), 'utf8')));
    const cfg = manifest.lm!.config;
    const run = { batch: 2, cropFrames: 250, textTokens: 20, trainableParams: paramCount(cfg), method: 'full' as const };
    const plain = estimateTraining(cfg, { ...run, recompute: false }).totalBytes;
    const frugal = estimateTraining(cfg, { ...run, recompute: true }).totalBytes;
    expect(frugal).toBeLessThan(plain);
    expect(planTrainingMemory(cfg, run, plain, 'wasm')).toEqual({ recompute: false });
    expect(planTrainingMemory(cfg, run, (plain + frugal) / 2, 'wasm')).toEqual({ recompute: true });
    expect(() => planTrainingMemory(cfg, run, frugal - 1, 'wasm')).toThrow(/needs about \d+ MB on wasm/);
  });
});
