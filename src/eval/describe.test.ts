import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../util/rng';
import { DESCRIBE_MAX_SECONDS, describeAudio, heardFields, type AudioFacts } from './describe';
import { addClick, addTone, SR } from './testSignals';

/** A G major scale and triads over a click every beat at `bpm`. */
function gMajorAt(bpm: number, seconds: number): Float32Array {
  const pcm = new Float32Array(seconds * SR);
  const beat = 60 / bpm;
  const scale = [67, 69, 71, 72, 74, 76, 78, 79];
  for (let i = 0, t = 0.05; t < seconds - 0.1; i++, t += beat) {
    addClick(pcm, t, 0.4);
    addTone(pcm, scale[i % scale.length], t, beat);
    if (i % 4 === 0) for (const m of [43, 59, 62]) addTone(pcm, m, t, 4 * beat);
  }
  return pcm;
}

describe('describeAudio', () => {
  it('names the key and the tempo of a tonal clip with a steady beat', () => {
    const f = describeAudio(gMajorAt(100, 8), SR)!;
    expect([f.key.tonic, f.key.mode, f.key.clear]).toEqual([7, 'major', true]);
    expect(f.tempo.clear).toBe(true);
    expect(Math.abs(f.tempo.bpm - 100)).toBeLessThanOrEqual(2);
    expect(f.seconds).toBe(8);
  });

  it('calls neither key nor beat clear in white noise', () => {
    const r = mulberry32(3);
    const f = describeAudio(Float32Array.from({ length: 6 * SR }, () => 0.1 * gaussian(r)), SR)!;
    expect(f.key.clear).toBe(false);
    expect(f.key.or).toBeNull();
    expect(f.tempo.clear).toBe(false);
  });

  it('says nothing about a clip under 2 s, nor about silence', () => {
    expect(describeAudio(gMajorAt(120, 1), SR)).toBeNull();
    const silent = describeAudio(new Float32Array(4 * SR), SR)!;
    expect(silent.key.clear).toBe(false);
    expect(silent.tempo.clear).toBe(false);
  });

  it('treats NaN samples as silence, and never throws', () => {
    const pcm = gMajorAt(100, 8);
    for (let i = 0; i < pcm.length; i += 7) pcm[i] = NaN;
    const f = describeAudio(pcm, SR)!;
    expect([f.key.tonic, f.key.mode, f.key.clear]).toEqual([7, 'major', true]);
    expect(Math.abs(f.tempo.bpm - 100)).toBeLessThanOrEqual(2);
    expect(describeAudio(gMajorAt(100, 4), 0)).toBeNull(); // a nonsense rate: nothing, no throw
  });

  it('describes a long clip from its first minute', () => {
    const long = new Float32Array((DESCRIBE_MAX_SECONDS + 10) * SR);
    long.set(gMajorAt(120, 10));
    expect(describeAudio(long, SR)!.seconds).toBe(DESCRIBE_MAX_SECONDS);
  });

  it('names the runner-up when two keys fit about equally', () => {
    // G and B alone: B minor by a hair over G major (correlations 0.656 and 0.635).
    const pcm = new Float32Array(6 * SR);
    for (let t = 0; t < 6; t += 1) { addTone(pcm, 55, t, 1); addTone(pcm, 59, t, 1); }
    const f = describeAudio(pcm, SR)!;
    expect(f.key).toEqual({ tonic: 11, mode: 'minor', clear: true, or: { tonic: 7, mode: 'major' } });
  });

  it('hands on a clear key without a runner-up, and a steady tempo, to condition on', () => {
    const facts = (key: AudioFacts['key'], tempo: AudioFacts['tempo']) => ({ key, tempo, seconds: 10 }) as AudioFacts;
    const steady = { bpm: 96, clear: true, downbeat: 0.25 } as AudioFacts['tempo'];
    expect(heardFields(facts({ tonic: 2, mode: 'minor', clear: true, or: null }, steady))).toEqual({ tempo: { bpm: 96, downbeat: 0.25 }, key: { tonic: 2, mode: 'minor' } });
    expect(heardFields(facts({ tonic: 11, mode: 'minor', clear: true, or: { tonic: 7, mode: 'major' } }, steady))).toEqual({ tempo: { bpm: 96, downbeat: 0.25 } });
    expect(heardFields(facts({ tonic: 2, mode: 'minor', clear: false, or: null }, { ...steady, clear: false }))).toEqual({});
    expect(heardFields(null)).toEqual({});
  });
});
