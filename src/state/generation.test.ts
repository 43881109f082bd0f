import { describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { codesHash, continuationArgs, parseSeed, takeFileName } from './sources';
import { file, readyStore, waitFor } from './testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe('conditioning: prompt', () => {
  it('asks the engine for the token count once, after typing settles', async () => {
    const { fake, store } = await readyStore();
    const s = () => store.getState();
    s().setPrompt('s');
    s().setPrompt('slow');
    s().setPrompt('slow piano melody');
    expect(s().prompt).toBe('slow piano melody');
    expect(fake.promptInfos).toEqual([]);
    await waitFor(() => s().promptInfo !== undefined);
    expect(fake.promptInfos).toEqual(['slow piano melody']);
    expect(s().promptInfo).toEqual({ text: 'slow piano melody', info: { tokens: 4, maxTokens: 128, truncated: false, unknown: 0 } });
    // Empty = unconditional: no engine call, no info.
    s().setPrompt('   ');
    expect(s().promptInfo).toBeUndefined();
    await sleep(40);
    expect(fake.promptInfos).toHaveLength(1);
  });

  it('ignores a stale answer when the prompt changed meanwhile', async () => {
    const { store } = await readyStore();
    const s = () => store.getState();
    s().setPrompt('a b');
    await sleep(25); // the first call is in flight
    s().setPrompt('a b c d');
    await waitFor(() => s().promptInfo?.text === 'a b c d');
    expect(s().promptInfo?.info.tokens).toBe(5);
  });

  it('skips the count when the pack has no text encoder', async () => {
    const { fake, store } = await readyStore({ noLm: true });
    store.getState().setPrompt('hello');
    await sleep(40);
    expect(fake.promptInfos).toEqual([]);
    expect(store.getState().promptInfo).toBeUndefined();
  });
});

describe('conditioning: melody', () => {
  it('computes the chroma once per source, from a copy of its codec-rate PCM', async () => {
    const { fake, store } = await readyStore();
    const s = () => store.getState();
    await s().addFiles([file('a.wav'), file('b.wav')]);
    const [a, b] = s().clips;
    s().setMelody(a.id);
    expect(s().melodyId).toBe(a.id);
    expect(s().chroma[a.id]).toEqual({ status: 'computing' });
    await waitFor(() => s().chroma[a.id]?.status === 'ready');
    expect(fake.chromas).toHaveLength(1);
    const call = fake.chromas[0];
    expect(call.args.sampleRate).toBe(32000);
    expect(call.args.pcm).not.toBe(a.result!.pcm);
    expect(call.args.pcm.buffer).not.toBe(a.result!.pcm.buffer);
    expect([...call.args.pcm]).toEqual([...a.result!.pcm]);
    expect(call.opts?.transfer).toEqual([call.args.pcm.buffer]);
    s().setMelody(b.id);
    s().setMelody(a.id); // cached
    await waitFor(() => s().chroma[b.id]?.status === 'ready');
    expect(fake.chromas).toHaveLength(2);
    s().setMelody('nope'); // unknown ids are ignored
    expect(s().melodyId).toBe(a.id);
    // Removing the melody clip clears the choice and its cached chroma.
    s().removeClip(a.id);
    expect(s().melodyId).toBeNull();
    expect(s().chroma[a.id]).toBeUndefined();
    expect(s().chroma[b.id]?.status).toBe('ready');
  });
});

