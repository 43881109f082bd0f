import type { StoreApi } from 'zustand/vanilla';
import type { EngineClient } from '../workers/protocol';
import type { DecodeFn, LiveAudioSink, StudioState } from './types';

/** What every slice gets: the store's set/get, the injected engine client and options. */
export interface SliceContext {
  set: StoreApi<StudioState>['setState'];
  get: () => StudioState;
  engine: EngineClient;
  decode: DecodeFn;
  /** The manifest URL of a pack id. */
  manifestUrlOf: (packId: string) => string;
  hubBase?: string;
  onBackendChange?: (choice: StudioState['backend']) => void;
  onPackChange?: (packId: string) => void;
  gate: EngineGate;
  live?: LiveAudioSink;
}

/**
 * The latest engine init, so queued clips wait for the engine (and for a re-init after a
 * backend change) before tokenizing.
 */
export interface EngineGate {
  current: Promise<void> | null;
  /** Resolves when the newest init has succeeded; rejects with its error if it failed. */
  wait(): Promise<void>;
}

export function createEngineGate(start: () => Promise<void>): EngineGate {
  const gate: EngineGate = {
    current: null,
    async wait() {
      if (!gate.current) void start();
      for (;;) {
        const p = gate.current;
        if (!p) throw new Error('engine init did not start');
        await p;
        if (p === gate.current) return;
      }
    },
  };
  return gate;
}
