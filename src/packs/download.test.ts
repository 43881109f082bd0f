import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../lm/safetensors';
import { mulberry32 } from '../util/rng';
import { cacheKeyOf, downloadFiles, planDownload, runDownload, type DownloadOptions, type DownloadProgress, type DownloadSpec } from './download';
import type { PackFile } from './manifest';
import { memoryBlobStore, PackCache } from './packCache';
import { fakeServer, type FakeServerOptions } from './testServer';

const HOST = 'http://hub.test';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const noSleep = async () => {};
const PART = 4096;

function random(n: number, seed: number): Uint8Array {
  const r = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

function weights(): Uint8Array {
  const r = mulberry32(9);
  const t = (shape: number[]): NamedTensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() - 0.5) });
  const m = new Map<string, NamedTensor>();
  m.set('audio_encoder.codebook', t([512, 8]));
  for (let i = 0; i < 6; i++) m.set(`decoder.layers.${i}.w`, t([64, 16]));
  m.set('enc_to_dec_proj.weight', t([16, 8]));
  m.set('text_encoder.shared.weight', t([300, 16]));
  return writeSafetensors(m);
}

const FILES = {
  graph: random(10 * PART + 123, 1), // 11 parts, the last one short
  tokenizer: random(777, 2),
  weights: weights(),
};
const PATHS = { graph: '/org/a/resolve/main/onnx/graph.onnx', tokenizer: '/org/a/resolve/main/tokenizer.json', weights: '/org/b/resolve/main/model.safetensors' };

/** Specs for the three files; `exact`: sizes and hashes in the manifest (else the server is asked). */
function specs(exact = true): DownloadSpec[] {
  const file = (role: keyof typeof FILES, extra: Partial<PackFile> = {}): DownloadSpec => ({
    role, url: HOST + PATHS[role], cacheKey: cacheKeyOf({ id: 'p', version: '1' }, role),
    file: { path: PATHS[role].split('/').pop()!, ...(exact ? { bytes: FILES[role].length, sha256: sha(FILES[role]) } : {}), ...extra },
  });
  return [file('graph'), file('tokenizer'), { ...file('weights'), file: { path: 'model.safetensors', tensors: ['decoder.', 'enc_to_dec_proj.'] } }];
}

function world(server: FakeServerOptions = {}, store = memoryBlobStore()) {
  const files = new Map(Object.entries(PATHS).map(([k, p]) => [p, FILES[k as keyof typeof FILES]]));
  const srv = fakeServer(files, { chunk: 1000, ...server });
  const notices: StudioError[] = [];
  const progress: DownloadProgress[] = [];
  const cache = new PackCache(store, (e) => notices.push(e));
  const opts = (over: Partial<DownloadOptions> = {}): DownloadOptions => ({
    fetch: srv.fetch, cache, partBytes: PART, sleep: noSleep, onNotice: (e) => notices.push(e), onProgress: (p) => progress.push(p), ...over,
  });
  return { srv, store, cache, notices, progress, opts };
}

const wantedWeights = () => {
  const all = readSafetensors(FILES.weights).tensors;
  return new Map([...all].filter(([n]) => n.startsWith('decoder.') || n.startsWith('enc_to_dec_proj.')));
};

function expectAll(got: Awaited<ReturnType<typeof downloadFiles>>) {
  expect(got.files.get('graph')).toEqual(FILES.graph);
  expect(got.files.get('tokenizer')).toEqual(FILES.tokenizer);
  expect(got.tensors.get('weights')).toEqual(wantedWeights());
}

function expectSaneProgress(progress: DownloadProgress[], total: number) {
  expect(progress.length).toBeGreaterThan(2);
  expect(progress.every((p) => p.total === total)).toBe(true);
  const loaded = progress.map((p) => p.loaded);
  expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
  expect(progress.at(-1)).toMatchObject({ loaded: total, percent: 100 });
  expect(progress.at(-1)!.files.every((f) => f.done && f.loaded === f.total)).toBe(true);
}

