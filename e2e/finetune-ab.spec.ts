// Issue 5, "it must learn what it was shown": import two fixtures of different character as an
// audiofolder dataset (captions from its metadata.csv), fine-tune the bundled pack on them, and
// check that a take generated from each caption sounds closest (by token statistics,
// src/eval/tokenStats.ts) to the clip with that caption. Then: export the dataset; stop a run,
// reload, and resume it from its checkpoint.
//
// The settings are the ones scripts/ab-search.ts found in Node (tfjs wasm) on the pretrained
// bundled LM: 40 steps, lr 3e-3, 1 s crops, batch 2, condition dropout 0.3, 2 s takes at CFG 3 —
// right in 24 of 24 cases on the session-5 pack (training seeds 0-3 x generation seeds 1-3 x the two
// captions; 23 of 24 on the stage-1 pack before it; not re-searched on session 9's longer-trained pack,
// whose eval:ab is 23/24). This test uses training seed 0 (the default) and generation seed 1, right
// for both captions on each of these packs.
import { readFileSync } from 'node:fs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { FIXTURES } from './helpers';

const CLIP_A = 'drums.flac';
const CLIP_B = 'daramud.flac';
const CAPTION_A = 'drum loop';
const CAPTION_B = 'plucked strings';

/** The two fixtures as an audiofolder zip; its metadata has one row for a file that is not there. */
function datasetZip(): Buffer {
  const csv = `\ufefffile_name,caption\r\n${CLIP_A},${CAPTION_A}\r\nmissing.wav,gone\r\n${CLIP_B},"${CAPTION_B}"\r\n`;
  return Buffer.from(zipSync({
    'fixtures/metadata.csv': strToU8(csv),
    [`fixtures/${CLIP_A}`]: new Uint8Array(readFileSync(FIXTURES + CLIP_A)),
    [`fixtures/${CLIP_B}`]: new Uint8Array(readFileSync(FIXTURES + CLIP_B)),
  }));
}

async function openStudio(page: Page) {
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /^(webgpu|wasm|cpu)$/);
  await expect(page.getByTestId('generate-button')).toBeEnabled();
}

/** Imports the dataset zip and waits for both clips, captioned from the metadata. */
async function importFixtures(page: Page) {
  await page.getByTestId('import-dataset').setInputFiles({ name: 'fixtures.zip', mimeType: 'application/zip', buffer: datasetZip() });
  const report = page.getByTestId('dataset-report');
  await expect(report).toHaveAttribute('data-imported', '2');
  await expect(report.getByTestId('dataset-problem')).toHaveCount(1);
  await expect(report.getByTestId('dataset-problem')).toContainText('line 3: missing.wav: no such file');
  const clips = page.getByTestId('clip');
  await expect(clips).toHaveCount(2);
  await expect(clips.nth(0)).toHaveAttribute('data-status', 'ready');
  await expect(clips.nth(1)).toHaveAttribute('data-status', 'ready');
  await expect(clips.nth(0).locator('.clip-name')).toHaveText(CLIP_A);
  await expect(clips.nth(0).getByTestId('caption-input')).toHaveValue(CAPTION_A);
  await expect(clips.nth(1).getByTestId('caption-input')).toHaveValue(CAPTION_B);
}

async function trainSettings(page: Page, o: { steps: number; lr: number; crop: number; batch: number }) {
  await page.getByTestId('train-advanced').locator('summary').click();
  await page.getByTestId('train-steps').fill(String(o.steps));
  await page.getByTestId('train-lr').fill(String(o.lr));
  await page.getByTestId('train-crop').fill(String(o.crop));
  await page.getByTestId('train-batch').fill(String(o.batch));
  await page.getByTestId('train-name').click(); // commit the last field
}

async function generate(page: Page, prompt: string, seed: number, count: number) {
  await page.getByTestId('prompt-input').fill(prompt);
  await page.getByTestId('duration-input').fill('2');
  await page.getByTestId('seed-input').fill(String(seed));
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('take')).toHaveCount(count, { timeout: 120_000 });
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  const id = await page.getByTestId('take').first().getAttribute('data-take-id'); // newest first
  return page.locator(`[data-testid="take"][data-take-id="${id}"]`);
}

