/**
 * Takes survive a reload: each finished take (its codes, audio, facts and settings) is kept in
 * IndexedDB, newest TAKE_HISTORY_LIMIT of them; removing a take deletes it. Clips are not kept
 * (the user has their files); takes exist nowhere else. Node tests use `memoryTakeHistory()`.
 */
import type { Take } from './types';
import { idbDone as done, idbRequest as request } from '../runtime/idb';

export interface TakeHistory {
  put(take: Take): Promise<void>;
  /** Every saved take, in no particular order. */
  list(): Promise<Take[]>;
  delete(id: string): Promise<void>;
  /** Ids of the saved takes (cheap: no audio is read). */
  ids(): Promise<string[]>;
  /** Deletes every saved take. */
  clear(): Promise<void>;
}

/** About 1.3 MB per 10 s take: 30 takes stay well inside any browser's quota. */
export const TAKE_HISTORY_LIMIT = 30;

/** The take number in a take id ("take-12" -> 12); takes are numbered across sessions. */
export const takeNumberOf = (id: string): number => Number(/^take-(\d+)$/.exec(id)?.[1] ?? NaN);

/** Deletes the oldest saved takes beyond `limit`. */
export async function pruneHistory(h: TakeHistory, limit = TAKE_HISTORY_LIMIT): Promise<void> {
  const ids = (await h.ids()).sort((a, b) => takeNumberOf(b) - takeNumberOf(a));
  for (const id of ids.slice(limit)) await h.delete(id);
}

export function memoryTakeHistory(): TakeHistory {
  const rows = new Map<string, Take>();
  return {
    put: async (t) => void rows.set(t.id, structuredClone(t)),
    list: async () => [...rows.values()].map((t) => structuredClone(t)),
    delete: async (id) => void rows.delete(id),
    ids: async () => [...rows.keys()],
    clear: async () => rows.clear(),
  };
}

const DB = 'musicgen-studio-takes';
const STORE = 'takes';

/** IndexedDB, or null where the browser has none (or blocks it). */
export function indexedDbTakeHistory(): TakeHistory | null {
  if (typeof indexedDB === 'undefined') return null;
  let db: Promise<IDBDatabase> | null = null;
  const open = () => (db ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => void r.result.createObjectStore(STORE, { keyPath: 'id' });
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => { db = null; reject(r.error); };
  }));
  const store = async (mode: IDBTransactionMode) => (await open()).transaction(STORE, mode);
  return {
    async put(take) {
      const t = await store('readwrite');
      t.objectStore(STORE).put(take);
      await done(t);
    },
    async list() {
      return (await request((await store('readonly')).objectStore(STORE).getAll())) as Take[];
    },
    async delete(id) {
      const t = await store('readwrite');
      t.objectStore(STORE).delete(id);
      await done(t);
    },
    async clear() {
      const t = await store('readwrite');
      t.objectStore(STORE).clear();
      await done(t);
    },
    async ids() {
      return (await request((await store('readonly')).objectStore(STORE).getAllKeys())).map(String);
    },
  };
}
