import { describe, expect, it } from 'vitest';
import type { BackendChoice } from '../runtime/backend';
import { StudioError } from '../errors/StudioError';
import { resolveInitialBackend, searchWithBackend } from './backendPref';
import { canRetry } from './errors';
import { createRestartingEngine } from './restartingEngine';
import { createStudioStore } from './store';
import { fakeDecode, fakeEngine, file, waitFor } from './testing';

describe('createStudioStore: clips', () => {
  it('processes good and bad files independently; failures keep their code, good clips their data', async () => {
    const fake = fakeEngine();
    const store = createStudioStore(fake.engine, { decode: fakeDecode, manifestUrl: 'http://x/manifest.json' });
    await store.getState().initEngine();
    await store.getState().addFiles([
      file('drums.mp3'), file('bad.ogg'), file('empty.wav', 0), file('silent.wav'), file('bass.flac'),
    ]);
    const clips = store.getState().clips;
    expect(clips.map((c) => [c.name, c.status, c.error?.code])).toEqual([
      ['drums.mp3', 'ready', undefined],
      ['bad.ogg', 'error', 'FILE_NOT_AUDIO'],
      ['empty.wav', 'error', 'FILE_EMPTY'],
      ['silent.wav', 'error', 'AUDIO_SILENT'],
      ['bass.flac', 'ready', undefined],
    ]);
    expect(clips[1].error?.message).toContain('bad.ogg');
    const drums = clips[0];
    expect(drums).toMatchObject({ sourceRate: 44100, sourceChannels: 2, durationSec: 1, container: 'MP3' });
    expect(drums.progress).toBeUndefined();
    expect(drums.original?.sampleRate).toBe(44100);
    expect(drums.original?.pcm[0]).toBeCloseTo(0.125);
    expect(drums.result).toMatchObject({ k: 4, t: 50, sampleRate: 32000 });
    expect(clips[4].result?.t).toBe(50);
    // Only decoded files reach the engine, one at a time, as their kept mono audio (a copy, transferred).
    expect(fake.tokenizes.map((c) => c.args.name)).toEqual(['drums.mp3', 'silent.wav', 'bass.flac']);
    expect(fake.maxActive()).toBe(1);
    const first = fake.tokenizes[0];
    expect(first.args.channels).toHaveLength(1);
    expect(first.args.channels[0][0]).toBeCloseTo(0.125);
    expect(first.opts?.transfer).toEqual([first.args.channels[0].buffer]);
    expect(first.args.channels[0].buffer).not.toBe(drums.original?.pcm.buffer);
    // Then one line for the batch, so no failure is lost among the per-file messages; Show goes to the first.
    expect(store.getState().announcement.text).toBe(`5 files: 2 ready, 3 not loaded (bad.ogg: ${clips[1].error?.message}; 2 more).`);
    expect(store.getState().announcement.show).toEqual({ kind: 'clip', id: clips[1].id });
  });

  it('removes a finished clip, and cancels one that is still tokenizing', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const fake = fakeEngine({ hold });
    const store = createStudioStore(fake.engine, { decode: fakeDecode });
    const done = store.getState().addFiles([file('a.wav'), file('b.wav')]);
    await waitFor(() => fake.tokenizes.length === 1);
    const [a, b] = store.getState().clips;
    expect(a.status).toBe('tokenizing');
    expect(a.progress?.value).toBeCloseTo(0.4);
    store.getState().removeClip(a.id);
    expect(fake.tokenizes[0].opts?.signal?.aborted).toBe(true);
    release();
    await done;
    expect(store.getState().clips.map((c) => [c.id, c.status])).toEqual([[b.id, 'ready']]);
    store.getState().removeClip(b.id);
    expect(store.getState().clips).toEqual([]);
    store.getState().removeClip('nope');
  });

  it('a lost GPU mid-tokenize: the pack reloads on WASM and the clip is tokenized there, from its kept audio', async () => {
    const fake = fakeEngine({ tokenizeErrors: [new StudioError('GPU_DEVICE_LOST', 'Device was lost')] });
    const store = createStudioStore(fake.engine, { decode: fakeDecode, initialBackend: 'webgpu' });
    await store.getState().initEngine();
    await store.getState().addFiles([file('drums.mp3')]);
    const [clip] = store.getState().clips;
    expect([clip.status, clip.error]).toEqual(['ready', undefined]);
    expect(fake.inits.map((a) => a.backend)).toEqual(['webgpu', 'wasm']);
    expect(store.getState().backend).toBe('wasm');
    expect(fake.tokenizes).toHaveLength(2);
    expect(fake.tokenizes[1].args.channels).toEqual([clip.original!.pcm]); // the first try's stereo buffers were transferred
  });

  it('a clip the engine failed on (not its file) can be tokenized again; a file error or a ready clip cannot', async () => {
    const fake = fakeEngine({ tokenizeErrors: [new StudioError('ENGINE_CRASHED', 'worker stopped')] });
    const store = createStudioStore(fake.engine, { decode: fakeDecode });
    await store.getState().addFiles([file('a.wav'), file('bad.ogg')]);
    const [a, bad] = store.getState().clips;
    expect([a.status, a.error?.code, bad.error?.code]).toEqual(['error', 'ENGINE_CRASHED', 'FILE_NOT_AUDIO']);
    expect([canRetry(a.error!), canRetry(bad.error!)]).toEqual([true, false]);
    await store.getState().retryClip(a.id);
    expect(store.getState().clips[0]).toMatchObject({ status: 'ready', result: { k: 4, t: 50 } });
    await store.getState().retryClip(a.id);
    await store.getState().retryClip(bad.id);
    expect(fake.tokenizes).toHaveLength(2);
    expect(store.getState().clips[1].status).toBe('error');
  });

  it('starts the engine on demand and gives queued clips the init error', async () => {
    const fake = fakeEngine({ failInit: true });
    const store = createStudioStore(fake.engine, { decode: fakeDecode });
    await store.getState().addFiles([file('a.wav')]);
    expect(fake.inits).toHaveLength(1);
    expect(store.getState().engine).toMatchObject({ status: 'error', error: { code: 'MODEL_FETCH_FAILED' } });
    expect(store.getState().clips[0]).toMatchObject({ status: 'error', error: { code: 'MODEL_FETCH_FAILED' } });
    expect(fake.tokenizes).toHaveLength(0);
  });
});

