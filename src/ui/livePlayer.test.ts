import { describe, expect, it, vi } from 'vitest';

// Tone and the AudioContext are the browser's audio platform, outside the unit: stand-ins that log.
const fake = vi.hoisted(() => {
  const log: string[] = [];
  const ctx = {
    currentTime: 100, state: 'running', destination: {},
    resume: async () => {},
    createBuffer: (_c: number, n: number, sr: number) => ({ duration: n / sr, getChannelData: () => new Float32Array(n) }),
    createBufferSource: () => ({ connect() {}, start() { log.push('live start'); }, stop() { log.push('live stop'); }, onended: null }),
  };
  class Player {
    onstop = () => {};
    toDestination() { return this; }
    start() { log.push('clip start'); }
    stop() { log.push('clip stop'); }
    dispose() {}
  }
  return {
    log,
    module: { start: async () => {}, now: () => ctx.currentTime, getContext: () => ({ rawContext: ctx, createBuffer: ctx.createBuffer }), ToneAudioBuffer: class {}, Player },
  };
});
vi.mock('tone', () => fake.module);
const { createLivePlayer, stopListening } = await import('./livePlayer');
const { play } = await import('./player');

const win = (from: number, len: number, total: number) => ({ from, pcm: new Float32Array(len), samples: total, sampleRate: 1000 });

describe('listening while a click\'s takes generate', () => {
  it('after Stop listening, the click\'s next variations stay quiet and leave a clip the user plays alone; the next click listens again', async () => {
    const live = createLivePlayer();
    live.begin(true);
    live.window(win(0, 5000, 10000), 1);
    stopListening();
    await play(new Float32Array(100), 1000); // the user plays a clip meanwhile
    fake.log.length = 0;
    live.window(win(5000, 5000, 10000), 0);
    live.end('done');
    live.begin(false); // variation 2 of the same click
    live.window(win(0, 5000, 10000), 12);
    live.end('done');
    expect(fake.log).toEqual([]); // neither stopped the clip nor played
    live.begin(true); // a new click
    live.window(win(0, 5000, 10000), 1);
    expect(fake.log).toEqual(['clip stop', 'live start']);
  });
});
