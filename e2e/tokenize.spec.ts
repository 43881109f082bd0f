import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { dropFiles, dropRepeated, fixture, makeWav, parseWav16, tone } from './helpers';
import { resample } from '../src/audio/resample';
import { describeAudio, type AudioFacts } from '../src/eval/describe';
import { factsCaption, keyLabel } from '../src/ui/factsText';
import { fixturePath, readFlac } from '../scripts/pack/fixtures';

const manifest = JSON.parse(readFileSync(new URL('../public/models/studio/manifest.json', import.meta.url), 'utf8'));
const { codebooks: K, frameRate, sampleRate } = manifest.codec;

async function openStudio(page: Page, query = '') {
  await page.goto(`/${query}`);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /^(webgpu|wasm|cpu)$/);
}

const clipNamed = (page: Page, name: string) => page.getByTestId('clip').filter({ hasText: name });

test('drop the fixtures and an MP3: each becomes a K x T token grid', async ({ page }) => {
  await openStudio(page);
  const files = [fixture('daramud.flac'), fixture('demo.flac'), fixture('drums.flac'),
    fixture('demo-stereo-44k.mp3', 'audio/mpeg'), fixture('daramud.opus.ogg', 'audio/ogg')];
  const seconds: Record<string, number> = { 'daramud.flac': 12, 'demo.flac': 12, 'drums.flac': 12, 'demo-stereo-44k.mp3': 4, 'daramud.opus.ogg': 3 };
  await dropFiles(page, files);
  await expect(page.getByTestId('clip')).toHaveCount(files.length);
  for (const f of files) {
    const clip = clipNamed(page, f.name);
    await expect(clip).toHaveAttribute('data-status', 'ready');
    const grid = clip.getByTestId('token-grid');
    await expect(grid).toHaveAttribute('data-rows', String(K));
    const cols = Number(await grid.getAttribute('data-cols'));
    expect(Math.abs(cols - seconds[f.name] * frameRate)).toBeLessThanOrEqual(1 + 0.03 * frameRate); // MP3/Opus add encoder padding
  }
  await expect(clipNamed(page, 'demo-stereo-44k.mp3')).toContainText('44.1 kHz');
  await expect(clipNamed(page, 'demo-stereo-44k.mp3')).toContainText('2 ch');
  await expect(page.getByTestId('clip-error')).toHaveCount(0);
  // Each card says what the clip sounds like: the evaluation's detectors on the clip as loaded
  // (here recomputed in Node from the same file).
  const detected: Record<string, AudioFacts> = {};
  for (const name of ['demo.flac', 'drums.flac']) {
    const f = await readFlac(fixturePath(name));
    const want = (detected[name] = describeAudio(resample(f.pcm, f.sampleRate, sampleRate), sampleRate)!);
    const facts = clipNamed(page, name).getByTestId('clip-facts');
    await expect(facts).toHaveAttribute('data-key', keyLabel(want));
    expect(Math.abs(Number(await facts.getAttribute('data-bpm')) - (want.tempo.clear ? want.tempo.bpm : 0))).toBeLessThanOrEqual(1);
    await expect(facts).toContainText(`Sounds like ${keyLabel(want)}`);
  }
  // ... and what its reconstruction sounds like, marked against the original (demo.flac: clear key and beat).
  const demo = clipNamed(page, 'demo.flac').getByTestId('clip-facts');
  await expect(demo).toContainText('reconstruction:');
  await expect(demo.locator('[data-verdict]')).toHaveCount(2);
  // The training caption takes the detected key and tempo in one click.
  const demoClip = clipNamed(page, 'demo.flac');
  const words = factsCaption('', detected['demo.flac'])!;
  expect(words).toMatch(/^in [A-G][#b]? (major|minor), \d+ bpm$/); // demo.flac: a clear key and beat
  await demoClip.getByTestId('caption-input').fill('bright synth arpeggio');
  await demoClip.getByTestId('caption-add-facts').click();
  await expect(demoClip.getByTestId('caption-input')).toHaveValue(`bright synth arpeggio, ${words}`);
  await expect(demoClip.getByTestId('caption-add-facts')).toHaveCount(0); // the caption says it all now
});

test('download the reconstruction as a 16-bit WAV at the codec rate', async ({ page }) => {
  await openStudio(page);
  await dropFiles(page, [fixture('drums.flac')]);
  const clip = clipNamed(page, 'drums.flac');
  await expect(clip).toHaveAttribute('data-status', 'ready');
  const [download] = await Promise.all([page.waitForEvent('download'), clip.getByTestId('download-wav').click()]);
  expect(download.suggestedFilename()).toMatch(/^drums.*\.wav$/);
  const wav = parseWav16(new Uint8Array(readFileSync(await download.path())));
  expect(wav).toMatchObject({ sampleRate, channels: 1, bits: 16 });
  expect(Math.abs(wav.samples - 12 * sampleRate)).toBeLessThan(sampleRate / frameRate);
});

test('play original and reconstruction toggle playback, with a playhead moving over the waveform', async ({ page }) => {
  await openStudio(page);
  await dropFiles(page, [fixture('demo.flac')]);
  const clip = clipNamed(page, 'demo.flac');
  await expect(clip).toHaveAttribute('data-status', 'ready');
  const playhead = clip.getByTestId('playhead');
  const at = async () => parseFloat((await playhead.getAttribute('style'))!.replace(/.*left:\s*/, ''));
  await expect(playhead).toHaveCount(0);
  for (const id of ['play-original', 'play-reconstruction']) {
    const btn = clip.getByTestId(id);
    await btn.click();
    await expect(btn).toHaveAttribute('aria-pressed', 'true');
    await expect(playhead).toHaveCount(1);
    const first = await at();
    await expect.poll(at).toBeGreaterThan(first); // 12 s clip: it moves, and stays under 100%
    expect(await at()).toBeLessThan(100);
    await btn.click();
    await expect(btn).toHaveAttribute('aria-pressed', 'false');
    await expect(playhead).toHaveCount(0);
  }
});

test('each broken file gets its own message and the good clips stay', async ({ page }) => {
  await openStudio(page);
  await dropFiles(page, [fixture('demo.flac')]);
  await expect(clipNamed(page, 'demo.flac')).toHaveAttribute('data-status', 'ready');
  const good = makeWav([tone(1, 16000, 440)], 16000, 16);
  const rand = new Uint8Array(4096);
  for (let i = 0; i < rand.length; i++) rand[i] = (i * 2654435761) >>> 24;
  const bad = [
    { name: 'empty.wav', type: 'audio/wav', bytes: new Uint8Array(0), code: 'FILE_EMPTY' },
    { name: 'random.wav', type: 'audio/wav', bytes: rand, code: 'FILE_NOT_AUDIO' },
    { name: 'truncated.wav', type: 'audio/wav', bytes: good.subarray(0, 44 + 8000), code: 'FILE_TRUNCATED' },
    { name: 'silence.wav', type: 'audio/wav', bytes: makeWav([new Float32Array(16000)], 16000, 16), code: 'AUDIO_SILENT' },
    { name: 'tiny.wav', type: 'audio/wav', bytes: makeWav([tone(0.005, 16000, 440)], 16000, 16), code: 'AUDIO_TOO_SHORT' },
    { name: 'too-long.wav', type: 'audio/wav', bytes: makeWav([tone(601, 8000, 440)], 8000, 8), code: 'AUDIO_TOO_LONG' },
  ];
  const fine = [
    { name: 'eight-channels.wav', type: 'audio/wav', bytes: makeWav(Array.from({ length: 8 }, (_, c) => tone(1, 48000, 220 * (c + 1), 0.1)), 48000, 24) },
    { name: 'float32.wav', type: 'audio/wav', bytes: makeWav([tone(1, 22050, 330)], 22050, 32, true) },
  ];
  await dropFiles(page, [...bad, ...fine]);
  // A two-hour MP3 (about 115 MB at 128 kbps) is refused from its size before any decoding.
  await dropRepeated(page, 'two-hours.mp3', 'audio/mpeg', fixture('demo-stereo-44k.mp3').bytes, 115_000_000);
  bad.push({ name: 'two-hours.mp3', type: 'audio/mpeg', bytes: new Uint8Array(0), code: 'AUDIO_TOO_LONG' });
  for (const b of bad) {
    const err = clipNamed(page, b.name).getByTestId('clip-error');
    await expect(err).toHaveAttribute('data-code', b.code);
    await expect(err).not.toBeEmpty();
  }
  for (const f of fine) await expect(clipNamed(page, f.name)).toHaveAttribute('data-status', 'ready');
  await expect(clipNamed(page, 'eight-channels.wav')).toContainText('8 ch');
  // The clip that was there before is untouched.
  await expect(clipNamed(page, 'demo.flac')).toHaveAttribute('data-status', 'ready');
  await expect(clipNamed(page, 'demo.flac').getByTestId('token-grid')).toHaveAttribute('data-cols', String(12 * frameRate));
});

test('record a clip from the microphone; a refused microphone says so and the clips stay', async ({ page, context }) => {
  // Chromium's fake capture device (playwright.config.ts) plays beeps: a real, non-silent recording.
  await context.grantPermissions(['microphone']);
  await openStudio(page);
  const record = page.getByTestId('record-button');
  await record.click();
  await expect(record).toHaveText('Stop recording');
  await expect(record).toHaveAttribute('data-recording', 'true');
  await expect(page.getByTestId('record-time')).toHaveText(/^0:0[1-9]/); // it counts
  await page.waitForTimeout(1500);
  await record.click();
  await expect(record).toHaveText('Record from microphone');
  const clip = clipNamed(page, 'Recording 1.webm');
  const grid = clip.getByTestId('token-grid');
  await expect(grid).toBeVisible();
  await expect(grid).toHaveAttribute('data-rows', String(K));
  const seconds = Number(await grid.getAttribute('data-cols')) / frameRate;
  expect(seconds).toBeGreaterThan(1.5);
  expect(seconds).toBeLessThan(6);
  await expect(clip.getByTestId('clip-error')).toHaveCount(0);

  // The browser refuses the microphone (the permission prompt, outside the page, stands in here).
  await page.evaluate(() => {
    const w = window as unknown as { realGetUserMedia: MediaDevices['getUserMedia'] };
    w.realGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await record.click();
  await expect(page.getByTestId('record-error')).toHaveAttribute('data-code', 'MIC_DENIED');
  await expect(page.getByTestId('record-error')).toContainText('Microphone access was refused');
  await expect(record).toBeEnabled();
  await expect(record).toHaveAttribute('data-recording', 'false');
  await expect(page.getByTestId('clip')).toHaveCount(1);
  await expect(clip.getByTestId('token-grid')).toBeVisible();

  // The microphone opens but the recorder cannot start (a format the browser then refuses): the
  // error says so and the microphone is released, not left on.
  await page.evaluate(() => {
    const w = window as unknown as { realGetUserMedia: MediaDevices['getUserMedia']; micStream?: MediaStream };
    navigator.mediaDevices.getUserMedia = async (c) => (w.micStream = await w.realGetUserMedia(c));
    MediaRecorder.prototype.start = () => { throw new DOMException('no encoder', 'NotSupportedError'); };
  });
  await record.click();
  await expect(page.getByTestId('record-error')).toHaveAttribute('data-code', 'MIC_UNSUPPORTED');
  await expect(record).toHaveAttribute('data-recording', 'false');
  expect(await page.evaluate(() => (window as unknown as { micStream: MediaStream }).micStream.getTracks().map((t) => t.readyState))).toEqual(['ended']);
  await expect(page.getByTestId('clip')).toHaveCount(1);
});

test('the backend is shown and can be forced from the URL', async ({ page }) => {
  await openStudio(page, '?backend=cpu');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'cpu');
  await dropFiles(page, [fixture('daramud.opus.ogg', 'audio/ogg')]);
  await expect(clipNamed(page, 'daramud.opus.ogg')).toHaveAttribute('data-status', 'ready');
});
