// The musicgen-small pack's path in the browser, against the local hub the test server serves
// (scripts/hub/build-hub.ts: tiny models with musicgen-small's repositories, file names, tensor
// names and graph interfaces at /hub, the pack manifest at /models/musicgen-small-tiny/).
import { expect, test, type Page, type Request } from '@playwright/test';
import { dropFiles, fixture } from './helpers';

const TINY = 'musicgen-small-tiny';
const TINY_NAME = 'MusicGen small (tiny test double)';
const BUNDLED_NAME = 'Studio (bundled)';
const START = `/?hub=/hub&pack=${TINY}`;
const CACHE = 'musicgen-studio-packs-v1';
const MANIFEST_GLOB = `**/models/${TINY}/manifest.json`;
const ENCODER_GLOB = '**/hub/**/onnx/encodec_encoder.onnx';

/** Requests to the hub (the engine worker's included), from now on. */
function hubRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/hub/')) seen.push(r);
  });
  return seen;
}
const paths = (rs: Request[]) => [...new Set(rs.map((r) => new URL(r.url()).pathname.replace(/^.*\/resolve\/[^/]+\//, '')))].sort();

async function engineReadyOn(page: Page, packName: string) {
  await expect(page.getByTestId('pack-name')).toHaveText(packName);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /^(webgpu|wasm|cpu)$/);
  await expect(page.getByTestId('generate-button')).toBeEnabled();
}

async function generateTake(page: Page, count: number) {
  await page.getByTestId('prompt-input').fill('warm piano chords');
  await page.getByTestId('duration-input').fill('1');
  await page.getByTestId('seed-input').fill('5');
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('take')).toHaveCount(count);
  await expect(page.getByTestId('generation-error')).toHaveCount(0);
  await expect(page.getByTestId('take').first().getByTestId('token-grid')).toHaveAttribute('data-cols', '50');
}

/** Overwrites one cached piece of the tiny pack with other bytes of the same length; returns the SHA-256 of what was there. */
function corruptCachedPiece(page: Page, suffix: string): Promise<string> {
  return page.evaluate(async ([name, pack, suffix]) => {
    const cache = await caches.open(name);
    const req = (await cache.keys()).find((r) => r.url.includes(`/${pack}/`) && r.url.endsWith(suffix));
    if (!req) throw new Error(`nothing cached for ${pack} ends with ${suffix}`);
    const bytes = new Uint8Array(await (await cache.match(req))!.arrayBuffer());
    const hash = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
    await cache.put(req, new Response(new Uint8Array(bytes.length).fill(7)));
    return hash;
  }, [CACHE, TINY, suffix] as const);
}

function cachedPieceHash(page: Page, suffix: string): Promise<string | null> {
  return page.evaluate(async ([name, pack, suffix]) => {
    const cache = await caches.open(name);
    const req = (await cache.keys()).find((r) => r.url.includes(`/${pack}/`) && r.url.endsWith(suffix));
    if (!req) return null;
    const bytes = await (await cache.match(req))!.arrayBuffer();
    return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  }, [CACHE, TINY, suffix] as const);
}

test('musicgen-small layout from a local hub: confirm, cancel, download, generate, cache hit, repair, wrong manifest, clear', async ({ page }) => {
  test.setTimeout(150_000);
  const requests = hubRequests(page);

  await test.step('a URL naming a pack that needs a download asks first; the bundled pack runs meanwhile', async () => {
    await page.goto(START);
    const ask = page.getByTestId('pack-confirm');
    await expect(ask).toBeVisible();
    await expect(ask).toContainText(`Download ${TINY_NAME}?`);
    await expect(ask.getByTestId('pack-download-size')).toHaveText(/^\d+(\.\d)? MB$/);
    await engineReadyOn(page, BUNDLED_NAME);
    // Only the checkpoint's header so far (two small Range reads): nothing big has moved.
    expect(paths(requests)).toEqual(['model.safetensors']);
    expect(requests.every((r) => /^bytes=\d+-\d+$/.test(r.headers().range ?? ''))).toBe(true);
    await ask.getByTestId('pack-cancel').click();
    await expect(ask).toHaveCount(0);
    await expect(page.getByTestId('pack-select')).toHaveValue('studio');
  });

  await test.step('picking it from the list asks again; Cancel during the download goes back to the bundled pack', async () => {
    // Hold the first hub file until Cancel, so the download is caught in flight.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(ENCODER_GLOB, async (route) => {
      await held;
      await route.continue().catch(() => undefined); // the worker has dropped the request by then
    });
    await page.getByTestId('pack-select').selectOption(TINY);
    await expect(page.getByTestId('pack-confirm')).toBeFocused();
    await page.getByTestId('pack-confirm-download').click();
    const progress = page.getByTestId('pack-download-progress');
    await expect(progress.getByTestId('pack-file')).toHaveCount(5);
    await expect(progress.getByTestId('pack-file').first()).toContainText('onnx/encodec_encoder.onnx');
    await expect(progress.getByRole('progressbar')).toBeVisible();
    await expect(page.getByTestId('status')).toContainText('Downloading onnx/encodec_encoder.onnx');
    await progress.getByTestId('pack-cancel').click();
    await expect(progress).toHaveCount(0);
    await engineReadyOn(page, BUNDLED_NAME);
    await expect(page.getByTestId('pack-error')).toHaveCount(0);
    await expect(page.getByTestId('pack-select')).toHaveValue('studio');
    await page.unroute(ENCODER_GLOB);
    release();
  });

  let bundledHash = '';
  await test.step('a clip tokenized by the bundled pack', async () => {
    await dropFiles(page, [fixture('demo.flac')]);
    const clip = page.getByTestId('clip');
    await expect(clip).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    bundledHash = (await clip.getAttribute('data-codes-hash'))!;
    expect(bundledHash).toMatch(/^[0-9a-f]{8}$/);
  });

  await test.step('yes again: the download runs to the end (Range reads for the decoder tensors) and the pack runs', async () => {
    requests.length = 0;
    // From the keyboard this time: the picker, the question (focused), Tab to its first button, Enter.
    await page.getByTestId('pack-select').focus();
    await page.keyboard.press('End');
    await expect(page.getByTestId('pack-confirm')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('pack-confirm-download')).toBeFocused();
    await page.keyboard.press('Enter');
    await engineReadyOn(page, TINY_NAME);
    await expect(page.getByTestId('pack-select')).toBeFocused(); // back where the user started
    await expect(page.getByTestId('pack-download-progress')).toHaveCount(0);
    // The checkpoint's header, then its decoder tensors, always by Range: never the whole checkpoint.
    const weights = requests.filter((r) => r.url().endsWith('model.safetensors') && r.method() === 'GET');
    expect(weights.length).toBeGreaterThan(2);
    expect(weights.every((r) => /^bytes=\d+-\d+$/.test(r.headers().range ?? ''))).toBe(true);
    expect(paths(requests)).toEqual(['model.safetensors', 'onnx/encodec_decode.onnx', 'onnx/encodec_encoder.onnx', 'onnx/text_encoder.onnx', 'tokenizer.json']);
    await expect(page.getByTestId('pack-notices')).toHaveCount(0);
    // The clip is tokenized again by this pack's codec (its codes meant nothing to it).
    const clip = page.getByTestId('clip');
    await expect(clip).not.toHaveAttribute('data-codes-hash', bundledHash); // gone while it is tokenized again
    await expect(clip).toHaveAttribute('data-codes-hash', /^[0-9a-f]{8}$/, { timeout: 60_000 });
    await expect(clip).toHaveAttribute('data-status', 'ready');
    expect(await clip.getAttribute('data-codes-hash')).not.toBe(bundledHash);
    await clip.getByTestId('remove-clip').click();
  });

  await test.step('a short take through the pretrained code path', async () => {
    await generateTake(page, 1);
    await page.getByTestId('pack-storage').locator('summary').click();
    const size = page.getByTestId('pack-cache-size');
    await expect(size).toHaveText(/MB$/);
    expect(Number(await size.getAttribute('data-bytes'))).toBeGreaterThan(10e6);
  });

  await test.step('reload: the pack starts from the browser cache, no second download', async () => {
    requests.length = 0;
    await page.reload();
    await engineReadyOn(page, TINY_NAME);
    await expect(page.getByTestId('pack-confirm')).toHaveCount(0);
    expect(requests.map((r) => r.url())).toEqual([]);
  });

  await test.step('a damaged cached file is detected and fetched again', async () => {
    const suffix = '/codecEncoder/part/0';
    const good = await corruptCachedPiece(page, suffix);
    requests.length = 0;
    await page.reload();
    await engineReadyOn(page, TINY_NAME);
    const notices = page.getByTestId('pack-notices');
    await expect(notices).toContainText('A cached model file was damaged, so it is being downloaded again.');
    await expect(notices.locator('[data-code=CACHE_CORRUPT]')).toHaveCount(1);
    expect(paths(requests)).toEqual(['onnx/encodec_encoder.onnx']);
    expect(await cachedPieceHash(page, suffix)).toBe(good);
  });

  await test.step('a manifest that does not fit the checkpoint: a clear error, and the studio works on the bundled pack', async () => {
    await page.route(MANIFEST_GLOB, async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      json.lm.config.layers = 3;
      await route.fulfill({ response, json });
    });
    await page.reload();
    const error = page.getByTestId('pack-error');
    await expect(error).toContainText('The model weights do not fit the model described by the manifest');
    await expect(error).toContainText('the manifest\'s config has 3');
    await engineReadyOn(page, BUNDLED_NAME);
    await generateTake(page, 1);
    await page.unroute(MANIFEST_GLOB);
  });

  await test.step('clear the cache: it says what it freed', async () => {
    await page.getByTestId('pack-storage').locator('summary').click();
    const size = page.getByTestId('pack-cache-size');
    await expect(size).toHaveText(/MB$/);
    const before = Number(await size.getAttribute('data-bytes'));
    const clear = page.getByTestId('pack-clear-cache');
    await expect(clear).toHaveText(/^Clear cache \(frees \d+(\.\d)? MB\)$/);
    await clear.click();
    await expect(page.getByTestId('pack-freed')).toHaveText(/^Freed \d+(\.\d)? MB\.$/);
    await expect(size).toHaveText('0 B');
    await expect(clear).toBeDisabled();
    expect(before).toBeGreaterThan(10e6);
    expect(await page.evaluate(async (name) => (await (await caches.open(name)).keys()).length, CACHE)).toBe(0);
  });

  await test.step('offline mid-download: the error says to check the connection, and Try again asks again', async () => {
    await page.route(ENCODER_GLOB, (route) => route.abort('internetdisconnected'));
    await page.getByTestId('pack-select').selectOption(TINY);
    await page.getByTestId('pack-confirm-download').click();
    const error = page.getByTestId('pack-error');
    await expect(error).toContainText('Check that this device is online');
    await page.unroute(ENCODER_GLOB);
    await error.getByTestId('pack-retry').click();
    await expect(page.getByTestId('pack-confirm')).toBeVisible(); // the download question again (nothing was lost)
    await page.getByTestId('pack-cancel').click();
    await engineReadyOn(page, BUNDLED_NAME);
  });
});
