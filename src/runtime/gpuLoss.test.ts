import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { asGpuLoss, isDeviceLost, raceLoss } from './gpuLoss';

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

  it('races GPU work against the device\'s loss: the work\'s own result, or GPU_DEVICE_LOST when the device goes first', async () => {
    const never = new Promise<number>(() => {}); // what an ORT run did after a GPU process crash
    let lose!: (why: string) => void;
    const lost = new Promise<string>((r) => (lose = r));
    await expect(raceLoss(Promise.resolve(1), lost)).resolves.toBe(1);
    await expect(raceLoss(Promise.reject(new Error('shape')), lost)).rejects.toThrow('shape');
    await expect(raceLoss(Promise.resolve(2), null)).resolves.toBe(2);
    const pending = raceLoss(never, lost);
    lose('GPU process crashed');
    await expect(pending).rejects.toMatchObject({ code: 'GPU_DEVICE_LOST', detail: 'GPU process crashed' });
  });
});
