import { useEffect, useState, useSyncExternalStore } from 'react';
import { play, playedFraction, stop } from './player';

/**
 * Which thing is playing, for the buttons: keys like "clip-3:original". Thin state over
 * player.ts so every play/stop button in the page agrees.
 */
let nowPlaying: string | null = null;
const listeners = new Set<() => void>();

function setNowPlaying(key: string | null): void {
  nowPlaying = key;
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useNowPlaying(): string | null {
  return useSyncExternalStore(subscribe, () => nowPlaying, () => null);
}

/** Plays `key` (stopping anything else), or stops it if it is the one playing. */
export async function togglePlayback(key: string, pcm: Float32Array, sampleRate: number): Promise<void> {
  if (nowPlaying === key) {
    stop();
    return;
  }
  const started = play(pcm, sampleRate, () => {
    if (nowPlaying === key) setNowPlaying(null);
  });
  setNowPlaying(key);
  try {
    await started;
  } catch (err) {
    if (nowPlaying === key) setNowPlaying(null);
    throw err;
  }
}

/** Stops playback if it belongs to this prefix (e.g. a clip being removed). */
export function stopIfPlaying(prefix: string): void {
  if (nowPlaying?.startsWith(prefix)) stop();
}

/** While one of `keys` plays: how far it has got (0..1), updated every animation frame; else null. */
export function usePlayhead(keys: readonly string[]): number | null {
  const now = useNowPlaying();
  const playing = now !== null && keys.includes(now);
  const [at, setAt] = useState<number | null>(null);
  useEffect(() => {
    if (!playing) {
      setAt(null);
      return;
    }
    let frame = 0;
    const tick = () => {
      setAt(playedFraction());
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(frame);
  }, [playing]);
  return at;
}
