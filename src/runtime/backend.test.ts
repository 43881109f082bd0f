import { describe, expect, it } from 'vitest';
import { BACKEND_CHOICES, backendFromQuery, chooseBackend, type AdapterProbe } from './backend';

const none: AdapterProbe = { available: false, isFallback: false, description: '' };
const hardware: AdapterProbe = { available: true, isFallback: false, description: 'nvidia ampere' };
const swiftshader: AdapterProbe = { available: true, isFallback: true, description: 'google swiftshader' };

describe('chooseBackend', () => {
  it.each([
    ['auto', none, 'wasm', /no WebGPU adapter/],
    ['auto', swiftshader, 'wasm', /software fallback \(google swiftshader\), WASM is faster/],
    ['auto', hardware, 'webgpu', /hardware WebGPU adapter \(nvidia ampere\)/],
    ['webgpu', none, 'wasm', /fell back to WASM/],
    ['webgpu', swiftshader, 'webgpu', /forced webgpu \(google swiftshader\)/],
    ['webgpu', hardware, 'webgpu', /forced webgpu \(nvidia ampere\)/],
    ['wasm', hardware, 'wasm', /forced wasm/],
    ['wasm', none, 'wasm', /forced wasm/],
    ['cpu', hardware, 'cpu', /forced cpu/],
    ['cpu', none, 'cpu', /forced cpu/],
  ] as const)('%s with %o -> %s', (choice, probe, backend, reason) => {
    const d = chooseBackend(choice, probe);
    expect(d.backend).toBe(backend);
    expect(d.reason).toMatch(reason);
  });

  it('leaves the parentheses out when the adapter has no description', () => {
    expect(chooseBackend('auto', { available: true, isFallback: false, description: '' }).reason).toBe('auto: hardware WebGPU adapter');
  });
});

describe('backendFromQuery', () => {
  it.each(BACKEND_CHOICES)('reads ?backend=%s', (choice) => {
    expect(backendFromQuery(`?backend=${choice}`)).toBe(choice);
    expect(backendFromQuery(`pack=tiny&backend=${choice}`)).toBe(choice);
  });

  it.each(['', '?pack=tiny', '?backend=', '?backend=WEBGPU', '?backend=webgl', '?backend=toString'])('returns null for %j', (q) => {
    expect(backendFromQuery(q)).toBeNull();
  });

  it('takes the first of repeated parameters', () => {
    expect(backendFromQuery('?backend=cpu&backend=webgpu')).toBe('cpu');
  });
});
