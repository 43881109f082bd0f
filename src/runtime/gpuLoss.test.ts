import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { asGpuLoss, isDeviceLost } from './gpuLoss';

describe('GPU device loss', () => {
  it('recognises the ways browsers and runtimes report a lost device', () => {
    for (const m of [
      'Device was lost: destroyed',
      "Failed to execute 'createBuffer' on 'GPUDevice': Instance dropped in popErrorScope",
      'GPUDevice was lost because the GPU process crashed',
      'A valid external Instance reference no longer exists. (DXGI_ERROR_DEVICE_REMOVED)',
      'submit on a destroyed device',
    ]) expect(isDeviceLost(new Error(m))).toBe(true);
    for (const m of ['out of memory', 'Device not found in manifest', 'shape mismatch']) expect(isDeviceLost(new Error(m))).toBe(false);
  });

  it('turns an error into GPU_DEVICE_LOST only while WebGPU is in use', () => {
    const e = new Error('Device was lost: destroyed');
    expect(asGpuLoss(e, false, null)).toBe(e);
    expect(asGpuLoss(e, true, null)).toMatchObject({ code: 'GPU_DEVICE_LOST', detail: 'Device was lost: destroyed' });
    const other = new Error('a kernel failed');
    expect(asGpuLoss(other, true, null)).toBe(other);
    expect(asGpuLoss(other, true, 'destroyed')).toMatchObject({ code: 'GPU_DEVICE_LOST', detail: 'destroyed' }); // the device's lost promise said so
    const stop = new StudioError('CANCELLED');
    expect(asGpuLoss(stop, true, 'destroyed')).toBe(stop);
  });
});
