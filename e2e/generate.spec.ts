import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { parseWav16 } from './helpers';

const manifest = JSON.parse(readFileSync(new URL('../public/models/studio/manifest.json', import.meta.url), 'utf8'));
const { frameRate, sampleRate } = manifest.codec;

async function openStudio(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /^(webgpu|wasm|cpu)$/);
  await expect(page.getByTestId('generate-button')).toBeEnabled();
}

async function settings(page: Page, seconds: number, seed: number | '') {
  await page.getByTestId('duration-input').fill(String(seconds));
  await page.getByTestId('seed-input').fill(String(seed));
}

/** Types a prompt, sets length and seed, and presses Generate. */
async function startTake(page: Page, prompt: string, seconds: number, seed: number) {
  await page.getByTestId('prompt-input').fill(prompt);
  await settings(page, seconds, seed);
  await page.getByTestId('generate-button').click();
}

test('generate a 1 s take with seed 7 and download it as WAV', async ({ page }) => {
  await openStudio(page);
  await startTake(page, 'slow piano melody in D minor', 1, 7);
  const take = page.getByTestId('take');
  // A 1 s take can finish quickly; either the progress or the finished take shows.
  await expect(page.getByTestId('generation-progress').or(take).first()).toBeVisible();
  await expect(take).toHaveCount(1);
  await expect(take).toHaveAttribute('data-seed', '7');
  await expect(take.getByTestId('take-seed')).toHaveText('seed 7');
  await expect(take).toContainText('slow piano melody in D minor');
  await expect(take.getByTestId('token-grid')).toHaveAttribute('data-cols', String(frameRate));
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  await expect(page.getByTestId('generation-error')).toHaveCount(0);

  const [download] = await Promise.all([page.waitForEvent('download'), take.getByTestId('take-download').click()]);
  expect(download.suggestedFilename()).toMatch(/^slow-piano-melody.*-seed-7\.wav$/);
  const wav = parseWav16(new Uint8Array(readFileSync(await download.path())));
  expect(wav).toMatchObject({ sampleRate, channels: 1, bits: 16 });
  expect(Math.abs(wav.samples - sampleRate)).toBeLessThanOrEqual((2 * sampleRate) / frameRate);

  // The take is usable wherever clips are.
  await expect(page.getByTestId('melody-select').locator('option', { hasText: 'Take 1' })).toHaveCount(1);
  await take.getByTestId('take-continue').click();
  await expect(page.getByTestId('continue-select')).toHaveValue(/^take-/);
  // A continuation gets the pack's own guidance for continuing (it keeps the heard key better) until the user picks one.
  const { cfg, continuationCfg } = manifest.lm.defaults;
  await expect(page.getByTestId('cfg-input')).toHaveValue(String(continuationCfg));
  // A length that leaves no room after the kept part is flagged beside the point, and Generate says why.
  await expect(page.getByTestId('continue-no-room')).toHaveCount(0);
  await page.getByTestId('duration-input').fill('1');
  await page.getByTestId('duration-input').press('Tab');
  await expect(page.getByTestId('continue-no-room')).toContainText('no room for new music');
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('generation-error')).toContainText('raise Length above 1.0 s');
  await expect(take).toHaveCount(1);
  await page.getByTestId('continue-select').selectOption('');
  await expect(page.getByTestId('cfg-input')).toHaveValue(String(cfg));
});

