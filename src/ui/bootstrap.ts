import { startEngine } from '../workers/startEngine';
import { createLivePlayer } from './livePlayer';
import { BACKEND_STORAGE_KEY, resolveInitialBackend, searchWithBackend } from '../state/backendPref';
import { PACK_STORAGE_KEY, resolveInitialPack, searchWithPack } from '../state/packPref';
import { DEFAULT_PACK_ID } from '../state/packsSlice';
import { createRestartingEngine } from '../state/restartingEngine';
import { createStudioStore, type StudioStore } from '../state/store';
import { indexedDbTakeHistory } from '../state/takeHistory';
import { sharedSettings, withoutShared } from '../state/shareLink';
import type { BackendChoice } from '../runtime/backend';
import { HUB_STORAGE_KEY, manifestUrlOf, resolveHubBase } from '../packs/registry';

function readStored(key = BACKEND_STORAGE_KEY): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage blocked (privacy mode): fall back to the default
  }
}

/** Remembers a choice (localStorage, when allowed) and puts it in the URL, so a reload keeps it. */
function persist(key: string, value: string, search: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not persisted; the URL still carries it
  }
  history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}

const persistBackend = (choice: BackendChoice) => persist(BACKEND_STORAGE_KEY, choice, searchWithBackend(location.search, choice));
const persistPack = (id: string) => persist(PACK_STORAGE_KEY, id, searchWithPack(location.search, id));

/** Creates the engine worker, its client and the store, and starts loading the pack. */
export function bootstrap(): StudioStore {
  // A crashed worker is replaced on the next call; the store re-inits it (see onEngineCrash).
  const engine = createRestartingEngine(
    (onCrash) => startEngine({ onCrash }),
    () => store.getState().onEngineCrash(),
  );
  const store: StudioStore = createStudioStore(engine, {
    // decode: the store's default lazily loads src/audio/decode.ts on the first file.
    // The bundled pack first; openPack below moves to the asked-for one (`?pack=<id>` or the stored
    // choice, public/models/<id>/) at once when nothing needs downloading, else asks.
    initialPack: DEFAULT_PACK_ID,
    manifestUrlOf: (id) => manifestUrlOf(id, document.baseURI),
    onPackChange: persistPack,
    // Hub-hosted pack files (musicgen-small): ?hub=<url> (a mirror, or a local folder laid out like the hub) or the stored setting.
    hubBase: resolveHubBase(location.search, readStored(HUB_STORAGE_KEY), document.baseURI),
    initialBackend: resolveInitialBackend(location.search, readStored()),
    onBackendChange: persistBackend,
    live: createLivePlayer(), // takes play while they are generated (Generate panel: Listen while it generates)
    takeHistory: indexedDbTakeHistory() ?? undefined, // takes survive a reload
  });
  const pack = resolveInitialPack(location.search, readStored(PACK_STORAGE_KEY));
  applySharedLink(store, pack);
  void store.getState().openPack(pack);
  return store;
}

/**
 * A take's link (src/state/shareLink.ts): once the asked-for pack's LM is loaded (after its
 * defaults), the link's prompt, seed and settings go into the Generate panel. They leave the URL
 * at once, so a reload does not put them back over later edits.
 */
function applySharedLink(store: StudioStore, pack: string): void {
  const shared = sharedSettings(location.search);
  if (!shared) return;
  history.replaceState(history.state, '', `${location.pathname}${withoutShared(location.search)}${location.hash}`);
  const apply = () => {
    const s = store.getState();
    const { prompt, seed, ...params } = shared;
    if (prompt !== undefined) s.setPrompt(prompt);
    s.setGenSettings({ ...params, ...(seed !== undefined ? { seed: String(seed), variations: 1 } : {}), continueFrom: null });
    s.announce('The prompt, seed and settings from the link are in the Generate panel.');
  };
  const unsubscribe = store.subscribe((s) => {
    if (s.engine.info?.lm && s.engine.info.packId === pack) {
      unsubscribe();
      apply();
    }
  });
}
