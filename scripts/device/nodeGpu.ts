// Browser globals for running the studio's real WebGPU code in Node (device harness only).
// Imported FIRST by gpuBench.ts: tfjs-backend-webgpu registers its backend at import time, and only
// when `navigator.gpu` already exists. Dawn's Node bindings (npm `webgpu`) provide the GPU object.
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, GPUShaderStage, ...

/**
 * dawn.node's GPUQueue.writeBuffer rejects SharedArrayBuffer sources ("no overload matched"), which
 * browsers accept; onnxruntime-web's threaded wasm heap is shared, and its WebGPU EP uploads
 * straight from it. Copy such sources into an unshared buffer first (one extra copy per upload).
 */
const queueProto = (globals as unknown as { GPUQueue: { prototype: GPUQueue } }).GPUQueue.prototype;
const writeBuffer = queueProto.writeBuffer as (...a: unknown[]) => undefined;
export let sharedUploads = 0;
(queueProto as unknown as { writeBuffer: (...a: unknown[]) => undefined }).writeBuffer = function (this: GPUQueue, ...a: unknown[]) {
  const data = a[2];
  if (data instanceof SharedArrayBuffer) {
    const from = (a[3] as number | undefined) ?? 0;
    const size = (a[4] as number | undefined) ?? data.byteLength - from;
    sharedUploads++;
    return writeBuffer.call(this, a[0], a[1], new Uint8Array(data, from, size).slice().buffer, 0, size);
  }
  if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
    sharedUploads++;
    const copy = (data as unknown as { slice(): ArrayBufferView }).slice(); // same element type, unshared; offsets stay in elements
    return writeBuffer.call(this, ...[a[0], a[1], copy, ...a.slice(3)]);
  }
  return writeBuffer.apply(this, a);
};

/** Dawn options, e.g. DAWN_FLAGS="backend=vulkan" or "adapter=NVIDIA H100 80GB HBM3" (space separated). */
export const dawnFlags = (process.env.DAWN_FLAGS ?? '').split(/\s+/).filter(Boolean);
export const gpu: GPU = create(dawnFlags);

/** Every uncaptured error (validation, out of memory, internal) of every device made here: tfjs's and ORT's. */
export const gpuErrors: string[] = [];
const adapterProto = (globals as unknown as { GPUAdapter: { prototype: GPUAdapter } }).GPUAdapter.prototype;
const requestDevice = adapterProto.requestDevice;
adapterProto.requestDevice = async function (this: GPUAdapter, ...a: Parameters<GPUAdapter['requestDevice']>) {
  const device = await requestDevice.apply(this, a);
  device.addEventListener('uncapturederror', (e) => gpuErrors.push(String((e as GPUUncapturedErrorEvent).error?.message ?? e)));
  return device;
};

/** Which Dawn backends give an adapter, and the adapters Dawn lists (for a run that found none). */
export async function adapterDiagnostics(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const flags of [['backend=vulkan'], ['backend=opengles'], ['backend=opengl'], ['adapter=list-adapters']]) {
    try {
      const a = await create(flags).requestAdapter();
      out[flags[0]] = a ? `${a.info.vendor} ${a.info.architecture} ${a.info.description}` : 'null';
    } catch (e) {
      out[flags[0]] = String((e as Error).message ?? e).slice(0, 600);
    }
  }
  return out;
}

Object.defineProperty(globalThis, 'navigator', {
  value: { gpu, hardwareConcurrency: cpus().length, userAgent: `Node.js/${process.versions.node}`, language: 'en-US' },
  configurable: true,
  writable: true,
});

// fetch() over file: URLs, so the browser code that fetches pack files reads them from disk.
const netFetch = globalThis.fetch;
globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith('file:')) return netFetch(input, init);
  try {
    return new Response(await readFile(fileURLToPath(url)), { status: 200 });
  } catch {
    return new Response(null, { status: 404 });
  }
}) as typeof fetch;

/** `document.baseURI` is where the browser harnesses resolve `models/<pack>/manifest.json` from. */
export function setBaseUri(href: string): void {
  Object.defineProperty(globalThis, 'document', { value: { baseURI: href }, configurable: true, writable: true });
}
