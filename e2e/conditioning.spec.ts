import { expect, test, type Page } from '@playwright/test';
import { dropFiles, fixture } from './helpers';

async function openStudio(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /^(webgpu|wasm|cpu)$/);
}

const tokensOf = (text: string | null) => Number(/^(\d+) \/ \d+ tokens$/.exec(text ?? '')?.[1] ?? NaN);

test('the token count follows the prompt; examples fill the box', async ({ page }) => {
  await openStudio(page);
  const box = page.getByTestId('prompt-input');
  const count = page.getByTestId('prompt-token-count');
  await expect(page.getByLabel('Describe the music')).toBeVisible();
  await expect(count).toHaveText('no prompt: the model plays freely');

  await box.fill('slow piano');
  await expect(count).toHaveText(/^\d+ \/ \d+ tokens$/);
  await expect(count).not.toHaveAttribute('data-pending', 'true');
  const short = tokensOf(await count.textContent());
  expect(short).toBeGreaterThan(0);

  await box.fill('slow piano melody in D minor with soft strings and a gentle pulse');
  await expect(count).not.toHaveAttribute('data-pending', 'true');
  await expect.poll(async () => tokensOf(await count.textContent())).toBeGreaterThan(short);
  await expect(page.getByTestId('prompt-truncated')).toHaveCount(0);

  const example = page.getByTestId('example-prompt').first();
  const text = (await example.textContent())!.trim();
  await example.click();
  await expect(box).toHaveValue(text);
  await expect(box).toBeFocused();

  await box.fill('');
  await expect(count).toHaveText('no prompt: the model plays freely');
});

test('with the bundled LM\'s beat clock, the prompt box says which tempo the take keeps', async ({ page }) => {
  await openStudio(page);
  const box = page.getByTestId('prompt-input');
  const tempo = page.getByTestId('prompt-tempo');
  await expect(page.getByTestId('generate-button')).toBeEnabled(); // the pack (and its LM) is loaded
  await expect(tempo).toHaveText(/Name a tempo/);
  await page.getByTestId('example-prompt').filter({ hasText: '110 bpm' }).click();
  await expect(tempo).toHaveText('The take keeps the beat at 110 bpm.');
  await expect(tempo).toHaveAttribute('data-bpm', '110');
  await box.fill('I want a sad piano track in E minor, tempo 84');
  await expect(tempo).toHaveAttribute('data-bpm', '84');
  await box.fill('slow piano melody in D minor'); // a tempo word: the middle of the range the model's captions use it for
  await expect(tempo).toHaveText('The take keeps the beat at 70 bpm, the middle of “slow” (60–80 bpm).');
  await box.fill('warm pad');
  await expect(tempo).toHaveAttribute('data-bpm', '0');
  // Continuing a clip with a steady beat: its tempo wins over the prompt's, as the engine decides (takeClock).
  await dropFiles(page, [fixture('daramud.flac')]);
  await expect(page.getByTestId('clip').filter({ hasText: 'daramud.flac' })).toHaveAttribute('data-status', 'ready');
  const bpm = await page.getByTestId('clip').getByTestId('clip-facts').getAttribute('data-bpm');
  expect(Number(bpm)).toBeGreaterThan(0); // its card found a steady beat
  await box.fill('funk bass line, 110 bpm');
  await page.getByTestId('continue-select').selectOption({ label: 'daramud.flac' });
  await expect(tempo).toHaveText(`The take keeps the beat of the audio it continues (${bpm} bpm).`);
  await page.getByTestId('continue-select').selectOption({ value: '' });
  await expect(tempo).toHaveAttribute('data-bpm', '110');
});

