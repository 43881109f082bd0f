import * as Tone from 'tone';

/**
 * One thing plays at a time. `play` must be called from a user gesture (click/key): the
 * first call unlocks the AudioContext with Tone.start() before any other await.
 */
interface Current {
  player: Tone.Player;
  onEnd?: () => void;
}

let current: Current | null = null;
/** Other things that play (livePlayer.ts): stopped whenever something starts here. */
const others = new Set<() => void>();

/** `stop` is called whenever another sound starts (one thing plays at a time). Returns the unregister. */
export function onOtherPlayback(stopIt: () => void): () => void {
  others.add(stopIt);
  return () => others.delete(stopIt);
}

/** Resumes the AudioContext; call it inside the click that will lead to sound. */
export const unlockAudio = (): Promise<void> => Tone.start();

export async function play(pcm: Float32Array, sampleRate: number, onEnd?: () => void): Promise<void> {
  stop();
  for (const o of others) o();
  await Tone.start();
  const audio = Tone.getContext().createBuffer(1, Math.max(1, pcm.length), sampleRate);
  audio.getChannelData(0).set(pcm);
  const player = new Tone.Player(new Tone.ToneAudioBuffer(audio)).toDestination();
  const entry: Current = { player, onEnd };
  player.onstop = () => {
    if (current !== entry) return;
    current = null;
    setTimeout(() => player.dispose(), 0); // not inside Tone's own callback
    entry.onEnd?.();
  };
  current = entry;
  player.start();
}

/** Stops whatever is playing (its onEnd runs). Safe to call when nothing plays. */
export function stop(): void {
  const entry = current;
  if (!entry) return;
  current = null;
  try {
    entry.player.stop();
  } finally {
    entry.player.dispose();
    entry.onEnd?.();
  }
}
