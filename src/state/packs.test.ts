import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import type { PackPlan } from '../workers/protocol';
import { resolveInitialPack, searchWithPack } from './packPref';
import { planDownloadBytes } from './packsSlice';
import { createStudioStore } from './store';
import { fakeDecode, fakeEngine, file, waitFor, type FakeOptions } from './testing';

const url = (id: string) => `http://app/models/${id}/manifest.json`;
const HUB = 'http://app/hub';

const plan = (id: string, name: string, total: number, cachedBytes = 0): PackPlan => ({
  packId: id, packName: name, total, cachedBytes,
  files: [{ path: 'onnx/encodec_encoder.onnx', bytes: total / 2, cachedBytes: Math.min(cachedBytes, total / 2) },
    { path: 'model.safetensors', bytes: total / 2, cachedBytes: Math.max(0, cachedBytes - total / 2) }],
});
const PLANS = {
  [url('studio')]: plan('studio', 'Studio (bundled)', 18e6, 18e6),
  [url('musicgen-small')]: plan('musicgen-small', 'MusicGen small (pretrained, Meta)', 2_281_000_000),
};

function setup(o: FakeOptions = {}) {
  const fake = fakeEngine({ plans: PLANS, ...o });
  const changes: string[] = [];
  const store = createStudioStore(fake.engine, {
    decode: fakeDecode, manifestUrlOf: url, hubBase: HUB, onPackChange: (id) => changes.push(id),
  });
  const said: string[] = [];
  store.subscribe((s, prev) => {
    if (s.announcement !== prev.announcement) said.push(s.announcement.text);
  });
  return { fake, store, changes, said, s: () => store.getState() };
}

describe('pack preference', () => {
  it('takes ?pack= first, then the stored choice, then the bundled pack; ignores what is not a folder name', () => {
    expect(resolveInitialPack('', null)).toBe('studio');
    expect(resolveInitialPack('', 'musicgen-small')).toBe('musicgen-small');
    expect(resolveInitialPack('?pack=musicgen-small-tiny', 'musicgen-small')).toBe('musicgen-small-tiny');
    expect(resolveInitialPack('?pack=../etc', '..')).toBe('studio');
    expect(searchWithPack('?hub=%2Fhub', 'musicgen-small')).toBe('?hub=%2Fhub&pack=musicgen-small');
    expect(searchWithPack('?pack=musicgen-small&backend=wasm', 'studio')).toBe('?backend=wasm');
  });
});