test('with the bundled LM\'s key input, the prompt box says which key the take plays in', async ({ page }) => {
  await openStudio(page);
  const box = page.getByTestId('prompt-input');
  const key = page.getByTestId('prompt-key');
  await expect(page.getByTestId('generate-button')).toBeEnabled(); // the pack (and its LM) is loaded
  await expect(key).toHaveText(/Name a key/);
  await box.fill('warm pad chord progression in the key of F sharp minor');
  await expect(key).toHaveText('The take plays in F# minor.');
  await expect(key).toHaveAttribute('data-key', 'F# minor');
  await box.fill('funky bass in Bb major, 100 bpm');
  await expect(key).toHaveAttribute('data-key', 'Bb major');
  // Continuing a clip whose card names its key clearly: its key wins over the prompt's, as the engine decides (takeClock).
  await dropFiles(page, [fixture('demo.flac')]);
  const card = page.getByTestId('clip').filter({ hasText: 'demo.flac' });
  await expect(card).toHaveAttribute('data-status', 'ready');
  const heard = await card.getByTestId('clip-facts').getAttribute('data-key');
  expect(heard).toMatch(/^[A-G][#b]? (major|minor)$/); // clear, and no runner-up named
  await page.getByTestId('continue-select').selectOption({ label: 'demo.flac' });
  await expect(key).toHaveText(`The take stays in the key of the audio it continues (${heard}).`);
  // With the box empty, the take continues what was heard: that is its prompt, and the take says so.
  await box.fill('');
  const said = new RegExp(`^continues what it heard: “(${heard}(, \\d+ bpm)?)”$`);
  await expect(page.getByTestId('prompt-token-count')).toHaveText(said);
  const heardPrompt = said.exec((await page.getByTestId('prompt-token-count').textContent()) ?? '')![1];
  await page.getByTestId('generate-button').click();
  const take = page.getByTestId('take');
  await expect(take).toHaveCount(1, { timeout: 60_000 });
  await expect(take).toContainText(heardPrompt);
  await box.fill('funky bass in Bb major, 100 bpm');
  await page.getByTestId('continue-select').selectOption({ value: '' });
  await expect(key).toHaveAttribute('data-key', 'Bb major');
  await box.fill('warm pad');
  await expect(key).toHaveAttribute('data-key', '');
});

test('an over-long prompt is cut, and says so', async ({ page }) => {
  await openStudio(page);
  const words = ['piano', 'drums', 'bass', 'strings', 'warm', 'calm', 'fast', 'slow', 'guitar', 'synth'];
  const long = Array.from({ length: 400 }, (_, i) => words[i % words.length]).join(' ');
  await page.getByTestId('prompt-input').fill(long);
  const count = page.getByTestId('prompt-token-count');
  await expect(count).not.toHaveAttribute('data-pending', 'true');
  await expect(count).toHaveText(/^(\d+) \/ \1 tokens$/); // at the maximum
  await expect(page.getByTestId('prompt-truncated')).toBeVisible();
  await expect(page.getByTestId('prompt-truncated')).toContainText(/Prompt cut to \d+ tokens/);
  await page.getByTestId('prompt-input').fill('ambient pad');
  await expect(page.getByTestId('prompt-truncated')).toHaveCount(0);
});

test('a clip chosen as melody shows its chroma strip, aligned with its waveform', async ({ page }) => {
  await openStudio(page);
  await dropFiles(page, [fixture('demo.flac')]);
  const clip = page.getByTestId('clip').filter({ hasText: 'demo.flac' });
  await expect(clip).toHaveAttribute('data-status', 'ready');

  const picker = page.getByTestId('melody-select');
  await expect(picker.locator('option')).toHaveText(['None', 'demo.flac']);
  await picker.selectOption({ label: 'demo.flac' });

  const strip = clip.getByTestId('chroma-strip');
  await expect(strip).toBeVisible();
  const frames = Number(await strip.getAttribute('data-frames'));
  const hop = Number(await strip.getAttribute('data-hop-seconds'));
  expect(frames).toBeGreaterThan(10);
  expect(Math.abs(frames * hop - 12)).toBeLessThan(0.25); // the fixture is 12 s
  await expect(strip).toHaveAttribute('aria-label', /12 pitch classes/);

  // Same left edge and width as the waveform above it: time lines up.
  const wave = await clip.getByRole('img', { name: 'Waveform of demo.flac' }).boundingBox();
  const box = await strip.boundingBox();
  expect(wave && box).toBeTruthy();
  expect(Math.abs(box!.x - wave!.x)).toBeLessThan(1);
  expect(Math.abs(box!.width - wave!.width)).toBeLessThan(1);

  // Back to none: the strip goes; choosing again uses the cached chroma.
  await picker.selectOption('');
  await expect(clip.getByTestId('chroma-strip')).toHaveCount(0);
  await picker.selectOption({ label: 'demo.flac' });
  await expect(clip.getByTestId('chroma-strip')).toBeVisible();
});
