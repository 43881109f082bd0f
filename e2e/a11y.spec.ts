import { expect, test } from '@playwright/test';
import { fixture } from './helpers';

test('keyboard: the file picker opens from the keyboard and progress is announced', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /.+/);
  const button = page.getByRole('button', { name: /choose audio files/i });
  // Tab until the button has focus (it is reachable without a mouse).
  for (let i = 0; i < 10 && !(await button.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(button).toBeFocused();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
  expect(chooser.isMultiple()).toBe(true);
  const f = fixture('daramud.opus.ogg', 'audio/ogg');
  await chooser.setFiles({ name: f.name, mimeType: f.type, buffer: Buffer.from(f.bytes) });
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
