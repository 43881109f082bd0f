import { describe, expect, it } from 'vitest';
import { file, readyStore } from './testing';

describe('guidance while continuing', () => {
  it("follows the pack's continuation guidance until the user sets one, and back after", async () => {
    const { fake, store } = await readyStore({ lmDefaults: { continuationCfg: 5 } });
    const s = () => store.getState();
    await s().addFiles([file('riff.wav')]);
    const clip = s().clips[0];
    expect(s().genSettings).toMatchObject({ cfg: 3, cfgChosen: false });
    s().continueFrom(clip.id, 0.5);
    expect(s().genSettings.cfg).toBe(5);
    expect(s().announcement.text).toMatch(/Guidance 5 while continuing/);
    s().setGenSettings({ seconds: 2, seed: '3' });
    await s().generate();
    expect(fake.generates[0].args.cfg).toBe(5);
    expect(s().takes[0].params.cfg).toBe(5); // the take records what it was made with
    s().setGenSettings({ continueFrom: null }); // a fresh take again
    expect(s().genSettings.cfg).toBe(3);
    // Removing the continued clip clears the continuation and its guidance.
    s().continueFrom(clip.id, 0.5);
    s().removeClip(clip.id);
    expect(s().genSettings).toMatchObject({ continueFrom: null, cfg: 3 });
  });

  it('keeps a guidance the user chose, through continuations, until Reset to model defaults', async () => {
    const { fake, store } = await readyStore({ lmDefaults: { continuationCfg: 5 } });
    const s = () => store.getState();
    await s().addFiles([file('riff.wav')]);
    s().setGenSettings({ cfg: 2 });
    s().continueFrom(s().clips[0].id, 0.5);
    expect(s().genSettings).toMatchObject({ cfg: 2, cfgChosen: true });
    expect(s().announcement.text).not.toMatch(/Guidance/);
    s().setGenSettings({ seconds: 2 });
    await s().generate();
    expect(fake.generates[0].args.cfg).toBe(2);
    s().resetSampling();
    expect(s().genSettings).toMatchObject({ cfg: 5, cfgChosen: false }); // still continuing
    s().setGenSettings({ continueFrom: null });
    expect(s().genSettings.cfg).toBe(3);
  });

  it("uses the one guidance for everything when the pack has no continuation default", async () => {
    const { store } = await readyStore();
    const s = () => store.getState();
    await s().addFiles([file('riff.wav')]);
    s().continueFrom(s().clips[0].id, 0.5);
    expect(s().genSettings.cfg).toBe(3);
  });
});
