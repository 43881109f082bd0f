import { expect, test, type Page } from '@playwright/test';

// Listening while a take is generated (Generate panel: "Listen while it generates", on by default).
async function openStudio(page: Page) {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('generate-button')).toBeEnabled();
}

/** What the page shows at one instant: the live player's state and windows, whether generation runs, the takes. */
const snapshot = (page: Page) => page.evaluate(() => {
  const live = document.querySelector('[data-testid="live-status"]');
  return {
    state: live?.getAttribute('data-state'),
    windows: Number(live?.getAttribute('data-windows')),
    running: !!document.querySelector('[data-testid="generation-progress"]'),
    progress: document.querySelector('[data-testid="generation-progress"]')?.textContent ?? '',
    takes: document.querySelectorAll('[data-testid="take"]').length,
  };
});

test('a take plays while it is generated, and playing something else or Stop listening silences it', async ({ page }) => {
  await openStudio(page);
  await expect(page.getByTestId('listen-toggle')).toBeChecked();
  await page.getByTestId('prompt-input').fill('plucked guitar melody in E minor');
  await page.getByTestId('duration-input').fill('32');
  // The bundled model learned 5 s at a time: a 32 s take (past its 30 s of positions) is made in windows, and the length hint says so.
  await expect(page.getByText(/made 5 s at a time \(the length the model learned\), each part continuing the last 2 s/)).toBeVisible();
  await page.getByTestId('seed-input').fill('5');
  await page.getByTestId('generate-button').click();
  const status = page.getByTestId('live-status');
  // The first decoded window (about 5 s of audio) is scheduled while the rest is still being generated.
  await expect.poll(async () => (await snapshot(page)).state, { timeout: 60_000, intervals: [50] }).toBe('playing');
  const early = await snapshot(page);
  expect(early).toMatchObject({ running: true, takes: 0 });
  // the LM is still sampling, not decoding the end; 1600 frames in ten 5 s windows: 253 steps, then 9 x 153 (each re-reads 2 s)
  expect(early.progress).toMatch(/Generating · \d+ \/ 1630 steps/);
  expect(early.windows).toBeGreaterThanOrEqual(1);
  await expect(status).toContainText(/Playing the take as it is generated/);
  await expect(page.getByTestId('take')).toHaveCount(1, { timeout: 90_000 });
  // 32 s at 50 Hz = 1600 frames: the decoder's windows of 256 frames, all played
  await expect(status).toHaveAttribute('data-windows', '7');
  await expect(status).toHaveAttribute('data-state', 'playing'); // the take plays on after it is done
  await page.getByTestId('take').getByTestId('take-play').click(); // one thing plays at a time
  await expect(status).toHaveAttribute('data-state', 'idle');
  await expect(page.getByTestId('take').getByTestId('take-play')).toHaveAttribute('aria-pressed', 'true');

  await page.getByTestId('duration-input').fill('8');
  await page.getByTestId('seed-input').fill('6');
  await page.getByTestId('generate-button').click();
  await expect(status).toHaveAttribute('data-state', 'playing', { timeout: 60_000 });
  await expect(page.getByTestId('take').first().getByTestId('take-play')).toHaveAttribute('aria-pressed', 'false');
  await page.getByTestId('live-stop').click();
  await expect(status).toHaveAttribute('data-state', 'idle');
  await expect(page.getByTestId('take')).toHaveCount(2, { timeout: 90_000 }); // generation went on
  await expect(status).toHaveAttribute('data-state', 'idle');
});

test('with listening off, a take is only added to the list', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('listen-toggle').uncheck();
  await page.getByTestId('duration-input').fill('3');
  await page.getByTestId('seed-input').fill('2');
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('take')).toHaveCount(1, { timeout: 60_000 });
  expect(await snapshot(page)).toMatchObject({ state: 'idle', windows: 0 });
});
