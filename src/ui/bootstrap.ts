import { createEngineClient } from '../workers/client';
import { BACKEND_STORAGE_KEY, resolveInitialBackend, searchWithBackend } from '../state/backendPref';
import { createRestartingEngine } from '../state/restartingEngine';
import { createStudioStore, type StudioStore } from '../state/store';
import type { BackendChoice } from '../runtime/backend';

/** The pack loaded when the URL names none (`?pack=<id>` picks public/models/<id>/). */
export const DEFAULT_PACK = 'studio';

function readStored(): string | null {
  try {
    return localStorage.getItem(BACKEND_STORAGE_KEY);
  } catch {
    return null; // storage blocked (privacy mode): fall back to 'auto'
  }
}

function persistBackend(choice: BackendChoice): void {
  try {
    localStorage.setItem(BACKEND_STORAGE_KEY, choice);
  } catch {
    // not persisted; the URL still carries it
  }
  const url = `${location.pathname}${searchWithBackend(location.search, choice)}${location.hash}`;
  history.replaceState(history.state, '', url);
}

export function manifestUrlFor(search: string): string {
  const asked = new URLSearchParams(search).get('pack');
  const pack = asked && /^[\w.-]+$/.test(asked) ? asked : DEFAULT_PACK;
  return new URL(`models/${pack}/manifest.json`, document.baseURI).href;
}

/** Creates the engine worker, its client and the store, and starts loading the pack. */
export function bootstrap(): StudioStore {
  // A crashed worker is replaced on the next call; the store re-inits it (see onEngineCrash).
  const engine = createRestartingEngine(
    (onCrash) => {
      const worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module' });
      return createEngineClient(worker, { onCrash });
    },
    () => store.getState().onEngineCrash(),
  );
  const store: StudioStore = createStudioStore(engine, {
    // decode: the store's default lazily loads src/audio/decode.ts on the first file.
    manifestUrl: manifestUrlFor(location.search),
    initialBackend: resolveInitialBackend(location.search, readStored()),
    onBackendChange: persistBackend,
  });
  void store.getState().initEngine();
  return store;
}
