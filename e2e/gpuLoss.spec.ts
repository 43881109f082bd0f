// The whole app on WebGPU (SwiftShader here), then a real GPU loss. Loading the pack runs its
// self-tests (the decoder on the WebGPU EP against a WASM session in the same ORT worker, the fused
// LM step against tfjs's kernels) and the LM's warm-up through the fused step; all pass, so the pack
// is ready with no GPU_SELF_TEST notice. Then Chromium's GPU process is crashed (DevTools
// protocol). Before this test existed, the next tokenize waited for ever on the dead device and the
// reload on WASM hung releasing the old sessions. Its own browser: the crash is not left to the
// other specs.
import { expect, test } from '@playwright/test';
import { dropFiles, makeWav } from './helpers';

const tone = (hz: number) => makeWav([Float32Array.from({ length: 24000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / 24000))], 24000, 16);

/** Sum of a canvas's alpha channel: 0 when nothing is drawn on it. */
const inked = (sel: string, i: number) => `(() => {
  const c = document.querySelectorAll(${JSON.stringify(sel)})[${i}];
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let s = 0;
  for (let j = 3; j < d.length; j += 4) s += d[j];
  return s;
})()`;

test('the app on WebGPU loads with its self-tests passed; a GPU process crash is then reported, the pack reloads on WASM, the clip in flight is tokenized there, nothing is lost, and WebGPU chosen again gets a new device', async ({ playwright }, info) => {
  test.setTimeout(300_000);
  const browser = await playwright.chromium.launch(info.project.use.launchOptions);
  try {
    const page = await browser.newPage({ baseURL: info.project.use.baseURL, viewport: { width: 1280, height: 800 } });
    await page.goto('/bench.html');
    test.skip(!(await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()))), 'no WebGPU adapter in this Chromium');
    await page.goto('/?backend=webgpu');
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
    await expect(page.getByTestId('generate-button')).toBeEnabled({ timeout: 120_000 });
    await expect(page.getByTestId('status')).toContainText(/ready.* on WEBGPU/);
    await expect(page.locator('[data-testid="pack-notices"] [data-code="GPU_SELF_TEST"]')).toHaveCount(0);
    await dropFiles(page, [{ name: 'before.wav', type: 'audio/wav', bytes: tone(440) }]);
    await expect(page.getByTestId('token-grid')).toHaveCount(1, { timeout: 60_000 });

    const cdp = await browser.newBrowserCDPSession();
    await cdp.send('Browser.crashGpuProcess');
    await dropFiles(page, [{ name: 'after.wav', type: 'audio/wav', bytes: tone(330) }]);

    // The loss surfaces (not a hang), the studio reloads on WASM and tokenizes the clip there.
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 90_000 });
    await expect(page.getByTestId('token-grid')).toHaveCount(2, { timeout: 60_000 });
    await expect(page.getByTestId('clip-error')).toHaveCount(0);
    await expect(page.getByTestId('clip')).toHaveCount(2);
    await expect(page.getByTestId('backend-select')).toHaveValue('wasm');
    // The first clip's drawings survive the crash (accelerated canvases are redrawn when restored).
    await expect.poll(() => page.evaluate(inked('[data-testid=token-grid]', 0))).toBeGreaterThan(0);
    await expect.poll(() => page.evaluate(inked('.waveform canvas', 0))).toBeGreaterThan(0);

    // The rest of the session works: a take on WASM.
    await page.getByTestId('duration-input').fill('1');
    await page.getByTestId('seed-input').fill('3');
    await page.getByTestId('generate-button').click();
    await expect(page.getByTestId('take')).toHaveCount(1, { timeout: 60_000 });
    await expect(page.getByTestId('generation-error')).toHaveCount(0);

    // WebGPU chosen again: a new device (the restarted GPU process's), not the lost one.
    await page.getByTestId('backend-select').selectOption('webgpu');
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
    await expect(page.getByTestId('generate-button')).toBeEnabled({ timeout: 120_000 });
    await expect(page.getByTestId('status')).toContainText(/ready.* on WEBGPU/);
  } finally {
    await browser.close();
  }
});
