import { expect, test, type Page } from '@playwright/test';

/** The benchmark/parity page, ready; skips the test where the browser has no WebGPU adapter. */
async function openBench(page: Page): Promise<void> {
  await page.goto('/bench.html');
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const hasGpu = await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()));
  test.skip(!hasGpu, 'this browser exposes no WebGPU adapter');
}

/** Largest |got - want| and want's peak. */
function deviation(got: ArrayLike<number>, want: ArrayLike<number>): { maxDiff: number; peak: number } {
  let maxDiff = 0;
  let peak = 0;
  for (let i = 0; i < want.length; i++) {
    peak = Math.max(peak, Math.abs(want[i]));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  }
  return { maxDiff, peak };
}

// The codec graph on ONNX Runtime's WebGPU EP must agree with its WASM EP. Here WebGPU is
// SwiftShader (a CPU emulation), so this is a correctness check on a short clip, not a speed test.
test('the codec on the WebGPU EP agrees with WASM on a short clip', async ({ page }) => {
  await openBench(page);
  const wasm = await page.evaluate(() => window.studioBench.runCodec('wasm', 1));
  const gpu = await page.evaluate(() => window.studioBench.runCodec('webgpu', 1));
  expect(gpu.codes.length).toBe(wasm.codes.length);
  // Nearest-codeword choices can flip on float ties; nearly all must match.
  const same = gpu.codes.filter((c, i) => c === wasm.codes[i]).length / wasm.codes.length;
  expect(same).toBeGreaterThanOrEqual(0.98);
  // Decoding the same codes on both EPs gives the same audio within float error.
  const t = wasm.codes.length / 4;
  const [a, b] = await page.evaluate(([codes, t]) => Promise.all([
    window.studioBench.decodeOn('wasm', codes, 4, t), window.studioBench.decodeOn('webgpu', codes, 4, t)]), [wasm.codes, t] as const);
  const { maxDiff, peak } = deviation(b, a);
  expect(peak).toBeGreaterThan(0.01);
  expect(maxDiff).toBeLessThan(1e-3 * peak + 1e-5);
});

test('the text encoder on the WebGPU EP agrees with WASM within 1e-4', async ({ page }) => {
  await openBench(page);
  const wasm = await page.evaluate(() => window.studioBench.runText('wasm'));
  const gpu = await page.evaluate(() => window.studioBench.runText('webgpu'));
  expect(gpu.length).toBe(wasm.length);
  expect(wasm.length).toBeGreaterThan(0);
  let maxDiff = 0;
  for (let i = 0; i < wasm.length; i++) maxDiff = Math.max(maxDiff, Math.abs(gpu[i] - wasm[i]));
  expect(maxDiff).toBeLessThan(1e-4);
});

test('the LM on tfjs WebGPU (static KV cache) agrees with WASM (growing KV cache)', async ({ page }) => {
  await openBench(page);
  const wasm = await page.evaluate(() => window.studioBench.lmLogits('wasm'));
  const gpu = await page.evaluate(() => window.studioBench.lmLogits('webgpu'));
  expect([wasm.backend, wasm.layout]).toEqual(['wasm', 'grow']);
  expect([gpu.backend, gpu.layout]).toEqual(['webgpu', 'static']);
  expect(gpu.logits.length).toBe(wasm.logits.length);
  const { maxDiff, peak } = deviation(gpu.logits, wasm.logits);
  expect(peak).toBeGreaterThan(0.1);
  expect(maxDiff).toBeLessThan(1e-3 * peak);
});

test('generation\'s fused WebGPU step agrees with WASM in Chromium', async ({ page }) => {
  await openBench(page);
  const wasm = await page.evaluate(() => window.studioBench.lmLogits('wasm', 'stepper'));
  const gpu = await page.evaluate(() => window.studioBench.lmLogits('webgpu', 'stepper'));
  expect([wasm.backend, wasm.layout]).toEqual(['wasm', 'grow']);
  expect([gpu.backend, gpu.layout]).toEqual(['webgpu', 'fused']);
  expect(gpu.logits.length).toBe(wasm.logits.length);
  const { maxDiff, peak } = deviation(gpu.logits, wasm.logits);
  expect(peak).toBeGreaterThan(0.1);
  expect(maxDiff).toBeLessThan(1e-3 * peak);
});

// The whole app on WebGPU (its self-tests at load, then a GPU process crash): e2e/gpuLoss.spec.ts.
