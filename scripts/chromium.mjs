// Finds the Chromium the tests drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium.
import { existsSync } from 'node:fs';

export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/lib/chromium/chromium'].filter(Boolean);
  return candidates.find((p) => existsSync(p)) ?? null;
}

export const CHROMIUM_HELP = [
  'No Chromium found for the end-to-end tests.',
  'Set CHROMIUM_PATH to a Chromium/Chrome binary, or on Debian/Ubuntu install it with:',
  '  sudo apt-get install -y chromium',
  '(Playwright browser downloads are not used by this project.)',
].join('\n');
