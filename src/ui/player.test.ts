import { beforeEach, describe, expect, it, vi } from 'vitest';

// Tone is the browser's audio platform, outside the unit: a stand-in whose start() the test releases.
const tone = vi.hoisted(() => {
  const state = { release: () => {}, started: [] as string[], stopped: [] as string[] };
  class Player {
    onstop: () => void = () => {};
    constructor(readonly buffer: { name: string }) {}
    toDestination() { return this; }
    start() { state.started.push(this.buffer.name); }
    stop() { state.stopped.push(this.buffer.name); this.onstop(); }
    dispose() {}
  }
  return {
    state,
    module: {
      start: () => new Promise<void>((r) => (state.release = r)),
      now: () => 0,
      // A buffer is named by its length, so the test can tell two sounds apart.
      getContext: () => ({ createBuffer: (_: number, n: number) => ({ n, getChannelData: () => new Float32Array(n) }) }),
      ToneAudioBuffer: class { name: string; constructor(a: { n: number }) { this.name = a.n === 4 ? 'A' : 'B'; } },
      Player,
    },
  };
});
vi.mock('tone', () => tone.module);

const { play, stop } = await import('./player');

beforeEach(() => {
  tone.state.started.length = 0;
  tone.state.stopped.length = 0;
  stop();
});

describe('play', () => {
  it('two plays while the audio context starts: the second plays, the first never does and says it ended', async () => {
    const ended: string[] = [];
    const a = play(new Float32Array(4), 32000, () => ended.push('A'));
    const releaseA = tone.state.release;
    const b = play(new Float32Array(8), 32000, () => ended.push('B'));
    releaseA();
    tone.state.release();
    await Promise.all([a, b]);
    expect(tone.state.started).toEqual(['B']);
    expect(ended).toEqual(['A']);
    stop(); // the one that plays can be stopped
    expect(tone.state.stopped).toEqual(['B']);
    expect(ended).toEqual(['A', 'B']);
  });

  it('Stop while the audio context starts: the sound never starts, and says it ended', async () => {
    const ended: string[] = [];
    const a = play(new Float32Array(4), 32000, () => ended.push('A'));
    stop();
    tone.state.release();
    await a;
    expect(tone.state.started).toEqual([]);
    expect(ended).toEqual(['A']);
  });
});