describe('download manager', () => {
  it('knows the exact total before it starts, then reports per-file and total progress', async () => {
    const w = world();
    const plan = await planDownload(specs(), w.opts());
    const wantedBytes = [...wantedWeights().values()].reduce((s, t) => s + 4 * t.data.length, 0);
    expect(plan.total).toBe(FILES.graph.length + FILES.tokenizer.length + wantedBytes);
    expect(plan.cachedBytes).toBe(0);
    expect(w.srv.log.map((l) => l.path)).toEqual([PATHS.weights, PATHS.weights]); // planning read only the safetensors header
    expectAll(await runDownload(plan, w.opts()));
    expectSaneProgress(w.progress, plan.total);
    expect(w.progress[0].files.map((f) => [f.role, f.total])).toEqual([['graph', FILES.graph.length], ['tokenizer', FILES.tokenizer.length], ['weights', wantedBytes]]);
    expect(w.notices).toEqual([]);
  });

  it('asks the server for sizes the manifest does not give (HEAD, else a Range probe)', async () => {
    for (const noHead of [false, true]) {
      const w = world({ noHead });
      const plan = await planDownload(specs(false), w.opts());
      expect(plan.items.map((i) => i.size).slice(0, 2)).toEqual([FILES.graph.length, FILES.tokenizer.length]);
      expect(w.srv.log[0]).toMatchObject(noHead ? { method: 'HEAD', status: 405 } : { method: 'HEAD' });
      expectAll(await runDownload(plan, w.opts()));
    }
  });

  it('serves a second load from the cache without touching the network, even offline', async () => {
    const w = world();
    await downloadFiles(specs(), w.opts());
    for (const exact of [true, false]) {
      const offline = w.opts({ fetch: async () => { throw new TypeError('offline'); } });
      const progress: DownloadProgress[] = [];
      const plan = await planDownload(specs(exact), { ...offline, onProgress: (p) => progress.push(p) });
      expect(plan.cachedBytes).toBe(plan.total);
      expectAll(await runDownload(plan, { ...offline, onProgress: (p) => progress.push(p) }));
      expectSaneProgress(progress, plan.total);
      expect(progress.at(-1)!.files.every((f) => f.fromCache === f.total)).toBe(true);
    }
    expect(w.notices).toEqual([]);
  });

  it('detects a damaged cached part and a damaged cached tensor, and fetches just those again', async () => {
    const w = world();
    await downloadFiles(specs(), w.opts());
    const before = w.srv.log.length;
    w.store.entries.get('p/1/graph/part/7')![10] ^= 0xff;
    w.store.entries.get('p/1/weights/tensor/decoder.layers.3.w')![10] ^= 0xff;
    expectAll(await downloadFiles(specs(), w.opts()));
    expect(w.notices.map((n) => [n.code, n.detail])).toEqual([
      ['CACHE_CORRUPT', 'graph.onnx'], ['CACHE_CORRUPT', 'model.safetensors: decoder.layers.3.w'],
    ]);
    const again = w.srv.log.slice(before).filter((l) => l.method === 'GET');
    expect(again.map((l) => [l.path, l.range])).toEqual([
      [PATHS.graph, `bytes=${7 * PART}-`],
      [PATHS.weights, expect.stringMatching(/^bytes=\d+-\d+$/)],
    ]);
    expect(again[0].sent).toBe(FILES.graph.length - 7 * PART);
    expect(again[1].sent).toBe(4 * 64 * 16);
  });

  it('resumes a broken connection with a Range request from the byte where it stopped', async () => {
    const w = world({ breakBody: { path: /graph/, afterBytes: 15_000, times: 2 } });
    expectAll(await downloadFiles(specs(), w.opts()));
    const graph = w.srv.log.filter((l) => l.path === PATHS.graph);
    expect(graph.map((l) => l.range)).toEqual([null, 'bytes=15000-', 'bytes=30000-']);
    expect(graph.reduce((s, l) => s + l.sent, 0)).toBe(FILES.graph.length);
  });

  it.each([
    ['the platform\'s AbortError', undefined, { name: 'AbortError' }],
    ['the engine host\'s CANCELLED', new StudioError('CANCELLED'), { code: 'CANCELLED' }],
  ])('continues a download cancelled with %s on the next visit, from the bytes already cached', async (_, reason, rejection) => {
    const store = memoryBlobStore();
    const ctl = new AbortController();
    const w1 = world({}, store);
    const first = downloadFiles(specs(), w1.opts({ signal: ctl.signal, onProgress: (p) => { if (p.files[0].loaded > 5.5 * PART) ctl.abort(reason); } }));
    await expect(first).rejects.toMatchObject(rejection);
    const got = w1.srv.sent(/graph/);
    expect(got).toBeLessThan(FILES.graph.length);

    const w2 = world({}, store); // a fresh page: same cache, new server log
    const plan = await planDownload(specs(), w2.opts());
    expect(plan.cachedBytes).toBe(got); // the incomplete last part was kept too
    expectAll(await runDownload(plan, w2.opts()));
    expect(w2.srv.log.find((l) => l.path === PATHS.graph)?.range).toBe(`bytes=${got}-`);
    expect(w1.srv.sent(/graph/) + w2.srv.sent(/graph/)).toBe(FILES.graph.length); // no byte twice
    expect(w2.progress[0].loaded).toBe(0);
    expectSaneProgress(w2.progress, plan.total);
  });

  it('gives up after the retries with DOWNLOAD_INTERRUPTED, keeping the bytes for a later resume', async () => {
    const store = memoryBlobStore();
    const w = world({ breakBody: { path: /graph/, afterBytes: 9000, times: 3 } }, store);
    await expect(downloadFiles(specs(), w.opts({ retries: 2 }))).rejects.toMatchObject({
      code: 'DOWNLOAD_INTERRUPTED', detail: expect.stringMatching(/^graph\.onnx: 27000 of 41083 bytes/),
    });
    const w2 = world({}, store);
    expectAll(await downloadFiles(specs(), w2.opts()));
    expect(w2.srv.log.find((l) => l.path === PATHS.graph)?.range).toBe('bytes=27000-');
  });

  it('restarts from the beginning when the server ignores Range on a resume, and says so', async () => {
    const w = world({ ignoreRange: true, breakBody: { path: /graph/, afterBytes: 15_000, times: 1 } });
    expectAll(await downloadFiles(specs(), w.opts()));
    expect(w.notices.map((n) => n.code)).toEqual(['RANGE_UNSUPPORTED', 'RANGE_UNSUPPORTED']); // the graph, then the weights
    expect(w.notices[0].detail).toMatch(/graph\.onnx: restarting from the beginning/);
  });

  it('refuses a file whose bytes differ from the manifest and forgets it', async () => {
    const w = world({ corrupt: { path: /graph/ } });
    await expect(downloadFiles(specs(), w.opts())).rejects.toMatchObject({ code: 'MODEL_INTEGRITY', detail: expect.stringMatching(/graph\.onnx has SHA-256/) });
    expect([...w.store.entries.keys()].filter((k) => k.startsWith('p/1/graph/'))).toEqual([]);
    const w2 = world({}, w.store);
    expectAll(await downloadFiles(specs(), w2.opts()));
  });

  it('runs from memory when the storage is full, and says so once', async () => {
    const w = world({}, memoryBlobStore({ quotaBytes: 5 * PART }));
    expectAll(await downloadFiles(specs(), w.opts()));
    expect(w.notices.map((n) => n.code)).toEqual(['STORAGE_FULL']);
    expect(w.cache.writable).toBe(false);
  });

  it('works with no cache at all', async () => {
    const w = world();
    expectAll(await downloadFiles(specs(false), w.opts({ cache: null })));
  });

  it('forgets the partly cached tensors of a file that changed on the server meanwhile', async () => {
    const w = world({ chunk: 256 });
    const ctl = new AbortController();
    const spec = specs().filter((x) => x.role === 'weights');
    await expect(downloadFiles(spec, w.opts({ signal: ctl.signal, onProgress: (p) => { if (p.loaded > 9000) ctl.abort(); } })))
      .rejects.toMatchObject({ name: 'AbortError' });
    expect((await planDownload(spec, w.opts())).cachedBytes).toBeGreaterThan(0);
    const tensors = readSafetensors(FILES.weights).tensors;
    const changed = writeSafetensors(tensors, { revision: 'new' }); // another header, other offsets
    const srv = fakeServer(new Map([[PATHS.weights, changed]]));
    const plan = await planDownload(spec, w.opts({ fetch: srv.fetch }));
    expect(plan.cachedBytes).toBe(0);
    const got = await runDownload(plan, w.opts({ fetch: srv.fetch }));
    expect(got.tensors.get('weights')).toEqual(wantedWeights());
  });

  it('lets the caller refuse a tensor file from its header, before any tensor is fetched', async () => {
    const w = world();
    const s = specs().map((x) => (x.role === 'weights' ? { ...x, select: () => { throw new Error('wrong model'); } } : x));
    await expect(planDownload(s, w.opts())).rejects.toThrow('wrong model');
    expect(w.srv.log.every((l) => l.path !== PATHS.weights || /^bytes=(0-7|8-\d+)$/.test(l.range ?? ''))).toBe(true);
  });

  it('clears a pack from the cache, reporting the bytes freed', async () => {
    const w = world();
    await downloadFiles(specs(), w.opts());
    const used = await w.cache.usage('p/1/');
    expect(used).toBeGreaterThan(FILES.graph.length);
    expect(await w.cache.clear('p/1/')).toBe(used);
    expect(await w.cache.usage()).toBe(0);
  });
});
