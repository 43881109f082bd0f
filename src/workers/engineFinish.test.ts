// Keep what's made through the engine API (Node, the bundled pack on tfjs wasm): finishGeneration.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createEngineHandlers } from './engine';
import { ctx, deps, MANIFEST } from './testEngine';

describe('finishGeneration', () => {
  it('ends a take early and keeps the frames made so far: the start of the whole take with its seed', async () => {
    const h = createEngineHandlers(deps());
    const info = await h.init({ manifestUrl: MANIFEST, backend: 'wasm' }, ctx());
    const { hopLength, codebooks } = info.codec;
    const req = { prompt: 'slow piano melody in D minor', seconds: 4, temperature: 1, topK: 250, topP: 0, cfg: 3, seed: 42 };
    const tensors = tf.memory().numTensors;
    expect(await h.finishGeneration({}, ctx())).toEqual({ finishing: false }); // nothing running
    // Asked while the take is still queued: kept for it, so it ends before its first frame (nothing to keep).
    const queued = h.generate(req, ctx());
    expect(await h.finishGeneration({}, ctx())).toEqual({ finishing: true });
    await expect(queued).rejects.toMatchObject({ code: 'CANCELLED' });
    const whole = await h.generate(req, ctx());
    const early = await h.generate(req, {
      ...ctx(), progress: (p) => { if ((p.generation?.step ?? 0) >= 40) void h.finishGeneration({}, ctx()); },
    });
    expect(early.t).toBeGreaterThanOrEqual(36);
    expect(early.t).toBeLessThan(whole.t);
    expect(early.pcm.length).toBe(early.t * hopLength);
    for (let q = 0; q < codebooks; q++) expect(Array.from(early.codes.subarray(q * early.t, (q + 1) * early.t))).toEqual(Array.from(whole.codes.subarray(q * whole.t, q * whole.t + early.t)));
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
