/**
 * Backend choice, in one place. `auto` takes WebGPU only on a hardware adapter; a software
 * fallback adapter (SwiftShader) is far slower than WASM, so `auto` picks WASM there.
 */
export type BackendName = 'webgpu' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'cpu'];

/** What the browser told us about its WebGPU adapter. */
export interface AdapterProbe {
  /** navigator.gpu exists and requestAdapter() returned an adapter. */
  available: boolean;
  /** The adapter is a software fallback (adapter.info.isFallbackAdapter or a SwiftShader architecture). */
  isFallback: boolean;
  /** e.g. "google swiftshader" or "nvidia ampere"; empty when unknown. */
  description: string;
}

export interface BackendDecision {
  backend: BackendName;
  reason: string;
}

export function chooseBackend(choice: BackendChoice, probe: AdapterProbe): BackendDecision {
  const gpu = probe.description ? ` (${probe.description})` : '';
  switch (choice) {
    case 'auto':
      if (!probe.available) return { backend: 'wasm', reason: 'auto: no WebGPU adapter, using WASM' };
      if (probe.isFallback) return { backend: 'wasm', reason: `auto: WebGPU adapter is a software fallback${gpu}, WASM is faster` };
      return { backend: 'webgpu', reason: `auto: hardware WebGPU adapter${gpu}` };
    case 'webgpu':
      if (!probe.available) return { backend: 'wasm', reason: 'webgpu requested but no WebGPU adapter exists; fell back to WASM' };
      return { backend: 'webgpu', reason: `forced webgpu${gpu}` };
    case 'wasm':
      return { backend: 'wasm', reason: 'forced wasm' };
    case 'cpu':
      return { backend: 'cpu', reason: 'forced cpu (single-threaded, no SIMD-specific paths)' };
  }
}

/** Reads `?backend=` from a query string; null when absent or not a known choice. */
export function backendFromQuery(search: string): BackendChoice | null {
  const v = new URLSearchParams(search).get('backend');
  return v && (BACKEND_CHOICES as readonly string[]).includes(v) ? (v as BackendChoice) : null;
}
