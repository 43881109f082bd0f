import { describe, expect, it } from 'vitest';
import type { EngineInfo } from '../workers/protocol';
import { continuePoint } from './continuation';
import { FALLBACK_DEFAULTS, settingsForEngine } from './generationSlice';
import { codec, file, lmInfo, readyStore } from './testing';

describe('continuePoint', () => {
  it('keeps a point that leaves a second of new music, else leaves room for the new part (at most half the take)', () => {
    expect(continuePoint(12, 30, 8)).toBe(12);
    expect(continuePoint(29, 30, 8)).toBe(29);
    expect(continuePoint(29.5, 30, 8)).toBe(22);
    expect(continuePoint(45, 10, 8)).toBe(5);
  });
});

it('continues a clip longer than a take from inside it, and refuses a take with no room after the kept part', async () => {
  const long = async () => ({ channels: [new Float32Array(48000 * 45).fill(0.2)], sampleRate: 48000, container: 'WAV' });
  const { fake, s } = await readyStore({}, { decode: long });
  await s().addFiles([file('song.wav')]);
  const clip = s().clips[0];
  expect(clip.result!.t).toBe(45 * 50);
  s().continueFrom(clip.id); // its end (45 s) is past what a take holds (30 s): 8 s of new music instead
  expect(s().genSettings.continueFrom).toEqual({ sourceId: clip.id, startSec: 22 });
  expect(s().genSettings.seconds).toBe(30);
  expect(s().announcement.text).toContain('a take lasts at most 30 s');
  s().continueFrom(clip.id, 12); // a point that leaves room is kept
  expect(s().genSettings.continueFrom!.startSec).toBe(12);
  s().setGenSettings({ seconds: 10, seed: '1' }); // shorter than the kept 12 s
  await s().generate();
  expect(fake.generates).toHaveLength(0);
  expect(s().generation.error).toMatchObject({ code: 'GENERATE_INVALID' });
  expect(s().generation.error!.message).toMatch(/keeps the first 12\.0 s of song\.wav, so there is no room/);
  s().setGenSettings({ seconds: 14 });
  await s().generate();
  expect(fake.generates[0].args.continuation!.t).toBe(600);
});

it('a continuation kept through a pack switch keeps room after its point on the new pack', () => {
  const info = { packId: 'other', packName: 'Other', backend: 'wasm', backendReason: '', codec, lm: lmInfo } as EngineInfo;
  const st = { ...FALLBACK_DEFAULTS, seed: '', variations: 1, cfgChosen: false, listen: true, defaultsFor: 'studio', continueFrom: { sourceId: 'clip-1', startSec: 12 } };
  expect(settingsForEngine(st, info)).toMatchObject({ seconds: 20, continueFrom: { sourceId: 'clip-1', startSec: 12 } }); // the pack's 8 s would leave none
  expect(settingsForEngine({ ...st, continueFrom: { sourceId: 'clip-1', startSec: 45 } }, info)).toMatchObject({ seconds: 30, continueFrom: { startSec: 22 } });
});