describe('generation', () => {
  it('takes the LM defaults when the engine is ready', async () => {
    const { store } = await readyStore();
    expect(store.getState().genSettings).toMatchObject({ seconds: 8, temperature: 1, topK: 250, topP: 0, cfg: 3, defaultsFor: 'tiny' });
    store.getState().setGenSettings({ seconds: 3 });
    await store.getState().setBackend('cpu'); // a re-init of the same pack keeps the user's choice
    expect(store.getState().genSettings.seconds).toBe(3);
  });

  it('generates N variations with seeds seed, seed+1, ... newest first, and records each seed', async () => {
    const { fake, store } = await readyStore();
    const s = () => store.getState();
    s().setPrompt('  funk bass ');
    s().setGenSettings({ seconds: 1, seed: '42', variations: 3, temperature: 0.9, topK: 100, topP: 0.5, cfg: 2 });
    const done = s().generate();
    expect(s().generation.running).toBe(true);
    await done;
    expect(fake.generates.map((g) => g.args.seed)).toEqual([42, 43, 44]);
    expect(fake.generates[0].args).toEqual({ prompt: 'funk bass', seconds: 1, temperature: 0.9, topK: 100, topP: 0.5, cfg: 2, seed: 42 });
    expect(s().takes.map((t) => t.seed)).toEqual([44, 43, 42]);
    expect(s().takes.map((t) => t.number)).toEqual([3, 2, 1]);
    const first = s().takes[2];
    expect(first).toMatchObject({ prompt: 'funk bass', durationSec: 1, params: { seconds: 1, cfg: 2 } });
    expect(first.codesHash).toBe(codesHash(first.result.codes, 4, 50));
    expect(s().generation).toEqual({ running: false, progress: undefined });
    expect(s().announcement.text).toMatch(/^Take 3 ready \(3 of 3\): seed 44/);
    expect(s().announcement.show).toEqual({ kind: 'take', id: s().takes[0].id }); // the status bar's Show button
  });

  it('draws a random seed when the box is empty, and the same seed gives the same codes', async () => {
    const { fake, store } = await readyStore({}, { random: () => 0.5 });
    const s = () => store.getState();
    s().setGenSettings({ seconds: 1, seed: '' });
    await s().generate();
    expect(fake.generates[0].args.seed).toBe(2 ** 30);
    expect(s().takes[0].seed).toBe(2 ** 30);
    expect(s().genSettings.seed).toBe(''); // still "random" for the next click
    s().setGenSettings({ seed: String(2 ** 30) });
    await s().generate();
    expect(s().takes[0].codesHash).toBe(s().takes[1].codesHash);
    s().randomizeSeed();
    expect(s().genSettings.seed).toBe(String(2 ** 30));
  });

  it('reports progress per take and overall', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { store } = await readyStore({ holdGenerate: hold });
    const s = () => store.getState();
    s().setGenSettings({ seconds: 2, seed: '1', variations: 2 });
    const done = s().generate();
    await waitFor(() => s().generation.progress?.engine !== undefined);
    expect(s().generation.progress).toMatchObject({ take: 1, takes: 2, value: 0.5 });
    expect(s().generation.progress?.engine?.generation).toEqual({ step: 100, steps: 100, tokensPerSecond: 100, etaSeconds: 1 });
    expect(s().announcement.text).toBe('Generating take 1 of 2… 90%');
    release();
    await done;
    expect(s().takes).toHaveLength(2);
  });

  it('stop cancels at once and adds nothing', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { fake, store } = await readyStore({ holdGenerate: hold });
    const s = () => store.getState();
    s().setGenSettings({ seconds: 10, seed: '7', variations: 2 });
    const done = s().generate();
    await waitFor(() => fake.generates.length === 1);
    s().stopGeneration();
    expect(s().generation.running).toBe(false);
    expect(fake.generates[0].opts?.signal?.aborted).toBe(true);
    release();
    await done;
    expect(s().takes).toEqual([]);
    expect(fake.generates).toHaveLength(1); // the second variation never started
    expect(s().generation.error).toBeUndefined();
    expect(s().announcement.text).toMatch(/stopped/);
  });

  it('stop drops the take even if the engine still answers', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { fake, store } = await readyStore({ holdGenerate: hold });
    const s = () => store.getState();
    s().setGenSettings({ seconds: 1, seed: '7' });
    const orig = fake.engine.generate;
    fake.engine.generate = (a, o) => orig(a, { ...o, signal: undefined }); // an engine that ignores the abort
    const done = s().generate();
    await waitFor(() => fake.generates.length === 1);
    s().stopGeneration();
    release();
    await done;
    expect(s().takes).toEqual([]);
    expect(s().generation.running).toBe(false);
  });

  it('shows engine errors with their code, and can run again', async () => {
    const { store } = await readyStore({ generateError: new StudioError('OUT_OF_MEMORY', 'lm step 3') });
    const s = () => store.getState();
    s().setGenSettings({ seconds: 1, seed: '1' });
    await s().generate();
    expect(s().generation.running).toBe(false);
    expect(s().generation.error?.code).toBe('OUT_OF_MEMORY');
    expect(s().generation.error?.message).toContain('lm step 3');
    expect(s().takes).toEqual([]);
    s().dismissGenerationError();
    expect(s().generation.error).toBeUndefined();
  });

  it('a lost GPU device reloads the pack on WASM for the session and keeps the takes', async () => {
    const { fake, store } = await readyStore();
    const s = () => store.getState();
    s().setGenSettings({ seconds: 1, seed: '1' });
    await s().generate();
    expect(s().takes).toHaveLength(1);
    const orig = fake.engine.generate;
    fake.engine.generate = () => Promise.reject(new StudioError('GPU_DEVICE_LOST', 'Device was lost: destroyed'));
    await s().generate();
    expect(s().generation.error?.code).toBe('GPU_DEVICE_LOST');
    expect(s().backend).toBe('wasm');
    await waitFor(() => s().engine.status === 'ready' && fake.inits.length === 2);
    expect(fake.inits.at(-1)?.backend).toBe('wasm');
    expect(s().takes).toHaveLength(1); // nothing lost
    expect(s().announcement.text).toContain('on WASM');
    fake.engine.generate = orig;
    await s().generate();
    expect(s().takes).toHaveLength(2);
  });

  it('refuses a bad seed and a pack without an LM inline', async () => {
    const { fake, store } = await readyStore();
    store.getState().setGenSettings({ seed: '12abc' });
    await store.getState().generate();
    expect(store.getState().generation.error?.message).toMatch(/seed/);
    expect(fake.generates).toHaveLength(0);
    const other = await readyStore({ noLm: true });
    await other.store.getState().generate();
    expect(other.store.getState().generation.error?.message).toMatch(/no language model/);
  });

  it('builds the continuation from a clip: the first t frames of its codes, [K, t]', async () => {
    const { fake, store } = await readyStore();
    const s = () => store.getState();
    await s().addFiles([file('riff.wav')]); // 1 s -> K=4, T=50, codes[i] = i
    const clip = s().clips[0];
    s().continueFrom(clip.id, 0.5);
    expect(s().genSettings.continueFrom).toEqual({ sourceId: clip.id, startSec: 0.5 });
    s().setGenSettings({ seconds: 2, seed: '3' });
    await s().generate();
    const cont = fake.generates[0].args.continuation!;
    expect(cont.k).toBe(4);
    expect(cont.t).toBe(25);
    const expected = [0, 1, 2, 3].flatMap((q) => Array.from({ length: 25 }, (_, i) => q * 50 + i));
    expect([...cont.codes]).toEqual(expected);
    expect(fake.generates[0].opts?.transfer).toEqual([cont.codes.buffer]);
    expect(clip.result!.codes[60]).toBe(60); // the clip's own codes are untouched
    expect(s().takes[0].continuation).toEqual({ sourceId: clip.id, sourceName: 'riff.wav', startSec: 0.5, frames: 25 });
    expect(cont.tempo).toBeUndefined(); // no steady beat found in it: the prompt's tempo, if any, sets the beat clock
    // "Continue this" on a take: from its end.
    const take = s().takes[0];
    s().continueFrom(take.id);
    expect(s().genSettings.continueFrom).toEqual({ sourceId: take.id, startSec: 2 });
    // The take must be longer than the kept part: the length grows past the start.
    expect(s().genSettings.seconds).toBeGreaterThan(2);
    expect(s().genSettings.seconds).toBeLessThanOrEqual(s().engine.info!.lm!.maxSeconds);
    // Takes are melody sources too; removing the take clears both references.
    s().setMelody(take.id);
    await waitFor(() => s().chroma[take.id]?.status === 'ready');
    s().removeTake(take.id);
    expect(s().genSettings.continueFrom).toBeNull();
    expect(s().melodyId).toBeNull();
  });
});

