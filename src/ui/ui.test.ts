import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate, formatSource, reconstructionFileName, timeTicks } from './format';
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
