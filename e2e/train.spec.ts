import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { readSafetensors, writeSafetensors } from '../src/lm/safetensors';
import { dropFiles, fixture } from './helpers';

const NAME = 'E2E strings and drums';
const LORA = 'E2E adapter';
/** TRAIN_BACKEND=cpu|wasm|webgpu forces the engine backend (default: the studio's own choice). */
const START = process.env.TRAIN_BACKEND ? `/?backend=${process.env.TRAIN_BACKEND}` : '/';

async function openStudio(page: Page) {
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /^(webgpu|wasm|cpu)$/);
  await expect(page.getByTestId('generate-button')).toBeEnabled();
}

/** Deterministic junk: not a safetensors file. */
function junk(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}

test('fine-tune on two captioned clips, export, reload, switch models, reject a bad import, then a LoRA', async ({ page }) => {
  test.setTimeout(360_000); // training speed depends on the backend (about 20 s a step on the CPU backend on a machine without a GPU)
  await page.goto(START);
  await openStudio(page);
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await expect(page.getByTestId('train-hint')).toContainText(/at least one clip/);

  await dropFiles(page, [fixture('daramud.flac'), fixture('drums.flac')]);
  const clips = page.getByTestId('clip');
  await expect(clips).toHaveCount(2);
  await expect(clips.nth(0)).toHaveAttribute('data-status', 'ready');
  await expect(clips.nth(1)).toHaveAttribute('data-status', 'ready');
  await clips.nth(0).getByTestId('caption-input').fill('plucked strings');
  await clips.nth(1).getByTestId('caption-input').fill('drum loop');

  await page.getByTestId('train-name').fill(NAME);
  await page.getByTestId('train-advanced').locator('summary').click();
  await page.getByTestId('train-steps').fill('6');
  await page.getByTestId('train-crop').fill('1');
  await page.getByTestId('train-batch').fill('1'); // keeps each step short on CPU-only machines
  await expect(page.getByTestId('train-hint')).toContainText('2 clips, 2 with a caption');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-step')).toContainText('Step 6 / 6', { timeout: 180_000 });
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '6');
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  await expect(page.getByTestId('status')).toContainText(/Training done/);

  const select = page.getByTestId('model-select');
  await expect(select).not.toHaveValue('');
  await expect(select.locator('option:checked')).toContainText(NAME);
  await expect(page.getByTestId('generate-model')).toContainText(NAME);
  await expect(page.getByTestId('train-model-name')).toHaveText(NAME);
  const savedId = await select.inputValue();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-weights').click()]);
  expect(download.suggestedFilename()).toMatch(/\.safetensors$/);
  const bytes = readFileSync(await download.path());
  const headerLen = Number(bytes.readBigUInt64LE(0));
  expect(headerLen).toBeGreaterThan(0);
  expect(8 + headerLen).toBeLessThan(bytes.length);
  expect(typeof JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8'))).toBe('object');

  // LoRA: adapters trained on the pack's own weights (the Advanced settings are still open and set).
  await page.getByTestId('train-method').selectOption('lora');
  await expect(page.getByTestId('train-model-name')).toHaveText('Pack model');
  await expect(page.getByTestId('train-lr')).toHaveValue('0.001'); // the bundled pack's LoRA default (its manifest's lm.trainDefaults)
  await page.getByTestId('train-name').fill(LORA);
  await page.getByTestId('train-steps').fill('2');
  await page.getByTestId('train-alpha').fill('8');
  await page.getByTestId('train-lora-embeddings').uncheck(); // adapt everything but the code embeddings
  await page.getByTestId('train-name').click(); // commit the steps and alpha
  await expect(page.getByTestId('train-advanced').locator('summary')).toContainText('alpha 8');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-step')).toContainText('Step 2 / 2', { timeout: 120_000 });
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  await expect(select.locator('option:checked')).toContainText(`${LORA} · LoRA`);
  await expect(page.getByTestId('generate-model')).toContainText(`${LORA} · LoRA`);
  await expect(select.locator(`option[value="${savedId}"]`)).not.toContainText('LoRA');
  const loraId = await select.inputValue();
  const [adapter] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-weights').click()]);
  expect(adapter.suggestedFilename()).toBe('E2E-adapter.lora.safetensors');
  const peft = asPeft(readFileSync(await adapter.path()));
  expect(JSON.parse(peft.config)).toMatchObject({ r: 16, lora_alpha: 8 });
  expect(JSON.parse(peft.config).target_modules).not.toContain('embed_tokens');

  // Saved models persist in IndexedDB: after a reload the engine starts on the pack's weights and lists it.
  await page.reload();
  await openStudio(page);
  await expect(select.locator(`option[value="${savedId}"]`)).toContainText(NAME);
  await expect(select.locator(`option[value="${loraId}"]`)).toContainText(`${LORA} · LoRA`);
  await expect(select).toHaveValue('');
  await select.selectOption(savedId);
  await expect(page.getByTestId('generate-model')).toContainText(NAME);
  await select.selectOption('');
  await expect(page.getByTestId('generate-model')).toContainText('Pack model');
  await expect(select).toHaveValue('');
  await select.selectOption(savedId);
  await expect(page.getByTestId('generate-model')).toContainText(NAME);
  await expect(select).toHaveValue(savedId);
  // The saved run's loss history is shown for it.
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '6');

  await page.getByTestId('import-weights').setInputFiles({ name: 'random.safetensors', mimeType: 'application/octet-stream', buffer: junk(4096) });
  await expect(page.getByTestId('model-error')).toBeVisible();
  await expect(page.getByTestId('model-error')).toHaveAttribute('data-code', 'MODEL_INTEGRITY');
  await expect(page.getByTestId('generate-model')).toContainText(NAME);
  await expect(select).toHaveValue(savedId);
  await expect(select.locator('option')).toHaveCount(3);
  // The same adapter as Hugging Face PEFT saves it: both files picked at once.
  await page.getByTestId('import-weights').setInputFiles([
    { name: 'adapter_model.safetensors', mimeType: 'application/octet-stream', buffer: peft.weights },
    { name: 'adapter_config.json', mimeType: 'application/json', buffer: Buffer.from(peft.config) },
  ]);
  await expect(page.getByTestId('generate-model')).toContainText('PEFT adapter · LoRA');
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  await expect(select.locator('option')).toHaveCount(4);
  // Its config alone is refused with the reason, and the model in use stays.
  await page.getByTestId('import-weights').setInputFiles({ name: 'adapter_config.json', mimeType: 'application/json', buffer: Buffer.from(peft.config) });
  await expect(page.getByTestId('model-error')).toHaveAttribute('data-code', 'ADAPTER_INVALID');
  await expect(page.getByTestId('model-error')).toContainText('adapter_model.safetensors');
  await expect(page.getByTestId('generate-model')).toContainText('PEFT adapter · LoRA');
  // Switch to the adapter and back to the pack model and the full fine-tune.
  await select.selectOption(loraId);
  await expect(page.getByTestId('generate-model')).toContainText(`${LORA} · LoRA`);
  await select.selectOption('');
  await expect(page.getByTestId('generate-model')).toHaveText('Model: Pack model');
  await select.selectOption(savedId);
  await expect(page.getByTestId('generate-model')).toHaveText(`Model: ${NAME}`);
});

/** A studio adapter file rewritten as Hugging Face PEFT saves one: prefixed names, no studio metadata, adapter_config.json. */
function asPeft(bytes: Buffer): { weights: Buffer; config: string } {
  const { tensors, metadata } = readSafetensors(new Uint8Array(bytes));
  const named = new Map([...tensors].map(([name, t]) => [`base_model.model.${name}`, t]));
  const config = { peft_type: 'LORA', r: Number(metadata.rank), lora_alpha: Number(metadata.alpha), target_modules: JSON.parse(metadata.targets) as string[], lora_dropout: 0.05, bias: 'none', base_model_name_or_path: 'facebook/musicgen-small' };
  return { weights: Buffer.from(writeSafetensors(named, { format: 'pt' })), config: JSON.stringify(config) };
}
