import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EngineClient } from '../workers/protocol';
import { createClipsSlice } from './clipsSlice';
import { createConditioningSlice } from './conditioningSlice';
import { createDatasetSlice } from './datasetSlice';
import { createEngineGate, type SliceContext } from './context';
import { createEngineSlice } from './engineSlice';
import { watchGpuLoss } from './watchGpuLoss';
import { createGenerationSlice, FALLBACK_DEFAULTS, settingsForEngine, withDefaultCfg } from './generationSlice';
import { createModelsSlice } from './modelsSlice';
import { createPacksSlice, DEFAULT_PACK_ID } from './packsSlice';
import { createTrainingSlice } from './trainingSlice';
import type { DecodeFn, StudioOptions, StudioState } from './types';

export type StudioStore = StoreApi<StudioState>;

/** The browser decoder, loaded lazily so this module (and its tests) runs in Node. */
const browserDecode: DecodeFn = async (file) => (await import('../audio/decode')).decodeAudioFile(file);

/** Asks the browser to keep this origin's storage (saved models); absent or refused is fine. */
const browserPersist = async (): Promise<unknown> => globalThis.navigator?.storage?.persist?.();

/**
 * The studio's one store. The engine client is injected (created in bootstrap, never in a
 * component); so is the decoder, so tests run it in Node with fakes.
 */
export function createStudioStore(engine: EngineClient, options: StudioOptions = {}): StudioStore {
  const store = createStore<StudioState>()((set, get) => {
    const initialPack = options.initialPack ?? DEFAULT_PACK_ID;
    const urlOf = options.manifestUrlOf ?? ((id: string) => `models/${encodeURIComponent(id)}/manifest.json`);
    const ctx: SliceContext = {
      set,
      get,
      // A lost GPU device: reload the pack on WASM; clips and takes stay (engineSlice.onGpuLost).
      engine: watchGpuLoss(engine, (err) => get().onGpuLost(err)),
      decode: options.decode ?? browserDecode,
      manifestUrlOf: (id) => (id === initialPack && options.manifestUrl ? options.manifestUrl : urlOf(id)),
      hubBase: options.hubBase,
      onBackendChange: options.onBackendChange,
      onPackChange: options.onPackChange,
      gate: createEngineGate(() => get().initEngine()),
      live: options.live,
    };
    let seq = 0;
    return {
      ...createEngineSlice(ctx, options.initialBackend ?? 'auto'),
      ...createClipsSlice(ctx),
      ...createConditioningSlice(ctx, { debounceMs: options.promptDebounceMs ?? 150 }),
      ...createGenerationSlice(ctx, { random: options.random ?? Math.random, history: options.takeHistory }),
      ...createTrainingSlice(ctx, { persist: options.persistStorage ?? browserPersist }),
      ...createModelsSlice(ctx),
      ...createDatasetSlice(ctx),
      ...createPacksSlice(ctx, initialPack),
      announcement: { text: '', seq: 0 },
      announce(text, show) {
        set({ announcement: { text, seq: ++seq, ...(show ? { show } : {}) } });
      },
    };
  });

  // Cross-slice upkeep: LM defaults when a pack loads; references to removed clips/takes dropped.
  store.subscribe((s, prev) => {
    if (s.engine.info !== prev.engine.info) {
      const next = settingsForEngine(s.genSettings, s.engine.info);
      if (next) store.setState({ genSettings: next });
      const pack = s.engine.info?.packId;
      if (pack && pack !== prev.engine.info?.packId) {
        // Another pack: its codec reads clips into other tokens, its tokenizer counts the prompt anew.
        if (prev.engine.info) void store.getState().retokenizeClips();
        if (s.prompt.trim()) store.getState().setPrompt(s.prompt);
      }
    }
    if (s.clips !== prev.clips || s.takes !== prev.takes) {
      // Gone from the session (a clip being tokenized again for a new pack still counts).
      const gone = (id: string) => !s.clips.some((c) => c.id === id) && !s.takes.some((t) => t.id === id);
      const patch: Partial<StudioState> = {};
      if (s.melodyId && gone(s.melodyId)) patch.melodyId = null;
      if (s.genSettings.continueFrom && gone(s.genSettings.continueFrom.sourceId)) {
        patch.genSettings = withDefaultCfg({ ...s.genSettings, continueFrom: null }, s.engine.info?.lm?.defaults ?? FALLBACK_DEFAULTS);
      }
      const stale = Object.keys(s.chroma).filter((id) => s.chroma[id].status !== 'computing' && gone(id));
      if (stale.length) {
        const chroma = { ...s.chroma };
        for (const id of stale) delete chroma[id];
        patch.chroma = chroma;
      }
      const orphans = Object.keys(s.captions).filter((id) => !s.clips.some((c) => c.id === id));
      if (orphans.length) {
        const captions = { ...s.captions };
        for (const id of orphans) delete captions[id];
        patch.captions = captions;
      }
      if (Object.keys(patch).length) store.setState(patch);
    }
  });
  if (options.takeHistory) void store.getState().restoreTakes(); // earlier sessions' takes, while the pack loads
  return store;
}
