import { defineConfig } from '@playwright/test';
import { findChromium } from './scripts/chromium.mjs';

const PORT = 4300;

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  workers: 1,
  reporter: 'list',
  forbidOnly: !!process.env.CI,
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    launchOptions: {
      executablePath: findChromium() ?? undefined,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--no-first-run', '--enable-unsafe-webgpu', '--autoplay-policy=no-user-gesture-required',
        // a fake microphone (beeps) for the recording test; permission is granted per test
        '--use-fake-device-for-media-stream'],
    },
  },
  webServer: {
    // The app, plus a local stand-in for the Hugging Face hub (tiny models with musicgen-small's file
    // names and interfaces, written from code) at /hub and its pack manifest at /models/musicgen-small-tiny/.
    // vite preview answers single Range requests, as the hub does.
    command: `npx vite build && npx tsx scripts/hub/build-hub.ts dist/hub --models dist/models && npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
