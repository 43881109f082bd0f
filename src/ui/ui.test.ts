import { describe, expect, it } from 'vitest';
import {
  dominantPitch, formatDuration, formatParams, formatRate, formatSeconds, formatShare, formatSource, formatTimeLeft, generationLabel, reconstructionFileName,
  timeTicks, trainStepLabel,
} from './format';
import { tokenImagePixels, tokenRgb } from './tokenColors';
import { waveformPeaks } from './waveformPeaks';

describe('format', () => {
  it('formats rates, durations and the as-loaded line', () => {
    expect(formatRate(44100)).toBe('44.1 kHz');
    expect(formatRate(48000)).toBe('48 kHz');
    expect(formatRate(22050)).toBe('22.05 kHz');
    expect(formatDuration(2.04)).toBe('0:02.0');
    expect(formatDuration(65.34)).toBe('1:05.3');
    expect(formatDuration(59.96)).toBe('1:00.0');
    expect(formatSource(44100, 2, 'mp3')).toBe('44.1 kHz · 2 ch · MP3');
  });
  it('names reconstructions after the clip', () => {
    expect(reconstructionFileName('drums.flac')).toBe('drums (reconstruction).wav');
    expect(reconstructionFileName('my.song.v2.wav')).toBe('my.song.v2 (reconstruction).wav');
    expect(reconstructionFileName('noext')).toBe('noext (reconstruction).wav');
  });
  it('picks readable time ticks', () => {
    expect(timeTicks(2)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(timeTicks(30)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(timeTicks(45)).toEqual([0, 10, 20, 30, 40]);
    expect(timeTicks(0)).toEqual([0]);
  });
});

describe('token colours', () => {
  it('gives neighbouring ids clearly different colours and the special token grey', () => {
    const [a, b] = [tokenRgb(100, 2048), tokenRgb(101, 2048)];
    const dist = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    expect(dist).toBeGreaterThan(60);
    expect(tokenRgb(2048, 2048)).toEqual([150, 150, 150]);
  });
  it('lays codes [K,T] out as a T x K image', () => {
    const px = tokenImagePixels(Int32Array.from([0, 1, 2, 3, 4, 5]), 2, 3, 8);
    expect(px.length).toBe(2 * 3 * 4);
    expect([...px.slice(12, 15)]).toEqual(tokenRgb(3, 8));
    expect(px[23]).toBe(255);
  });
});

describe('waveformPeaks', () => {
  it('takes min/max per column', () => {
    const pcm = Float32Array.from([0, 1, -1, 0.5, 0.2, -0.3, 0, 0]);
    expect([...waveformPeaks(pcm, 2)].map((v) => Number(v.toFixed(2)))).toEqual([-1, 1, -0.3, 0.2]);
  });
  it('repeats samples when there are more columns than samples', () => {
    expect([...waveformPeaks(Float32Array.from([0.5, -0.5]), 4)]).toEqual([0.5, 0.5, 0.5, 0.5, -0.5, -0.5, -0.5, -0.5]);
    expect(waveformPeaks(new Float32Array(0), 3)).toEqual(new Float32Array(6));
  });
});

describe('generation formatting', () => {
  it('builds the progress line from the engine progress', () => {
    const g = { step: 120, steps: 503, tokensPerSecond: 42.3, etaSeconds: 7.2 };
    expect(generationLabel({ take: 1, takes: 2, engine: { label: 'x', generation: g } })).toBe(
      'Generating take 1 of 2 · 120 / 503 steps · 42 tok/s · ETA 8 s',
    );
    expect(generationLabel({ take: 1, takes: 1, engine: { label: 'Decoding audio…' } })).toBe('Generating · Decoding audio…');
    expect(generationLabel({ take: 2, takes: 3 })).toBe('Generating take 2 of 3 · starting…');
  });
  it('summarises sampling settings and the dominant pitch', () => {
    expect(formatParams({ temperature: 1, topK: 250, topP: 0, cfg: 3 })).toBe('temp 1 · top-k 250 · guidance 3');
    expect(formatParams({ temperature: 0.85, topK: 250, topP: 0.9, cfg: 1 })).toBe('temp 0.85 · top-p 0.9 · guidance off');
    expect(formatSeconds(8)).toBe('8 s');
    expect(dominantPitch(Uint8Array.from([2, 2, 9, 2]))).toBe('D');
    expect(dominantPitch(new Uint8Array(0))).toBeNull();
  });
});

describe('training formatting', () => {
  it('builds the step line', () => {
    const t = { step: 120, steps: 300, loss: 3.2109, tokensPerSecond: 1234, etaSeconds: 100 };
    expect(trainStepLabel(t, 3.4)).toBe('Step 120 / 300 · loss 3.21 · val 3.40 · 1.2k tok/s · 2 min left');
    expect(trainStepLabel({ ...t, step: 300, tokensPerSecond: 850 })).toBe('Step 300 / 300 · loss 3.21 · 850 tok/s');
    expect(formatTimeLeft(44.2)).toBe('45 s left');
    expect(formatTimeLeft(3900)).toBe('1 h 5 min left');
  });
});

describe('LoRA formatting', () => {
  it('shows the trained share of the weights in two significant digits below 10%', () => {
    expect(formatShare(0.273)).toBe('27%');
    expect(formatShare(0.01634)).toBe('1.6%');
    expect(formatShare(0.004)).toBe('0.4%');
  });
});