describe('createStudioStore: engine and backend', () => {
  it('inits with the initial choice and re-inits when the backend changes', async () => {
    const fake = fakeEngine();
    const changes: BackendChoice[] = [];
    const store = createStudioStore(fake.engine, {
      decode: fakeDecode, manifestUrl: 'http://x/m.json', initialBackend: 'cpu', onBackendChange: (c) => changes.push(c),
    });
    expect(store.getState().engine.status).toBe('loading');
    await store.getState().initEngine();
    expect(store.getState().engine).toMatchObject({ status: 'ready', info: { backend: 'cpu' } });
    await store.getState().setBackend('wasm');
    expect(fake.inits).toEqual([
      { manifestUrl: 'http://x/m.json', backend: 'cpu' },
      { manifestUrl: 'http://x/m.json', backend: 'wasm' },
    ]);
    expect(changes).toEqual(['wasm']);
    expect(store.getState().backend).toBe('wasm');
    expect(store.getState().engine.info?.backendReason).toBe('picked wasm');
  });

  it('resolves the initial backend from the query, then storage, then auto', () => {
    expect(resolveInitialBackend('?backend=cpu', 'wasm')).toBe('cpu');
    expect(resolveInitialBackend('?backend=bogus', 'wasm')).toBe('wasm');
    expect(resolveInitialBackend('', 'nonsense')).toBe('auto');
    expect(resolveInitialBackend('', null)).toBe('auto');
    expect(searchWithBackend('?pack=tiny', 'webgpu')).toBe('?pack=tiny&backend=webgpu');
    expect(searchWithBackend('?backend=cpu', 'auto')).toBe('');
  });
});

describe('createRestartingEngine', () => {
  it('starts a fresh client after a crash, and the store re-inits a ready engine', async () => {
    const spawned: { fake: ReturnType<typeof fakeEngine>; crash: () => void }[] = [];
    let crashes = 0;
    const engine = createRestartingEngine(
      (onCrash) => {
        const fake = fakeEngine();
        spawned.push({ fake, crash: onCrash });
        return fake.engine;
      },
      () => {
        crashes++;
        store.getState().onEngineCrash();
      },
    );
    const store = createStudioStore(engine, { decode: fakeDecode });
    expect(spawned).toHaveLength(0); // lazily, on the first call
    await store.getState().initEngine();
    expect(spawned).toHaveLength(1);
    spawned[0].crash();
    spawned[0].crash(); // a second report from the same dead client is ignored
    expect(crashes).toBe(1);
    expect(store.getState().engine.status).toBe('loading');
    await store.getState().addFiles([file('a.wav')]);
    expect(spawned).toHaveLength(2);
    expect(spawned[1].fake.inits).toHaveLength(1);
    expect(spawned[1].fake.tokenizes).toHaveLength(1);
    expect(store.getState().clips[0].status).toBe('ready');
  });

  it('does not restart in a loop when the engine crashes while loading', async () => {
    const fake = fakeEngine({ failInit: true });
    const store = createStudioStore(fake.engine, { decode: fakeDecode });
    const loading = store.getState().initEngine();
    store.getState().onEngineCrash();
    await loading;
    expect(fake.inits).toHaveLength(1);
    expect(store.getState().engine.status).toBe('error');
  });
});
