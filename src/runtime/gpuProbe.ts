import type { AdapterProbe } from './backend';

const NONE: AdapterProbe = { available: false, isFallback: false, description: '' };

/** The little of `navigator` the probe reads; injectable so Node tests can fake it. */
export interface GpuNavigator {
  gpu?: Pick<GPU, 'requestAdapter'>;
}

/** Adapter fields the probe reads; older browsers put isFallbackAdapter on the adapter itself. */
type AdapterLike = { info?: Partial<GPUAdapterInfo>; isFallbackAdapter?: boolean };

/**
 * Asks the browser for a WebGPU adapter and describes it for `chooseBackend`. Never throws: no
 * `navigator.gpu`, a throwing or hanging `requestAdapter()` and a null adapter all read as unavailable.
 * A SwiftShader adapter counts as a fallback even where the browser does not flag it.
 */
export async function probeWebGpu(nav: GpuNavigator | undefined = globalThis.navigator, timeoutMs = 5000): Promise<AdapterProbe> {
  const gpu = nav?.gpu;
  if (!gpu || typeof gpu.requestAdapter !== 'function') return NONE;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  let adapter: AdapterLike | null;
  try {
    adapter = await Promise.race([gpu.requestAdapter(), timeout]);
  } catch {
    return NONE;
  } finally {
    clearTimeout(timer);
  }
  if (!adapter) return NONE;
  const info = adapter.info ?? {};
  const vendor = (info.vendor ?? '').trim().toLowerCase();
  const architecture = (info.architecture ?? '').trim().toLowerCase();
  const description = [vendor, architecture].filter(Boolean).join(' ') || (info.description ?? '').trim().toLowerCase();
  const swiftshader = /swiftshader/.test(`${architecture} ${description}`);
  const isFallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || swiftshader;
  return { available: true, isFallback, description };
}
