import { describe, expect, it } from 'vitest';
import { resolveInitialPack } from './packPref';
import { shareSearch, sharedSettings, withoutShared } from './shareLink';

const take = { prompt: 'slow piano melody in D minor, 70 bpm', seed: 305348075, params: { seconds: 8, temperature: 0.9, topK: 250, topP: 0, cfg: 3 } };

describe('share links', () => {
  it('round-trip a take\'s prompt, seed and settings', () => {
    const search = shareSearch(take, 'studio');
    // The bundled pack is named too: opened where another pack was chosen last, the link still means this one.
    expect(resolveInitialPack(search, 'musicgen-small')).toBe('studio');
    expect(sharedSettings(search)).toEqual({ prompt: take.prompt, seed: take.seed, ...take.params });
    expect(new URLSearchParams(shareSearch(take, 'musicgen-small')).get('pack')).toBe('musicgen-small');
  });

  it('keeps an empty prompt (unconditional) and unicode', () => {
    expect(sharedSettings(shareSearch({ ...take, prompt: '' }, 'studio'))?.prompt).toBe('');
    expect(sharedSettings(shareSearch({ ...take, prompt: 'café ♪ "lo-fi" & 50% rain' }, 'studio'))?.prompt).toBe('café ♪ "lo-fi" & 50% rain');
  });

  it('leaves out what is malformed or out of range', () => {
    expect(sharedSettings('?seed=-1&seconds=abc&cfg=999&topp=1.5&temperature=0&topk=12.6')).toEqual({ topK: 13 });
    expect(sharedSettings('?seed=99999999999')).toBeNull();
    expect(sharedSettings('?backend=wasm&pack=studio')).toBeNull();
    expect(sharedSettings('')).toBeNull();
    expect(sharedSettings(`?prompt=${'a'.repeat(5000)}`)?.prompt).toHaveLength(2000);
  });

  it('strips a link\'s settings and keeps the rest of the query', () => {
    expect(withoutShared(`${shareSearch(take, 'musicgen-small')}&backend=wasm`)).toBe('?pack=musicgen-small&backend=wasm');
    expect(withoutShared(shareSearch(take, 'studio'))).toBe('');
  });
});
