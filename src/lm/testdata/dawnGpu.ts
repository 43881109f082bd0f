/**
 * WebGPU in Node for the LM tests: Dawn's Node bindings (npm `webgpu`) on Chromium's SwiftShader
 * Vulkan driver (a CPU implementation; Debian's chromium package ships it), then tfjs-backend-webgpu.
 * Null when this machine has neither a GPU driver the loader finds nor SwiftShader.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { create, globals } from 'webgpu';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Selects tfjs 'webgpu' on Dawn; resolves to the adapter's description, or null when there is no adapter. */
export async function useDawnWebGpu(): Promise<string | null> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ...
  const gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, hardwareConcurrency: cpus().length, userAgent: `Node.js/${process.versions.node}` },
    configurable: true,
    writable: true,
  });
  await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' now that navigator.gpu exists
  if (!(await tf.setBackend('webgpu'))) return null;
  await tf.ready();
  tf.env().set('WEBGPU_CPU_FORWARD', false); // as the app runs it (runtime/tfBackend.ts)
  return `${adapter.info.vendor} ${adapter.info.description}`.trim();
}
