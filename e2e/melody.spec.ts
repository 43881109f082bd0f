// A melody-conditioned pack in the browser: the tiny musicgen-melody double the test server serves
// (scripts/hub/tinyHub.ts, prefix conditioning). A take follows the chosen melody's chroma: the same
// prompt and seed give other tokens with another melody, or with none.
import { expect, test, type Page } from '@playwright/test';
import { dropFiles, fixture } from './helpers';

const NAME = 'MusicGen melody (tiny test double)';

async function take(page: Page, count: number): Promise<string> {
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('take')).toHaveCount(count);
  await expect(page.getByTestId('generation-error')).toHaveCount(0);
  return (await page.getByTestId('take').first().getAttribute('data-codes-hash'))!;
}

test('a melody pack: takes follow the chosen melody (same prompt and seed, another melody, other tokens)', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/?hub=/hub&pack=musicgen-melody-tiny&backend=wasm');
  // Confirmed at once, while the bundled pack is still loading: two loads overlap in the engine.
  await page.getByTestId('pack-confirm-download').click();
  await expect(page.getByTestId('pack-name')).toHaveText(NAME);
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  const note = page.getByTestId('melody-note');
  await expect(note).toContainText('This model follows a melody');

  await dropFiles(page, [fixture('demo.flac'), fixture('daramud.flac')]);
  await expect(page.getByTestId('clip')).toHaveCount(2);
  for (const clip of await page.getByTestId('clip').all()) await expect(clip).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await page.getByTestId('prompt-input').fill('warm piano chords');
  await page.getByTestId('duration-input').fill('1');
  await page.getByTestId('seed-input').fill('5');

  await page.getByTestId('melody-select').selectOption({ label: 'demo.flac' });
  await expect(note).toContainText('Takes follow this melody');
  const withDemo = await take(page, 1);
  await page.getByTestId('melody-select').selectOption({ label: 'daramud.flac' });
  const withDaramud = await take(page, 2);
  await page.getByTestId('melody-select').selectOption('');
  const without = await take(page, 3);
  expect(new Set([withDemo, withDaramud, without]).size).toBe(3);
  await page.getByTestId('melody-select').selectOption({ label: 'demo.flac' });
  expect(await take(page, 4)).toBe(withDemo); // seeded: the same melody gives the same take
});
