// tfjs backend setup for the LM, browser only (the engine worker). Node tests use 'cpu' directly.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { StudioError } from '../errors/StudioError';
import { lossReason } from './gpuLoss';
import { patchWasmKernels } from './wasmKernels';
import type { BackendName } from './backend';

let wasmConfigured = false;
let lost: string | null = null;
let whenLost: Promise<string> | null = null;

/** Why tfjs's WebGPU device was lost, once it has been (null while it is fine or not in use). */
export function tfGpuLost(): string | null {
  return tf.getBackend() === 'webgpu' ? lost : null;
}

/** Settles with the reason when tfjs's WebGPU device is lost (null when tfjs is not on WebGPU). */
export function tfWhenGpuLost(): Promise<string> | null {
  return tf.getBackend() === 'webgpu' ? whenLost : null;
}

function watchDevice(): void {
  lost = null;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  whenLost = device ? lossReason(device).then((why) => (lost = why)) : null;
}

/**
 * After a lost device, tfjs keeps the dead WebGPU backend in its registry and `setBackend('webgpu')`
 * would hand it back: drop it, keeping its factory, so choosing WebGPU again asks for a new device.
 */
async function forgetLostWebGpu(): Promise<void> {
  const factory = tf.findBackendFactory('webgpu');
  if (!factory) return;
  if (tf.getBackend() === 'webgpu') await tf.setBackend('cpu');
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', factory, 3);
  lost = null;
  whenLost = null;
}

/**
 * Switches tfjs to `backend` and returns the one in use. tfjs-backend-wasm's threaded build
 * crashes in cross-origin-isolated pages after a Vite build, so threads are switched off
 * (ORT has its own threads). A backend that cannot start falls back to wasm, then cpu.
 */
export async function useTfBackend(backend: BackendName): Promise<BackendName> {
  if (!wasmConfigured) {
    setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    patchWasmKernels(); // fast transposed matmuls, and gather gradients (wasmKernels.ts)
    wasmConfigured = true;
  }
  for (const name of [backend, 'wasm', 'cpu'] as const) {
    try {
      if (name === 'webgpu' && lost !== null) await forgetLostWebGpu();
      if (tf.getBackend() === name) return name;
      if (await tf.setBackend(name)) {
        await tf.ready();
        // tfjs-webgpu computes small tensors on the CPU by default, a GPU -> CPU -> GPU round trip
        // in the middle of every decode step. Off, on an H200 (bench-results/gpu-h200-decode-step.md):
        // the bundled LM's generation 38 -> 58 frames/s, a musicgen-small-sized prefill 1436 -> 295 ms.
        if (name === 'webgpu') {
          tf.env().set('WEBGPU_CPU_FORWARD', false);
          watchDevice();
        }
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new StudioError('BACKEND_UNAVAILABLE', 'no tfjs backend could start (webgpu, wasm and cpu all failed)');
}
