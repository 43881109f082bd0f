import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EngineClient } from '../workers/protocol';
import { createClipsSlice } from './clipsSlice';
import { createEngineGate, type SliceContext } from './context';
import { createEngineSlice } from './engineSlice';
import type { DecodeFn, StudioOptions, StudioState } from './types';

export type StudioStore = StoreApi<StudioState>;

/** The browser decoder, loaded lazily so this module (and its tests) runs in Node. */
const browserDecode: DecodeFn = async (file) => (await import('../audio/decode')).decodeAudioFile(file);

/**
 * The studio's one store. The engine client is injected (created in bootstrap, never in a
 * component); so is the decoder, so tests run it in Node with fakes.
 */
export function createStudioStore(engine: EngineClient, options: StudioOptions = {}): StudioStore {
  return createStore<StudioState>()((set, get) => {
    const ctx: SliceContext = {
      set,
      get,
      engine,
      decode: options.decode ?? browserDecode,
      manifestUrl: options.manifestUrl ?? 'models/tiny/manifest.json',
      onBackendChange: options.onBackendChange,
      gate: createEngineGate(() => get().initEngine()),
    };
    let seq = 0;
    return {
      ...createEngineSlice(ctx, options.initialBackend ?? 'auto'),
      ...createClipsSlice(ctx),
      announcement: { text: '', seq: 0 },
      announce(text) {
        set({ announcement: { text, seq: ++seq } });
      },
    };
  });
}
