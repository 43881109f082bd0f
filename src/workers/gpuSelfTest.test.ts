// The WebGPU self-test at pack load: a decoder that disagrees with WASM is replaced by the WASM one.
// ORT's WebGPU EP is outside the unit: a Node ORT session stands in for it, bent where a test says.
import { describe, expect, it } from 'vitest';
import { createNodeOrtSession } from '../runtime/ortSessionNode';
import type { SessionRunner, TensorMap } from '../runtime/sessionRunner';
import { createEngineHandlers, type EngineDeps } from './engine';
import { relativeError, selfTestCodes } from './gpuSelfTest';
import { ctx, deps, MANIFEST, tone } from './testEngine';

const GPU = { available: true, isFallback: false, description: 'test gpu' };

/** A session whose decoded audio (audio_values) goes through `bend` when it was made for WebGPU. */
function sessions(bend: ((audio: Float32Array) => Float32Array) | null, created: string[]): EngineDeps['createSession'] {
  return async (bytes, backend) => {
    created.push(backend);
    const s = await createNodeOrtSession(bytes);
    if (backend !== 'webgpu' || !bend) return s;
    const run = async (feeds: TensorMap): Promise<TensorMap> => {
      const out = await s.run(feeds);
      const audio = out.audio_values;
      if (audio?.type === 'float32') out.audio_values = { ...audio, data: bend(audio.data) };
      return out;
    };
    return { inputNames: s.inputNames, outputNames: s.outputNames, run, release: () => s.release() } satisfies SessionRunner;
  };
}

async function load(bend: ((audio: Float32Array) => Float32Array) | null) {
  const created: string[] = [];
  const h = createEngineHandlers(deps({ createSession: sessions(bend, created) }, GPU));
  const info = await h.init({ manifestUrl: MANIFEST, backend: 'auto' }, ctx());
  return { h, info, created };
}

const hum = (a: Float32Array) => a.map((v, i) => v + 0.5 * Math.sin(i / 10));

describe('WebGPU self-test at load', () => {
  it('keeps a WebGPU decoder that agrees with WASM and adds no notice', async () => {
    const { info, created } = await load(null);
    expect(info.backend).toBe('webgpu');
    expect(created).toEqual(['webgpu', 'webgpu', 'webgpu', 'wasm']); // encoder, decoder, text encoder, then the WASM decoder for the check
    expect(info.notices ?? []).toEqual([]);
  });

  it('moves a decoder that hums on WebGPU to WASM, says so, and reconstructs as WASM does', async () => {
    const { h, info } = await load(hum);
    expect(info.backend).toBe('webgpu');
    expect(info.notices).toEqual([expect.objectContaining({ code: 'GPU_SELF_TEST', message: expect.stringMatching(/codec's decoder on WebGPU differed from WASM by \d+% of the peak; it runs on WASM/) })]);
    const clip = { channels: [tone(24000, 24000, 220)], sampleRate: 24000, name: 't.wav' };
    const gpu = await h.tokenize({ ...clip, channels: [clip.channels[0].slice()] }, ctx());
    const wasm = await (await load(null)).h.tokenize({ ...clip, channels: [clip.channels[0].slice()] }, ctx());
    expect(relativeError(gpu.reconstruction, wasm.reconstruction)).toBe(0);
  });

  it('moves a decoder that fails on WebGPU to WASM', async () => {
    const { info } = await load(() => { throw new Error('Gather: unsupported int64 data'); });
    expect(info.notices).toEqual([expect.objectContaining({ code: 'GPU_SELF_TEST', message: expect.stringMatching(/failed \(Gather: unsupported int64 data\)/) })]);
  });

  it('measures disagreement relative to the reference peak', () => {
    const b = Float32Array.from([0.5, -1, 0.25]);
    expect(relativeError(b, b)).toBe(0);
    expect(relativeError(Float32Array.from([0.5, -0.9, 0.25]), b)).toBeCloseTo(0.1, 6);
    expect(relativeError(Float32Array.from([NaN, -1, 0.25]), b)).toBe(Infinity);
    expect(relativeError(b.slice(1), b)).toBe(Infinity);
    const c = selfTestCodes(4, 2048);
    expect(c.codes.length).toBe(4 * c.t);
    expect(Math.min(...c.codes)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...c.codes)).toBeLessThan(2048);
    expect(new Set(c.codes).size).toBeGreaterThan(40);
  });
});
