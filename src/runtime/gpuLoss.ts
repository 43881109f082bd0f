import { StudioError } from '../errors/StudioError';

/**
 * Recognises a lost GPU device in an error from tfjs-webgpu or onnxruntime-web's WebGPU provider
 * (driver reset, tab in the background too long, GPU process crash, device.destroy()). Pure: the
 * engine calls it on failures while WebGPU is in use; the store then reloads the pack on WASM.
 */
const LOST = /device (was |is |has been )?lost|device.{0,40}destroyed|destroyed device|GPU (device|process).{0,40}(lost|crash)|DXGI_ERROR_DEVICE_(REMOVED|RESET)|instance dropped/i;

export function isDeviceLost(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return LOST.test(message);
}

/** `err` as GPU_DEVICE_LOST when WebGPU was in use and the device is known lost or the error says so; else unchanged. */
export function asGpuLoss(err: unknown, onGpu: boolean, lostReason: string | null): unknown {
  if (!onGpu || (err instanceof StudioError && err.code === 'CANCELLED')) return err;
  if (lostReason !== null) return new StudioError('GPU_DEVICE_LOST', lostReason);
  if (isDeviceLost(err)) return new StudioError('GPU_DEVICE_LOST', err instanceof Error ? err.message : String(err));
  return err;
}
