/**
 * Writes the tiny hub (scripts/hub/tinyHub.ts) to a folder laid out like the Hugging Face hub:
 *   npx tsx scripts/hub/build-hub.ts [dir] [--models <models dir>]     (dir default .cache/hub, git-ignored)
 * giving <dir>/<org>/<repo>/resolve/<revision>/<path> for every file of the musicgen-small pack,
 * plus musicgen-small-tiny/manifest.json and musicgen-melody-tiny/manifest.json, the tiny packs' manifests, under <models dir> (default
 * <dir>). Serve <dir> statically (with Range support) and point the studio at it with
 * `?hub=<url of dir>`; with `--models dist/models` after `vite build`, `?pack=musicgen-small-tiny`
 * finds the manifest where the studio looks for packs (the e2e server does this).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildTinyHub } from './tinyHub.ts';

const args = process.argv.slice(2);
const flag = args.indexOf('--models');
const modelsArg = flag >= 0 ? args.splice(flag, 2)[1] : undefined;
if (flag >= 0 && !modelsArg) throw new Error('--models needs a folder');
const root = resolve(args[0] ?? new URL('../../.cache/hub/', import.meta.url).pathname);
const modelsRoot = modelsArg ? resolve(modelsArg) : root;
const real = JSON.parse(readFileSync(new URL('../../public/models/musicgen-small/manifest.json', import.meta.url), 'utf8'));
const hub = await buildTinyHub(real);
const out = new Map([...hub.files].map(([path, bytes]) => [join(root, path), bytes]));
for (const m of [hub.manifest, hub.melodyManifest]) out.set(join(modelsRoot, m.id as string, 'manifest.json'), new TextEncoder().encode(JSON.stringify(m, null, 2) + '\n'));
let total = 0;
for (const [file, bytes] of out) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  total += bytes.length;
  console.log(`${(bytes.length / 1e6).toFixed(2).padStart(7)} MB  ${file}`);
}
console.log(`wrote ${out.size} files, ${(total / 1e6).toFixed(1)} MB, to ${root}`);
