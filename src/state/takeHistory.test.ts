import { describe, expect, it } from 'vitest';
import { createStudioStore } from './store';
import { encodeWav16 } from '../audio/wav';
import { fromStored, memoryTakeHistory, TAKE_HISTORY_LIMIT, takeNumberOf, toStored, type TakeHistory } from './takeHistory';
import type { Take } from './types';
import { fakeDecode, fakeEngine, waitFor } from './testing';

async function until(cond: () => Promise<boolean>, ms = 2000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function studio(history: TakeHistory) {
  const fake = fakeEngine();
  const store = createStudioStore(fake.engine, { decode: fakeDecode, promptDebounceMs: 20, takeHistory: history });
  await store.getState().initEngine();
  const s = () => store.getState();
  s().setGenSettings({ seconds: 1, seed: '9' });
  return { store, s };
}

describe('take history', () => {
  it('keeps takes across sessions: the next session shows them and numbers on after them', async () => {
    const history = memoryTakeHistory();
    const one = await studio(history);
    one.s().setPrompt('warm pad');
    await one.s().generate();
    await one.s().generate();
    await until(async () => (await history.ids()).length === 2);
    const before = one.s().takes;

    const two = await studio(history); // a reload
    await waitFor(() => two.s().takes.length === 2);
    expect(two.s().takes.map((t) => [t.id, t.number, t.seed, t.prompt, t.codesHash])).toEqual(
      before.map((t) => [t.id, t.number, t.seed, t.prompt, t.codesHash]));
    expect(encodeWav16(two.s().takes[0].result.pcm, 32000)).toEqual(encodeWav16(before[0].result.pcm, 32000)); // stored as 16-bit: the same WAV
    await two.s().generate();
    expect(two.s().takes.map((t) => t.number)).toEqual([3, 2, 1]);
    two.s().removeTake(two.s().takes[1].id);
    await until(async () => (await history.ids()).map(takeNumberOf).sort().join() === '1,3');
    expect(await two.s().restoreTakes()).toBe(0); // nothing twice
  });

  it('Remove all empties the list and the history', async () => {
    const history = memoryTakeHistory();
    const { s } = await studio(history);
    s().setGenSettings({ variations: 3 });
    await s().generate();
    await until(async () => (await history.ids()).length === 3);
    s().clearTakes();
    expect(s().takes).toEqual([]);
    expect(s().announcement.text).toBe('Removed all 3 takes.');
    await until(async () => (await history.ids()).length === 0);
  });

  it('two tabs on one storage keep both tabs\' takes; Remove all in one leaves the other\'s', async () => {
    const history = memoryTakeHistory();
    const a = await studio(history);
    const b = await studio(history); // opened beside it: both restored the same (no) takes
    await a.s().generate();
    await b.s().generate();
    expect([a.s().takes[0].number, b.s().takes[0].number]).toEqual([1, 1]);
    await until(async () => (await history.ids()).length === 2);
    b.s().clearTakes();
    await until(async () => (await history.ids()).length === 1);
    const c = await studio(history); // a reload
    await waitFor(() => c.s().takes.length === 1);
    expect(c.s().takes[0].id).toBe(a.s().takes[0].id);
    expect(takeNumberOf('take-12')).toBe(12); // ids saved before the suffix still read
    expect(takeNumberOf('take-12-k3x9q')).toBe(12);
  });

  it(`keeps the newest ${TAKE_HISTORY_LIMIT}`, async () => {
    const history = memoryTakeHistory();
    const { s } = await studio(history);
    s().setGenSettings({ variations: 4 });
    for (let i = 0; i < 8; i++) await s().generate();
    await until(async () => (await history.ids()).length === TAKE_HISTORY_LIMIT);
    const ids = (await history.ids()).map(takeNumberOf).sort((a, b) => a - b);
    expect(ids[0]).toBe(32 - TAKE_HISTORY_LIMIT + 1);
    expect(s().takes).toHaveLength(32); // the session keeps all of its own
  });

  it('a full storage keeps the take for the session and says why it is not saved', async () => {
    const full: TakeHistory = {
      ...memoryTakeHistory(),
      put: async () => { throw new DOMException('quota', 'QuotaExceededError'); },
    };
    const { s } = await studio(full);
    await s().generate();
    expect(s().takes).toHaveLength(1);
    await waitFor(() => s().historyProblem !== null);
    expect(s().historyProblem).toMatch(/storage is full/);
    full.put = memoryTakeHistory().put; // space freed
    await s().generate();
    await waitFor(() => s().historyProblem === null);
  });

  it('a blocked storage at start leaves an empty list, not a failure', async () => {
    const blocked: TakeHistory = { ...memoryTakeHistory(), list: async () => { throw new DOMException('no', 'SecurityError'); } };
    const { s } = await studio(blocked);
    expect(await s().restoreTakes()).toBe(0);
    expect(s().takes).toEqual([]);
  });

  it('stores a take\'s audio as 16-bit PCM: half the bytes, the same WAV download, older float32 takes read as they are', async () => {
    const { s } = await studio(memoryTakeHistory());
    await s().generate();
    await waitFor(() => s().takes.length === 1);
    const take: Take = { ...s().takes[0], result: { ...s().takes[0].result, pcm: Float32Array.from({ length: 3200 }, (_, i) => 0.9 * Math.sin(i / 7) + (i === 5 ? 2 : 0)) } };
    const stored = toStored(take);
    expect(stored.result.pcm).toBeInstanceOf(Int16Array);
    expect(stored.result.pcm.byteLength).toBe(take.result.pcm.byteLength / 2);
    const back = fromStored(stored);
    expect(back.result.pcm).toBeInstanceOf(Float32Array);
    expect(encodeWav16(back.result.pcm, 32000)).toEqual(encodeWav16(take.result.pcm, 32000));
    expect({ ...back, result: { ...back.result, pcm: null } }).toEqual({ ...take, result: { ...take.result, pcm: null } });
    expect(fromStored(take)).toBe(take); // saved before 16-bit storage
  });
});
