import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { decodeWav } from '../src/audio/wav';
import { pitchClassOf } from '../src/corpus/theory';
import { analyzeClip, TEMPO_TOLERANCE } from '../src/eval';
import { CHECKED_EXAMPLES, KEY_EXAMPLES } from '../src/state/examples';

/**
 * Issue 7: on a fresh profile with no network beyond the page's own server, an example prompt
 * gives a take in the key (or at the tempo) it names, from the bundled model alone (nothing trained
 * in the tab). Prompts and seeds come from `npm run eval:prompts` (bench-results/prompt-following.md,
 * the example seed sweeps at the app's defaults, 8 s and CFG 3): each test names how many of 10
 * seeds got it right there, and uses one of those seeds. Takes are generated on WASM, where the
 * browser's take for a seed is the one the sweep measured in Node (the same tfjs kernels); key and
 * tempo are detected in Node with the benchmark's own detectors (src/eval).
 */
const KEY_CASE = { text: 'slow piano melody in D minor', seed: 1, sweep: '10/10' };
const TEMPO_CASE = { text: 'upbeat funk bass line with drums, 110 bpm', bpm: 110, seed: 7, sweep: '9/10' };

/** Generate `text` with `seed` offline on WASM; the take's card and its downloaded mono PCM. */
async function generateOffline(page: Page, context: BrowserContext, text: string, seed: number): Promise<{ take: Locator; pcm: Float32Array; rate: number }> {
  const outside: string[] = [];
  await context.route((url) => url.hostname !== 'localhost' && url.hostname !== '127.0.0.1', (route) => {
    outside.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('generate-button')).toBeEnabled();
  await expect(page.getByTestId('generate-model')).toContainText('Pack model');

  await page.getByTestId('example-prompt').filter({ hasText: text }).click();
  await expect(page.getByTestId('prompt-input')).toHaveValue(text);
  await page.getByTestId('seed-input').fill(String(seed));
  await page.getByTestId('generate-button').click();
  const take = page.getByTestId('take');
  await expect(take).toHaveCount(1, { timeout: 150_000 });
  await expect(take).toHaveAttribute('data-seed', String(seed));

  const [download] = await Promise.all([page.waitForEvent('download'), take.getByTestId('take-download').click()]);
  const wav = decodeWav(new Uint8Array(readFileSync(await download.path())));
  expect(wav.channels[0].length / wav.sampleRate).toBeCloseTo(8, 1); // the app's default length
  expect(outside).toEqual([]);
  return { take, pcm: wav.channels[0], rate: wav.sampleRate };
}

test(`"${KEY_CASE.text}" (seed ${KEY_CASE.seed}; in key for ${KEY_CASE.sweep} seeds in the benchmark) comes out in its key, offline, with the bundled model`, async ({ page, context }) => {
  test.setTimeout(180_000);
  const example = KEY_EXAMPLES.find((e) => e.text === KEY_CASE.text)!;
  const { take, pcm, rate } = await generateOffline(page, context, KEY_CASE.text, KEY_CASE.seed);
  const { key } = analyzeClip(pcm, rate);
  expect({ tonic: key.tonic, mode: key.mode }).toEqual({ tonic: pitchClassOf(example.key.tonic), mode: example.key.mode });
  // The take's card says so too: what it sounds like, and that this is what the prompt asked for.
  const facts = take.getByTestId('take-facts');
  await expect(facts).toContainText(`Sounds like ${example.key.tonic} ${example.key.mode}`);
  await expect(facts.locator('[data-asked="key"]')).toHaveAttribute('data-verdict', 'match');
  // "slow" is checked against the range the model's captions use it for (the beat clock keeps its middle, 70 bpm)
  await expect(facts.locator('[data-asked="tempo"]')).toContainText('slow (60–80 bpm)');
});

test(`"${TEMPO_CASE.text}" (seed ${TEMPO_CASE.seed}; within 8% for ${TEMPO_CASE.sweep} seeds in the benchmark) keeps its tempo with the beat clock`, async ({ page, context }) => {
  test.setTimeout(180_000);
  expect(CHECKED_EXAMPLES.map((e) => e.text)).toContain(TEMPO_CASE.text);
  const { take, pcm, rate } = await generateOffline(page, context, TEMPO_CASE.text, TEMPO_CASE.seed);
  const { tempo } = analyzeClip(pcm, rate);
  expect(Math.abs(tempo.bpm / TEMPO_CASE.bpm - 1)).toBeLessThanOrEqual(TEMPO_TOLERANCE);
  // The card checks the tempo only when it hears a steady beat (onset periodicity >= 0.15); this
  // pack's 8 s funk takes stay under it (0.03-0.14 over seeds 1-10), so it says it cannot tell rather
  // than claim a miss.
  const facts = take.getByTestId('take-facts');
  await expect(facts).toContainText('no steady beat');
  await expect(facts.locator('[data-asked="tempo"]')).toHaveAttribute('data-verdict', 'unclear');
});
