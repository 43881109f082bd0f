// Listening while generating: the store hands the engine's decoded windows to the live sink.
import { describe, expect, it } from 'vitest';
import { readyStore as readyStoreWith, waitFor, type FakeOptions } from './testing';
import type { LiveAudioSink } from './types';

function recorder(): { sink: LiveAudioSink; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    sink: {
      begin: () => calls.push('begin'),
      window: (w, eta) => calls.push(`window ${w.from}/${w.samples} ${w.pcm.length} @${w.sampleRate} eta ${eta}`),
      end: (how) => calls.push(`end ${how}`),
    },
  };
}

async function readyStore(o: FakeOptions = {}) {
  const live = recorder();
  const { store } = await readyStoreWith(o, { live: live.sink });
  return { store, calls: live.calls };
}

describe('listening while generating', () => {
  it('plays each take\'s windows in order as they are decoded, then lets it finish', async () => {
    const { store, calls } = await readyStore();
    const s = () => store.getState();
    expect(s().genSettings.listen).toBe(true);
    s().setGenSettings({ seconds: 2, seed: '3', variations: 2 });
    await s().generate();
    const take = ['begin', 'window 0/64000 32000 @32000 eta 1', 'window 32000/64000 32000 @32000 eta 1', 'end done'];
    expect(calls).toEqual([...take, ...take]);
  });

  it('leaves the sink alone when listening is off, also when the take is stopped or fails', async () => {
    const { store, calls } = await readyStore();
    store.getState().setGenSettings({ seconds: 1, seed: '3', listen: false });
    await store.getState().generate();
    expect(store.getState().takes).toHaveLength(1);
    const stopping = store.getState().generate();
    store.getState().stopGeneration();
    await stopping;
    const failing = await readyStore({ generateError: new Error('decoder lost') });
    failing.store.getState().setGenSettings({ seconds: 1, seed: '1', listen: false });
    await failing.store.getState().generate();
    expect(failing.store.getState().generation.error).toBeDefined();
    expect([...calls, ...failing.calls]).toEqual([]);
  });

  it('Stop silences it at once; a failed take too', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { store, calls } = await readyStore({ holdGenerate: hold });
    const s = () => store.getState();
    s().setGenSettings({ seconds: 2, seed: '1' });
    const done = s().generate();
    await waitFor(() => calls.length >= 3);
    s().stopGeneration();
    expect(calls.at(-1)).toBe('end stopped');
    release();
    await done;
    expect(calls.filter((c) => c === 'end done')).toEqual([]);

    const failing = await readyStore({ generateError: new Error('decoder lost') });
    failing.store.getState().setGenSettings({ seconds: 1, seed: '1' });
    await failing.store.getState().generate();
    expect(failing.calls.at(-1)).toBe('end stopped');
    expect(failing.store.getState().generation.error).toBeDefined();
  });
});
