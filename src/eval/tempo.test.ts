import { describe, expect, it } from 'vitest';
import { agreement, summarize } from './agreement';
import { onsetStrength } from './onset';
import { detectTempo, downbeatOffset } from './tempo';
import { addClick, clickTrack, SR } from './testSignals';

describe('detectTempo', () => {
  it('finds the tempo of even click tracks across the range', () => {
    for (const bpm of [62, 90, 100, 128, 150, 176]) {
      const t = detectTempo(clickTrack(bpm, 10), SR);
      expect(Math.abs(t.bpm / bpm - 1), `${bpm} → ${t.bpm}`).toBeLessThan(0.02);
      expect(t.confidence).toBeGreaterThan(0.3);
    }
  });

  it('takes weaker off-beats as subdivisions, equal ones as beats (the octave rule)', () => {
    expect(Math.abs(detectTempo(clickTrack(70, 10, 0.6, 0.15), SR).bpm / 70 - 1)).toBeLessThan(0.02);
    expect(Math.abs(detectTempo(clickTrack(70, 10, 0.5, 0.5), SR).bpm / 140 - 1)).toBeLessThan(0.02);
  });

  it('returns 0 bpm, not NaN, on silence and on tiny clips', () => {
    for (const pcm of [new Float32Array(5 * SR), new Float32Array(10)]) {
      const t = detectTempo(pcm, SR);
      expect(t).toEqual({ bpm: 0, confidence: 0 });
    }
    const env = onsetStrength(new Float32Array(SR), SR);
    expect(env.frameRate).toBe(200);
    expect(env.envelope.every((v) => v === 0)).toBe(true);
  });
});

describe('downbeatOffset', () => {
  it('puts the grid on the clicks and the bar on the accented one', () => {
    const bpm = 120;
    const pcm = new Float32Array(8 * SR);
    for (let i = 0; i * 0.5 + 0.3 < 8; i++) addClick(pcm, 0.3 + i * 0.5, i % 4 === 1 ? 0.9 : 0.3); // accents at 0.8, 2.8, 4.8, 6.8 s
    const { envelope, frameRate } = onsetStrength(pcm, SR);
    expect(downbeatOffset(envelope, frameRate, bpm)).toBeCloseTo(0.8, 1);
    const even = onsetStrength(clickTrack(bpm, 8), SR); // clicks from 0.05 s, all alike: the grid is still right
    const d = downbeatOffset(even.envelope, even.frameRate, bpm);
    expect(Math.abs(((d - 0.05) / 0.5) - Math.round((d - 0.05) / 0.5))).toBeLessThan(0.03);
    expect(downbeatOffset(new Float32Array(0), 200, 120)).toBe(0);
    expect(downbeatOffset(envelope, frameRate, 0)).toBe(0);
  });
});

describe('agreement', () => {
  const detected = (tonic: number, mode: 'major' | 'minor', bpm: number, confidence?: number) => ({ key: { tonic, mode }, tempo: { bpm, confidence } });

  it('needs the exact tonic and mode, and the tempo within 8%', () => {
    expect(agreement({ tonic: 'Bb', mode: 'minor', bpm: 100 }, detected(10, 'minor', 107.9))).toMatchObject({ key: true, tempo: true });
    expect(agreement({ tonic: 'A#', mode: 'minor', bpm: 100 }, detected(10, 'major', 100)).key).toBe(false);
    expect(agreement({ tonic: 1, mode: 'major', bpm: 100 }, detected(1, 'major', 92.1))).toMatchObject({ key: true, tempo: true });
    expect(agreement({ tonic: 'C', mode: 'major', bpm: 100 }, detected(9, 'minor', 108.1))).toMatchObject({ key: false, tempo: false });
    expect(agreement({ tonic: 'C', mode: 'major', bpm: 140 }, detected(0, 'major', 70)).tempoError).toBeCloseTo(-0.5, 12);
    expect(agreement({ tonic: 'A#', mode: 'minor', bpm: 100 }, detected(10, 'major', 100))).toMatchObject({ key: false, tonic: true });
    expect(agreement({ tonic: 'C', mode: 'major', bpm: 100 }, detected(0, 'major', 100, 0.4)).beat).toBe(0.4);
    expect(agreement({ tonic: 'C', mode: 'major', bpm: 100 }, detected(0, 'major', 100)).beat).toBeNaN();
  });

  it('summarises accuracies', () => {
    const a = [
      agreement({ tonic: 'C', mode: 'major', bpm: 100 }, detected(0, 'major', 100, 0.5)),
      agreement({ tonic: 'C', mode: 'major', bpm: 100 }, detected(0, 'minor', 50, 0.1)),
      agreement({ tonic: 'C', mode: 'major', bpm: 100 }, detected(0, 'major', 50)),
      agreement({ tonic: 'C', mode: 'major', bpm: 100 }, detected(7, 'major', 101, 0.3)),
      agreement({ tonic: 'C', mode: 'major', bpm: 100 }, detected(7, 'minor', 200, 0.9)),
    ];
    expect(summarize(a)).toEqual({ count: 5, keyAccuracy: 0.4, tempoAccuracy: 0.4, bothAccuracy: 0.2, tonicAccuracy: 0.6, medianBeat: 0.4 });
    expect(summarize([])).toEqual({ count: 0, keyAccuracy: 0, tempoAccuracy: 0, bothAccuracy: 0, tonicAccuracy: 0, medianBeat: NaN });
  });
});
