import { describe, expect, it } from 'vitest';
import { probeWebGpu, type GpuNavigator } from './gpuProbe';

const none = { available: false, isFallback: false, description: '' };
const nav = (requestAdapter: () => Promise<unknown>): GpuNavigator => ({ gpu: { requestAdapter } as GpuNavigator['gpu'] });

describe('probeWebGpu', () => {
  it('reports no adapter without navigator.gpu', async () => {
    expect(await probeWebGpu(undefined)).toEqual(none);
    expect(await probeWebGpu({})).toEqual(none);
  });

  it('reports no adapter when requestAdapter throws, rejects, returns null or hangs', async () => {
    expect(await probeWebGpu(nav(() => { throw new Error('blocked'); }))).toEqual(none);
    expect(await probeWebGpu(nav(() => Promise.reject(new Error('blocked'))))).toEqual(none);
    expect(await probeWebGpu(nav(async () => null))).toEqual(none);
    expect(await probeWebGpu(nav(() => new Promise(() => {})), 20)).toEqual(none);
  });

  it('describes a hardware adapter', async () => {
    const probe = await probeWebGpu(nav(async () => ({ info: { vendor: 'NVIDIA', architecture: 'ampere', isFallbackAdapter: false } })));
    expect(probe).toEqual({ available: true, isFallback: false, description: 'nvidia ampere' });
  });

  it('flags fallback adapters: by info, by the older adapter flag, or by a SwiftShader architecture', async () => {
    const byInfo = await probeWebGpu(nav(async () => ({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } })));
    expect(byInfo).toEqual({ available: true, isFallback: true, description: 'google swiftshader' });
    const byAdapter = await probeWebGpu(nav(async () => ({ isFallbackAdapter: true, info: { vendor: 'x' } })));
    expect(byAdapter.isFallback).toBe(true);
    const byName = await probeWebGpu(nav(async () => ({ info: { vendor: 'google', architecture: 'swiftshader' } })));
    expect(byName.isFallback).toBe(true);
    const byDescription = await probeWebGpu(nav(async () => ({ info: { description: 'SwiftShader Device (Subzero)' } })));
    expect(byDescription).toEqual({ available: true, isFallback: true, description: 'swiftshader device (subzero)' });
  });

  it('copes with an adapter that has no info', async () => {
    expect(await probeWebGpu(nav(async () => ({})))).toEqual({ available: true, isFallback: false, description: '' });
  });
});
