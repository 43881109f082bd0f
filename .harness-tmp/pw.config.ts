import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: '../e2e', testMatch: /(conditioning|generate)\.spec\.ts/, timeout: 60_000, expect: { timeout: 10_000 }, workers: 1, reporter: 'list',
  use: { baseURL: 'http://localhost:5200', browserName: 'chromium', headless: true, viewport: { width: 1280, height: 800 }, acceptDownloads: true,
    launchOptions: { executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] } },
});