describe('packs slice', () => {
  it('starts on the bundled pack without asking or planning', async () => {
    const { fake, s } = setup();
    await s().openPack('studio');
    expect(fake.planned).toEqual([]);
    expect(fake.inits).toEqual([{ manifestUrl: url('studio'), backend: 'auto', hubBase: HUB }]);
    expect(s().engine.info?.packName).toBe('Studio (bundled)');
    expect(s().pack).toMatchObject({ current: 'studio', switching: null });
  });

  it('asks before a download, showing its exact size, and switches on yes with progress announced in quarters', async () => {
    const { fake, s, changes, said } = setup({ cacheBytes: 18e6 });
    await s().openPack('studio');
    await s().choosePack('musicgen-small');
    // Checked while the bundled pack keeps running: nothing loaded, nothing downloaded yet.
    expect(fake.planned).toEqual([url('musicgen-small')]);
    expect(fake.inits).toHaveLength(1);
    expect(s().engine.status).toBe('ready');
    const sw = s().pack.switching;
    expect(sw).toMatchObject({ packId: 'musicgen-small', phase: 'confirm' });
    expect(sw?.phase === 'confirm' && planDownloadBytes(sw.plan)).toBe(2_281_000_000);
    expect(said.at(-1)).toBe('MusicGen small (pretrained, Meta) needs a download of 2.28 GB. Confirm to start it, or cancel.');

    await s().confirmPackSwitch();
    expect(fake.inits.at(-1)).toEqual({ manifestUrl: url('musicgen-small'), backend: 'auto', hubBase: HUB });
    expect(s().pack).toMatchObject({ current: 'musicgen-small', switching: null, error: undefined });
    expect(s().engine.info?.packId).toBe('musicgen-small');
    expect(changes).toEqual(['musicgen-small']);
    expect(said.at(-1)).toBe('MusicGen small (pretrained, Meta) is ready on WASM.');
    await waitFor(() => s().pack.cacheBytes === 18e6 + 2_281_000_000);
  });

  it('switches without asking when the cache already holds everything', async () => {
    const { fake, s } = setup({ plans: { ...PLANS, [url('musicgen-small')]: plan('musicgen-small', 'MusicGen small', 100, 100) } });
    await s().openPack('musicgen-small');
    // At start: checked first, then loaded directly (the bundled pack is not loaded on the way).
    expect(fake.inits.map((i) => i.manifestUrl)).toEqual([url('musicgen-small')]);
    expect(s().pack).toMatchObject({ current: 'musicgen-small', switching: null });
  });

  it('on another pack, clips are tokenized again from their audio, the prompt is counted again and a continuation keeps its source', async () => {
    const { fake, s } = setup({ plans: { ...PLANS, [url('musicgen-small')]: plan('musicgen-small', 'MusicGen small', 100, 100) } });
    await s().openPack('studio');
    await s().addFiles([file('riff.wav')]);
    const clip = s().clips[0];
    const before = clip.result!;
    s().continueFrom(clip.id, 0.5);
    s().setPrompt('warm pad');
    await waitFor(() => fake.promptInfos.length === 1);
    await s().generate();
    expect(s().takes[0].packId).toBe('studio'); // a take knows which pack's codes it holds

    await s().choosePack('musicgen-small');
    await waitFor(() => s().clips[0].status === 'ready' && s().clips[0].result !== before);
    expect(fake.tokenizes.map((t) => t.args.name)).toEqual(['riff.wav', 'riff.wav']);
    expect(fake.tokenizes[1].args.channels[0].length).toBe(48000); // the kept mono audio, at its own rate
    await waitFor(() => fake.promptInfos.length === 2);
    expect(s().genSettings.continueFrom).toEqual({ sourceId: clip.id, startSec: 0.5 });
    expect(s().genSettings.seconds).toBeGreaterThan(0.5); // the new pack's length still leaves room after it

    // The studio take's codes mean nothing to this pack: continuing it tokenizes its audio first.
    s().continueFrom(s().takes[0].id, 0.5);
    await s().generate();
    expect(fake.tokenizes.map((t) => t.args.name)).toEqual(['riff.wav', 'riff.wav', 'Take 1: warm pad']);
    expect(fake.generates[1].args.continuation!.t).toBe(25);
    expect(s().takes[0].packId).toBe('musicgen-small');
    s().continueFrom(s().takes[0].id, 0.5); // a take of this pack is used as it is
    await s().generate();
    expect(fake.tokenizes).toHaveLength(3);
  });

  it('at start, runs the bundled pack while asking about a pack that needs a download', async () => {
    const { fake, s } = setup();
    await s().openPack('musicgen-small');
    expect(fake.inits.map((i) => i.manifestUrl)).toEqual([url('studio')]);
    expect(s().pack.switching?.phase).toBe('confirm');
    expect(s().engine.status).toBe('ready');
    s().cancelPackSwitch();
    expect(s().pack).toMatchObject({ current: 'studio', switching: null });
    await s().confirmPackSwitch(); // nothing to confirm any more
    expect(fake.inits).toHaveLength(1);
  });

  it('keeps a pack named only by the URL in the list, under its manifest name, after the user says no', async () => {
    const tiny = plan('musicgen-small-tiny', 'MusicGen small (tiny test double)', 15e6);
    const { s } = setup({ plans: { ...PLANS, [url('musicgen-small-tiny')]: tiny } });
    await s().openPack('musicgen-small-tiny');
    s().cancelPackSwitch();
    expect(s().pack.others).toEqual([{ id: 'musicgen-small-tiny', name: 'MusicGen small (tiny test double)' }]);
    await s().choosePack('musicgen-small-tiny');
    expect(s().pack.switching).toMatchObject({ phase: 'confirm', packId: 'musicgen-small-tiny' });
    await s().choosePack('studio'); // changing one's mind before answering
    expect(s().pack).toMatchObject({ current: 'studio', switching: null });
  });

  it('Cancel during the download aborts it and loads the previous pack again', async () => {
    let release!: () => void;
    const { fake, s, changes, said } = setup({ holdInitFor: /musicgen-small/, holdInit: new Promise<void>((r) => (release = r)) });
    await s().openPack('studio');
    await s().choosePack('musicgen-small');
    const done = s().confirmPackSwitch();
    await waitFor(() => s().engine.progress?.download?.loaded === 1_140_500_000);
    expect(s().pack.switching).toMatchObject({ phase: 'loading', packId: 'musicgen-small' });
    expect(said).toContain('Downloading onnx/encodec_encoder.onnx, 50%');
    s().cancelPackSwitch();
    await done;
    release();
    expect(fake.inits.map((i) => i.manifestUrl)).toEqual([url('studio'), url('musicgen-small'), url('studio')]);
    expect(s().pack).toMatchObject({ current: 'studio', switching: null, error: undefined });
    expect(s().engine).toMatchObject({ status: 'ready', info: { packId: 'studio' } });
    expect(changes).toEqual([]);
    expect(said).toContain('Download of MusicGen small (pretrained, Meta) cancelled; what arrived is kept, so the next try resumes. Back on Studio (bundled).');
  });

  it('a wrong manifest is refused at the check: the error is kept, the running pack is untouched', async () => {
    const wrong = new StudioError('WEIGHTS_MISMATCH', 'the checkpoint has 2 decoder layers, the manifest\'s config has 24');
    const { fake, s } = setup({ plans: { ...PLANS, [url('musicgen-small')]: wrong } });
    await s().openPack('studio');
    await s().choosePack('musicgen-small');
    expect(fake.inits).toHaveLength(1);
    expect(s().pack).toMatchObject({ current: 'studio', switching: null, error: { code: 'WEIGHTS_MISMATCH', packId: 'musicgen-small' } });
    expect(s().pack.error?.message).toContain('24');
    expect(s().engine.status).toBe('ready');
    s().dismissPackError();
    expect(s().pack.error).toBeUndefined();
  });

  it('a pack that fails to load goes back to the previous one; clips dropped meanwhile wait for it', async () => {
    let release!: () => void;
    const { fake, s } = setup({
      holdInitFor: /musicgen-small/, holdInit: new Promise<void>((r) => (release = r)),
      failInitFor: { url: /musicgen-small/, error: new StudioError('MODEL_INTERFACE', 'text_encoder.onnx') },
    });
    await s().openPack('studio');
    await s().choosePack('musicgen-small');
    const done = s().confirmPackSwitch();
    await waitFor(() => s().pack.switching?.phase === 'loading');
    const added = s().addFiles([file('a.wav')]);
    release();
    await done;
    await added;
    expect(s().pack).toMatchObject({ current: 'studio', error: { code: 'MODEL_INTERFACE', packId: 'musicgen-small' } });
    expect(s().engine).toMatchObject({ status: 'ready', info: { packId: 'studio' } });
    expect(s().clips.map((c) => c.status)).toEqual(['ready']);
    expect(fake.inits.map((i) => i.manifestUrl)).toEqual([url('studio'), url('musicgen-small'), url('studio')]);
  });

  it('clears the cache and says how much it freed', async () => {
    const { s, said } = setup({ cacheBytes: 15_200_000 });
    await s().refreshPackCache();
    expect(s().pack.cacheBytes).toBe(15_200_000);
    await s().clearPackCache();
    expect(s().pack).toMatchObject({ cacheBytes: 0, freed: 15_200_000, clearing: false });
    expect(said.at(-1)).toMatch(/^Cleared the model cache: 15\.2 MB freed\./);
  });
});
