import { describe, expect, it } from 'vitest';
import type { StudioError } from '../errors/StudioError';
import { memoryBlobStore, PackCache, type BlobStore } from './packCache';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

function setup(store = memoryBlobStore()) {
  const notices: StudioError[] = [];
  return { store, notices, cache: new PackCache(store, (e) => notices.push(e)) };
}

describe('PackCache', () => {
  it('stores pieces with their hash and returns them verified', async () => {
    const { cache, notices } = setup();
    expect(await cache.putPiece('p/a', bytes(1000), { shape: [10, 100] })).toBe(true);
    const got = await cache.getPiece('p/a');
    expect(got?.bytes).toEqual(bytes(1000));
    expect(got?.meta).toMatchObject({ bytes: 1000, shape: [10, 100], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await cache.getPiece('p/missing')).toBeNull();
    expect(notices).toEqual([]);
  });

  it('detects a damaged piece, deletes it and says so', async () => {
    const { cache, notices, store } = setup();
    await cache.putPiece('p/a', bytes(1000));
    store.entries.get('p/a')![500] ^= 1;
    expect(await cache.getPiece('p/a', 'encodec_decode.onnx')).toBeNull();
    expect(notices.map((n) => [n.code, n.detail])).toEqual([['CACHE_CORRUPT', 'encodec_decode.onnx']]);
    expect(await store.size('p/a')).toBeNull();
    await cache.putPiece('p/b', bytes(10));
    store.entries.set('p/b', bytes(9)); // truncated
    expect(await cache.getPiece('p/b')).toBeNull();
  });

  it('reports a full disk once as STORAGE_FULL and stops writing', async () => {
    const { cache, notices } = setup(memoryBlobStore({ quotaBytes: 2500 }));
    expect(await cache.putPiece('p/0', bytes(1000))).toBe(true);
    expect(await cache.putPiece('p/1', bytes(1000))).toBe(true);
    expect(await cache.putPiece('p/2', bytes(1000))).toBe(false);
    expect(await cache.putPiece('p/3', bytes(10))).toBe(false);
    expect(await cache.putJson('p/meta', { a: 1 })).toBe(false);
    expect(cache.writable).toBe(false);
    expect(notices.map((n) => n.code)).toEqual(['STORAGE_FULL']);
    expect(notices[0].message).toMatch(/storage is full.*runs from memory/);
    expect(await cache.getPiece('p/2')).toBeNull(); // nothing half-written is trusted
  });

  it('verifies each write by reading the size back', async () => {
    const inner = memoryBlobStore();
    const lossy: BlobStore = { ...inner, put: (k, b) => inner.put(k, b.subarray(0, Math.max(0, b.length - 1))) };
    const { cache, notices } = setup(lossy as ReturnType<typeof memoryBlobStore>);
    expect(await cache.putPiece('p/a', bytes(100))).toBe(false);
    expect(notices[0]).toMatchObject({ code: 'STORAGE_FULL' });
    expect(await inner.size('p/a')).toBeNull();
  });

  it('reports its size and frees it on clear, per pack or all', async () => {
    const { cache } = setup();
    await cache.putPiece('a/1/x', bytes(1000));
    await cache.putPiece('b/1/y', bytes(3000));
    await cache.putJson('b/1/file.json', { ok: true });
    const all = await cache.usage();
    const b = await cache.usage('b/');
    expect(b).toBeGreaterThan(3000);
    expect(all).toBeGreaterThan(b + 1000);
    expect(await cache.clear('b/')).toBe(b);
    expect(await cache.usage()).toBe(all - b);
    expect(await cache.clear()).toBe(all - b);
    expect(await cache.usage()).toBe(0);
  });
});