it('finishing a take early keeps what is made (and makes no further variations of that click)', async () => {
  let release!: () => void;
  const { fake, s } = await readyStore({ holdGenerate: new Promise<void>((r) => (release = r)) });
  s().setGenSettings({ seconds: 4, seed: '1', variations: 3 });
  const done = s().generate();
  await waitFor(() => fake.generates.length === 1);
  s().finishGeneration();
  expect(s().announcement.text).toBe('Finishing the take with what is made so far…');
  await done;
  release();
  expect(s().takes).toHaveLength(1);
  expect(s().takes[0].durationSec).toBe(2);
  expect(s().announcement.text).toBe(`Take 1 ready: seed 1, 2.0 s, finished early.`);
  expect(fake.generates).toHaveLength(1);
  expect(s().generation.running).toBe(false);
});

it('a melody LM gets the chosen melody\'s chroma with each take; a text-only LM does not', async () => {
  const { fake, s } = await readyStore({ lm: { conditioning: 'prefix' } });
  await s().addFiles([file('hum.wav')]);
  s().setGenSettings({ seconds: 2, seed: '1' });
  await s().generate(); // no melody chosen: the engine uses the null melody
  expect(fake.generates[0].args.melody).toBeUndefined();
  s().setMelody(s().clips[0].id);
  await s().generate(); // while its chroma may still be computing: the take waits for it
  const m = fake.generates[1].args.melody!;
  expect(m.hopSeconds).toBeCloseTo(512 / 32000);
  expect([...m.argmax.slice(0, 3)]).toEqual([2, 2, 2]);
  expect(fake.chromas).toHaveLength(1); // computed once
  const text = await readyStore();
  await text.s().addFiles([file('hum.wav')]);
  text.s().setMelody(text.s().clips[0].id);
  await text.s().generate();
  expect(text.fake.generates[0].args.melody).toBeUndefined();
});

