import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseManifest } from './manifest';
import { approxDownloadBytes, DEFAULT_HUB_BASE, findPack, formatBytes, manifestUrlOf, PACKS, resolveHubBase } from './registry';

const BASE = 'http://localhost:4173/app/';

describe('hub base URL', () => {
  it('is the public hub unless ?hub= or the setting says otherwise (the URL wins)', () => {
    expect(resolveHubBase('', null, BASE)).toBe(DEFAULT_HUB_BASE);
    expect(DEFAULT_HUB_BASE).toBe('https://huggingface.co');
    expect(resolveHubBase('', 'https://mirror.example/hf/', BASE)).toBe('https://mirror.example/hf');
    expect(resolveHubBase('?hub=https%3A%2F%2Fother.example', 'https://mirror.example', BASE)).toBe('https://other.example');
  });

  it('takes a local folder served with the app, relative to the page', () => {
    expect(resolveHubBase('?hub=hub/', null, BASE)).toBe('http://localhost:4173/app/hub');
    expect(resolveHubBase('?hub=/hub', null, BASE)).toBe('http://localhost:4173/hub');
  });

  it('ignores anything that is not http(s)', () => {
    expect(resolveHubBase('?hub=javascript:alert(1)', null, BASE)).toBe(DEFAULT_HUB_BASE);
    expect(resolveHubBase('?hub=file:///etc', 'data:text/plain,x', BASE)).toBe(DEFAULT_HUB_BASE);
  });
});

describe('registry', () => {
  const manifest = (id: string) => parseManifest(JSON.parse(readFileSync(new URL(`../../public/models/${id}/manifest.json`, import.meta.url), 'utf8')));

  it('lists the bundled pack and musicgen-small, with the names and sizes of their manifests', () => {
    expect(PACKS.map((p) => [p.id, p.bundled])).toEqual([['studio', true], ['musicgen-small', false]]);
    for (const p of PACKS) {
      const m = manifest(p.id);
      expect(m.id).toBe(p.id);
      expect(m.name).toBe(p.name);
      expect(p.approxBytes).toBe(approxDownloadBytes(m));
    }
    expect(findPack('nope')).toBeUndefined();
  });

  it('knows where each pack\'s manifest is', () => {
    expect(manifestUrlOf('musicgen-small', BASE)).toBe('http://localhost:4173/app/models/musicgen-small/manifest.json');
  });
});

describe('formatBytes', () => {
  it('writes sizes the way the pack picker shows them (decimal units)', () => {
    expect([0, 999, 52_000, 15_234_567, 99_949_999, 439_000_000, 2_281_003_305].map(formatBytes))
      .toEqual(['0 B', '999 B', '52 kB', '15.2 MB', '99.9 MB', '439 MB', '2.28 GB']);
    expect(formatBytes(Number.NaN)).toBe('? MB');
  });
});
