import * as Tone from 'tone';

/**
 * One thing plays at a time. `play` must be called from a user gesture (click/key): the
 * first call unlocks the AudioContext with Tone.start() before any other await.
 */
interface Current {
  player: Tone.Player;
  onEnd?: () => void;
  /** AudioContext time the sound started at, and its length in seconds. */
  startedAt: number;
  seconds: number;
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

let plays = 0;

export async function play(pcm: Float32Array, sampleRate: number, onEnd?: () => void): Promise<void> {
  const mine = ++plays;
  stopCurrent();
  for (const o of others) o();
  await Tone.start();
  if (mine !== plays) {
    onEnd?.(); // another play came while the context started: it plays, this one never does
    return;
  }
  const audio = Tone.getContext().createBuffer(1, Math.max(1, pcm.length), sampleRate);
  audio.getChannelData(0).set(pcm);
  const player = new Tone.Player(new Tone.ToneAudioBuffer(audio)).toDestination();
  const entry: Current = { player, onEnd, startedAt: 0, seconds: pcm.length / sampleRate };
  player.onstop = () => {
    if (current !== entry) return;
    current = null;
    setTimeout(() => player.dispose(), 0); // not inside Tone's own callback
    entry.onEnd?.();
  };
  current = entry;
  entry.startedAt = Tone.now();
  player.start(entry.startedAt);
}

/** How far the sound that plays now has got, 0..1 (null when nothing plays). */
export function playedFraction(): number | null {
  if (!current || !(current.seconds > 0)) return null;
  return Math.min(1, Math.max(0, (Tone.now() - current.startedAt) / current.seconds));
}

/** Stops whatever is playing (its onEnd runs), also a sound still waiting for the audio context. Safe to call when nothing plays. */
export function stop(): void {
  plays++; // a play still awaiting Tone.start() will not start
  stopCurrent();
}

function stopCurrent(): void {
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