it('sends the continued clip\'s steady tempo and downbeat, and its clear key, with the continuation (the beat clock starts there); an empty prompt becomes what was heard', async () => {
  const facts = { key: { tonic: 2, mode: 'minor' as const, clear: true, or: null }, tempo: { bpm: 96, clear: true, downbeat: 0.31 }, seconds: 2 };
  const { fake, store } = await readyStore({ facts });
  const s = () => store.getState();
  await s().addFiles([file('riff.wav')]);
  s().continueFrom(s().clips[0].id, 0.5);
  s().setGenSettings({ seconds: 2, seed: '3' });
  await s().generate();
  expect(fake.generates[0].args.continuation!.tempo).toEqual({ bpm: 96, downbeat: 0.31 });
  expect(fake.generates[0].args.continuation!.key).toEqual({ tonic: 2, mode: 'minor' });
  // The prompt box was empty: the take continues what was heard, as its prompt (and the take says so).
  expect(fake.generates[0].args.prompt).toBe('D minor, 96 bpm');
  expect(s().takes[0].prompt).toBe('D minor, 96 bpm');
  // A typed prompt is the prompt; with nothing to continue, an empty box stays unconditional.
  s().setPrompt('dark cello');
  await s().generate();
  expect(fake.generates[1].args.prompt).toBe('dark cello');
  s().setPrompt('');
  s().setGenSettings({ continueFrom: null });
  await s().generate();
  expect(fake.generates[2].args.prompt).toBe('');
});

describe('sources helpers', () => {
  it('clamps the continuation to 1..T frames', () => {
    const src = { codes: Int32Array.from({ length: 2 * 10 }, (_, i) => i), k: 2, t: 10 };
    expect(continuationArgs(src, 0, 50).t).toBe(1);
    expect(continuationArgs(src, 99, 50)).toEqual({ codes: Int32Array.from({ length: 20 }, (_, i) => i), k: 2, t: 10 });
    expect([...continuationArgs(src, 0.06, 50).codes]).toEqual([0, 1, 2, 10, 11, 12]);
  });
  it('names take files after the prompt and seed', () => {
    expect(takeFileName('slow piano melody in D minor', 42)).toBe('slow-piano-melody-in-d-minor-seed-42.wav');
    expect(takeFileName('Upbeat funk bass line with drums, 120 bpm — très bien!', 7)).toBe('upbeat-funk-bass-line-with-drums-120-bpm-seed-7.wav');
    expect(takeFileName('', 3)).toBe('unconditional-seed-3.wav');
    expect(takeFileName('ペ', 3)).toBe('ペ-seed-3.wav'); // letters of any script name the file
    expect(takeFileName('ピアノのバラード', 3)).toBe('ピアノのバラード-seed-3.wav');
    expect(takeFileName('мягкое пианино', 3)).toBe('мягкое-пианино-seed-3.wav');
    expect(takeFileName('🎹 🎸', 3)).toBe('take-seed-3.wav'); // a prompt, just not one with letters
  });
  it('parses the seed box', () => {
    expect(parseSeed('')).toBe('random');
    expect(parseSeed(' 42 ')).toBe(42);
    expect(parseSeed('4294967295')).toBe(4294967295);
    expect(parseSeed('4294967296')).toBeNull();
    expect(parseSeed('-1')).toBeNull();
    expect(parseSeed('1.5')).toBeNull();
  });
  it('hashes codes by value and shape', () => {
    const a = Int32Array.from([1, 2, 3, 4]);
    expect(codesHash(a, 2, 2)).toBe(codesHash(a.slice(), 2, 2));
    expect(codesHash(a, 2, 2)).not.toBe(codesHash(a, 1, 4));
    expect(codesHash(a, 2, 2)).toMatch(/^[0-9a-f]{8}$/);
  });
});