test('Stop during a 10 s generation adds no take and Generate is ready at once', async ({ page }) => {
  await openStudio(page);
  await startTake(page, 'upbeat funk bass line with drums, 120 bpm', 10, 3);
  const progress = page.getByTestId('generation-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText(/\d+ \/ \d+ steps/);
  await expect(page.getByTestId('generate-button')).toBeDisabled();
  await page.getByTestId('stop-button').click();
  await expect(page.getByTestId('generate-button')).toBeEnabled({ timeout: 1000 });
  await expect(page.getByTestId('stop-button')).toHaveCount(0);
  await expect(progress).toHaveCount(0);
  await page.waitForTimeout(1500); // a late answer from the engine must not add a take
  await expect(page.getByTestId('take')).toHaveCount(0);
  await expect(page.getByTestId('generation-error')).toHaveCount(0);
  await expect(page.getByTestId('status')).toContainText(/stopped/i);
});

test('Keep what\'s made during a 20 s generation ends the take there and keeps it', async ({ page }) => {
  await openStudio(page);
  await startTake(page, 'slow piano melody in D minor', 20, 3);
  const progress = page.getByTestId('generation-progress');
  await expect(progress).toContainText(/\d+ \/ \d+ steps/);
  await page.getByTestId('finish-button').click();
  const take = page.getByTestId('take');
  await expect(take).toHaveCount(1);
  await expect(page.getByTestId('status')).toContainText('finished early');
  const cols = Number(await take.getByTestId('token-grid').getAttribute('data-cols'));
  expect(cols).toBeGreaterThan(0);
  expect(cols).toBeLessThan(20 * frameRate);
  // Its WAV holds exactly those frames.
  const [download] = await Promise.all([page.waitForEvent('download'), take.getByTestId('take-download').click()]);
  const wav = parseWav16(new Uint8Array(readFileSync(await download.path())));
  expect(wav.samples).toBe(cols * (sampleRate / frameRate));
  await expect(page.getByTestId('generate-button')).toBeEnabled();
});

test('the same seed and settings give the same tokens and byte-identical WAVs, also from a take\'s link (opened with Ctrl+Enter)', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('prompt-input').fill('ambient pad, warm and calm');
  await settings(page, 1, 1234);
  const takes = page.getByTestId('take');
  for (const n of [1, 2]) {
    await page.getByTestId('generate-button').click();
    await expect(takes).toHaveCount(n);
    await expect(page.getByTestId('generate-button')).toBeEnabled();
  }
  const hashes = await takes.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.codesHash));
  expect(hashes[0]).toMatch(/^[0-9a-f]{8}$/);
  expect(hashes[0]).toBe(hashes[1]);
  await expect(takes.nth(0)).toHaveAttribute('data-seed', '1234');
  await expect(takes.nth(1)).toHaveAttribute('data-seed', '1234');
  const wav = async (i: number) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), takes.nth(i).getByTestId('take-download').click()]);
    return readFileSync(await dl.path());
  };
  const [a, b] = [await wav(0), await wav(1)];
  expect(a.length).toBeGreaterThan(44);
  expect(Buffer.compare(a, b)).toBe(0);

  // Another seed, another take.
  await page.getByTestId('seed-input').fill('1235');
  await page.getByTestId('generate-button').click();
  await expect(takes).toHaveCount(3);
  await expect(takes.first()).toHaveAttribute('data-seed', '1235');
  expect(await takes.first().getAttribute('data-codes-hash')).not.toBe(hashes[0]);

  // A take's link opens the studio with its prompt, seed and settings, and makes the same take again.
  const linkButton = takes.nth(1).getByTestId('take-link');
  await linkButton.click();
  await expect(page.getByTestId('status')).toContainText(/Link to take 2 copied|Could not copy the link/);
  const link = (await linkButton.getAttribute('data-link'))!;
  expect(link).toContain('seed=1234');
  expect(link).toContain('pack=studio'); // named even for the bundled pack: the opener may have chosen another
  await page.evaluate(() => indexedDB.deleteDatabase('musicgen-studio-takes')); // a fresh visitor
  await page.goto(link);
  await expect(page.getByTestId('prompt-input')).toHaveValue('ambient pad, warm and calm');
  await expect(page.getByTestId('seed-input')).toHaveValue('1234');
  await expect(page.getByTestId('duration-input')).toHaveValue('1');
  expect(page.url()).not.toContain('seed='); // applied once: a reload keeps later edits
  expect(page.url()).not.toContain('pack='); // the address bar names only packs other than the bundled one
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  await page.getByTestId('prompt-input').press('Control+Enter'); // generates, as the button does
  await expect(page.getByTestId('prompt-input')).toHaveValue('ambient pad, warm and calm'); // no newline typed
  await expect(takes).toHaveCount(1);
  await expect(takes).toHaveAttribute('data-codes-hash', hashes[0]!);
});

test('on a phone: Show brings a new take into view; takes survive a reload (same tokens, playable); a removed take stays gone', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openStudio(page);
  await settings(page, 1, 11);
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('take')).toHaveCount(1);
  // The status bar's Show: on a narrow screen the new take lands below the Train panel.
  const show = page.getByTestId('status-show');
  await expect(show).toBeVisible();
  await expect(page.getByTestId('take')).not.toBeInViewport();
  await show.click();
  await expect(page.getByTestId('take')).toBeInViewport();
  await expect(page.getByTestId('take').getByTestId('take-play')).toBeFocused();
  await settings(page, 1, 12);
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('take')).toHaveCount(2);
  const hashes = await page.getByTestId('take').evaluateAll((els) => els.map((e) => e.getAttribute('data-codes-hash')));
  await page.reload();
  const take = page.getByTestId('take');
  await expect(take).toHaveCount(2); // before the pack has even loaded
  expect(await take.evaluateAll((els) => els.map((e) => e.getAttribute('data-codes-hash')))).toEqual(hashes);
  await expect(take.first()).toHaveAttribute('data-seed', '12');
  await take.first().getByTestId('take-play').click(); // its audio came back too
  await expect(take.first().getByTestId('take-play')).toHaveAttribute('aria-pressed', 'true');
  await take.first().getByTestId('take-remove').click();
  await expect(take).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId('take')).toHaveCount(1);
  await expect(page.getByTestId('take')).toHaveAttribute('data-seed', '11');
  await expect(page.getByTestId('take').getByTestId('take-seed')).toHaveText('seed 11');
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  await settings(page, 1, 13);
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('take')).toHaveCount(2);
  await expect(page.getByTestId('take').first()).toContainText('Take 2'); // numbered on from the kept Take 1
  // Remove all, confirmed in place; a reload shows none.
  await page.getByTestId('takes-clear').click();
  await page.getByTestId('takes-clear-cancel').click();
  await expect(page.getByTestId('take')).toHaveCount(2);
  await page.getByTestId('takes-clear').click();
  await page.getByTestId('takes-clear-confirm').click();
  await expect(page.getByTestId('take')).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => new Promise<number>((resolve) => {
    const r = indexedDB.open('musicgen-studio-takes');
    r.onsuccess = () => { const q = r.result.transaction('takes').objectStore('takes').count(); q.onsuccess = () => { r.result.close(); resolve(q.result); }; };
  }))).toBe(0);
  await page.reload();
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  await expect(page.getByTestId('take')).toHaveCount(0);
});
