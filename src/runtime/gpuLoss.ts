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

/**
 * `work`, unless the GPU device is lost first: then a GPU_DEVICE_LOST rejection. After a GPU
 * process crash, work already queued on the device can stay pending for ever (measured in Chromium:
 * an ORT WebGPU run never settled), so waiting for it to fail is not enough.
 */
export function raceLoss<T>(work: Promise<T>, lost: Promise<string> | null): Promise<T> {
  if (!lost) return work;
  return Promise.race([work, lost.then((why): never => { throw new StudioError('GPU_DEVICE_LOST', why); })]);
}

/** Why `device` was lost, once it is: its message, or its reason. */
export function lossReason(device: GPUDevice): Promise<string> {
  return device.lost.then((info) => info.message || `the GPU device was lost (${info.reason ?? 'unknown'})`);
}
