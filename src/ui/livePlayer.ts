/**
 * Listening while a take is generated: each decoded window becomes an AudioBufferSourceNode
 * scheduled at its place in the take (liveSchedule.ts). Browser glue for the store's LiveAudioSink;
 * one thing plays at a time, so anything played from the page stops it, and it stops them.
 */
import { useSyncExternalStore } from 'react';
import * as Tone from 'tone';
import type { LiveAudioSink } from '../state/types';
import { placeWindow, takeStart, type LiveWindow } from './liveSchedule';
import { onOtherPlayback, stop as stopOther } from './player';

export type LiveState = 'idle' | 'waiting' | 'playing';

/** The state and how many windows have been scheduled since the player was last idle. */
export interface LiveSnapshot { state: LiveState; windows: number }

let snapshot: LiveSnapshot = { state: 'idle', windows: 0 };
const listeners = new Set<() => void>();
function update(next: LiveSnapshot): void {
  if (next.state === snapshot.state && next.windows === snapshot.windows) return;
  snapshot = next;
  for (const l of listeners) l();
}
const setState = (state: LiveState) => update({ state, windows: state === 'idle' ? 0 : snapshot.windows });
const state = () => snapshot.state;

let silenceCurrent: (() => void) | null = null;
/** Stops listening now (the take's generation goes on). */
export function stopListening(): void {
  silenceCurrent?.();
}

const IDLE: LiveSnapshot = { state: 'idle', windows: 0 };

/** What the live player is doing, for the Generate panel. */
export function useLiveState(): LiveSnapshot {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, () => snapshot, () => IDLE);
}

export function createLivePlayer(): LiveAudioSink {
  let sources: AudioBufferSourceNode[] = [];
  let queueEnd = 0; // context time when everything scheduled has played
  let start: number | null = null; // context time of the current take's sample 0
  let open = 0; // takes begun and not ended
  let muted = false; // silenced during a click's takes (Stop listening, or something played): its later takes stay quiet
  let timer: ReturnType<typeof setTimeout> | null = null;
  const context = () => Tone.getContext().rawContext as AudioContext;

  const silence = () => {
    if (open > 0) muted = true;
    for (const s of sources) {
      try {
        s.stop();
      } catch { /* never started */ }
    }
    sources = [];
    queueEnd = 0;
    start = null;
    open = 0;
    if (timer) clearTimeout(timer);
    setState('idle');
  };
  onOtherPlayback(silence);
  silenceCurrent = silence;
  /** Idle once the last scheduled window has played and no take is open. */
  const settle = () => {
    if (timer) clearTimeout(timer);
    const left = queueEnd - context().currentTime;
    if (open === 0 && left <= 0) setState('idle');
    else if (open === 0) timer = setTimeout(settle, left * 1000 + 50);
  };

  return {
    begin(firstOfClick) {
      if (firstOfClick) muted = false;
      if (muted) return; // the user silenced this click's listening: its next variations do not come back
      if (open === 0 && state() === 'idle') stopOther(); // a clip or take playing from the page stops
      open++;
      start = null;
      if (state() === 'idle') setState('waiting');
    },
    window(w: LiveWindow, etaSeconds: number) {
      if (open === 0) return;
      const ctx = context();
      if (ctx.state !== 'running') void ctx.resume().catch(() => undefined);
      const now = ctx.currentTime;
      start ??= takeStart(now, queueEnd, w, etaSeconds);
      const placed = placeWindow(start, w, now);
      start = placed.start;
      const buffer = ctx.createBuffer(1, Math.max(1, w.pcm.length), w.sampleRate);
      buffer.getChannelData(0).set(w.pcm);
      const node = ctx.createBufferSource();
      node.buffer = buffer;
      node.connect(ctx.destination);
      node.onended = () => {
        sources = sources.filter((s) => s !== node);
        settle();
      };
      node.start(placed.at);
      sources.push(node);
      queueEnd = Math.max(queueEnd, placed.at + buffer.duration);
      update({ state: 'playing', windows: snapshot.windows + 1 });
    },
    end(how) {
      if (how === 'stopped') return silence();
      open = Math.max(0, open - 1);
      start = null;
      settle();
    },
  };
}
