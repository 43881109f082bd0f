import { expect, test } from '@playwright/test';
import { fixture } from './helpers';

test('keyboard: the file picker opens from the keyboard and progress is announced', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /.+/);
  const button = page.getByRole('button', { name: /choose audio files/i });
  // Tab until the button has focus (it is reachable without a mouse).
  for (let i = 0; i < 16 && !(await button.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(button).toBeFocused();
  // Enter on the button opens the (hidden) multi-file input. (Headless Chromium started with
  // --autoplay-policy=no-user-gesture-required never shows the chooser, so we watch the click.)
  const input = page.getByTestId('file-input');
  await input.evaluate((el) => el.addEventListener('click', () => ((window as unknown as { picked: boolean }).picked = true)));
  await page.keyboard.press('Enter');
  await expect.poll(() => page.evaluate(() => (window as unknown as { picked?: boolean }).picked === true)).toBe(true);
  await expect(input).toHaveAttribute('multiple', '');
  const f = fixture('daramud.opus.ogg', 'audio/ogg');
  await input.setInputFiles({ name: f.name, mimeType: f.type, buffer: Buffer.from(f.bytes) });
  const status = page.getByTestId('status');
  await expect(status).toHaveAttribute('aria-live', 'polite');
  await expect(status).toContainText('daramud.opus.ogg');
  await expect(page.getByTestId('clip')).toHaveAttribute('data-status', 'ready');
  // Clip controls are real buttons in the tab order.
  await page.getByTestId('play-reconstruction').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('play-reconstruction')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('play-reconstruction')).toHaveAttribute('aria-pressed', 'false');
});

test('phone width: one column, nothing wider than the screen', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto('/');
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('keyboard: Remove all asks with Cancel focused, Escape cancels back to it, and focus is never dropped on the page', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  await page.getByTestId('duration-input').fill('1');
  await page.getByTestId('variations-select').selectOption('2');
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('take')).toHaveCount(2);
  await page.getByTestId('takes-clear').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('takes-clear-cancel')).toBeFocused(); // the safe answer first
  await page.keyboard.press('Escape'); // Escape is Cancel, and focus goes back where it was
  await expect(page.getByTestId('takes-clear-cancel')).toHaveCount(0);
  await expect(page.getByTestId('takes-clear')).toBeFocused();
  await expect(page.getByTestId('take')).toHaveCount(2);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByTestId('takes-clear-confirm')).toBeFocused();
  await page.keyboard.press('Enter'); // the takes, the question and the focused button are gone
  await expect(page.getByTestId('take')).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => document.activeElement !== document.body && document.activeElement !== null)).toBe(true);
});

test('keyboard: skip links jump to the prompt, the takes and the clips', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  await page.keyboard.press('Tab');
  const toPrompt = page.getByRole('link', { name: 'Skip to the prompt' });
  await expect(toPrompt).toBeFocused();
  await expect(toPrompt).toBeInViewport(); // shown once focused
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect.poll(() => page.evaluate(() => document.activeElement?.closest('#studio-panels') !== null)).toBe(true);
});