test('after fine-tuning, each caption generates audio closest to its own clip; the dataset exports', async ({ page }) => {
  test.setTimeout(420_000);
  await page.goto('/');
  await openStudio(page);
  await importFixtures(page);

  await page.getByTestId('train-name').fill('AB');
  await trainSettings(page, { steps: 40, lr: 0.003, crop: 1, batch: 2 });
  await expect(page.getByTestId('train-hint')).toContainText('2 clips, 2 with a caption');
  const t0 = Date.now();
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-step')).toContainText('Step 40 / 40', { timeout: 300_000 });
  test.info().annotations.push({ type: 'training', description: `40 steps in ${((Date.now() - t0) / 1000).toFixed(0)} s` });
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  await expect(page.getByTestId('generate-model')).toContainText('AB');

  const takeA = await generate(page, CAPTION_A, 1, 1);
  await expect(takeA.getByTestId('take-closest')).toHaveAttribute('data-clip-name', CLIP_A);
  const takeB = await generate(page, CAPTION_B, 1, 2);
  await expect(takeB.getByTestId('take-closest')).toHaveAttribute('data-clip-name', CLIP_B);
  await expect(takeB.getByTestId('take-closest')).toContainText(`Sounds closest to ${CLIP_B}`);
  for (const [name, take] of [['A', takeA], ['B', takeB]] as const) {
    test.info().annotations.push({ type: `take ${name}`, description: (await take.getByTestId('take-closest').textContent()) ?? '' });
  }
  console.log(test.info().annotations.map((a) => `${a.type}: ${a.description}`).join('\n'));

  // Export: the clips as WAV and their captions in metadata.csv.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-dataset').click()]);
  expect(download.suggestedFilename()).toBe('musicgen-studio-dataset.zip');
  const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
  expect(Object.keys(files).sort()).toEqual(['daramud.wav', 'drums.wav', 'metadata.csv']);
  expect(strFromU8(files['metadata.csv'])).toBe(`file_name,caption\r\ndrums.wav,${CAPTION_A}\r\ndaramud.wav,${CAPTION_B}\r\n`);
  expect(strFromU8(files['drums.wav'].subarray(0, 4))).toBe('RIFF');
});

test('a stopped run resumes after a reload once its clips are back', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await openStudio(page);
  await importFixtures(page);
  await page.getByTestId('train-name').fill('Resumable');
  await trainSettings(page, { steps: 8, lr: 0.001, crop: 1, batch: 1 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-step')).toContainText(/Step [1-7] \/ 8/, { timeout: 120_000 });
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-button')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('train-step')).toContainText(/^Step [1-7] \/ 8/);
  const stoppedAt = Number((await page.getByTestId('train-step').textContent())!.match(/^Step (\d) \/ 8/)![1]);
  const select = page.getByTestId('model-select');
  const savedId = await select.inputValue();

  await page.reload();
  await openStudio(page);
  await select.selectOption(savedId);
  await expect(page.getByTestId('generate-model')).toContainText('Resumable');
  // Its history is shown, and resuming waits for its clips.
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', String(stoppedAt));
  await expect(page.getByTestId('train-resume')).toHaveText(`▶ Resume training (step ${stoppedAt} of 8)`);
  await expect(page.getByTestId('train-resume')).toBeDisabled();
  await expect(page.getByTestId('train-resume-hint')).toContainText(`add the clips it was trained on: ${CLIP_A}, ${CLIP_B}`);

  await importFixtures(page);
  await expect(page.getByTestId('train-resume')).toBeEnabled();
  await page.getByTestId('train-resume').click();
  await expect(page.getByTestId('train-step')).toContainText('Step 8 / 8', { timeout: 180_000 });
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '8');
  await expect(page.getByTestId('train-resume')).toHaveCount(0);
  await expect(select.locator('option:checked')).toContainText('Resumable · step 8');
});
