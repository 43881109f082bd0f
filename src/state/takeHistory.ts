/**
 * Takes survive a reload: each finished take (its codes, audio, facts and settings) is kept in
 * IndexedDB, newest TAKE_HISTORY_LIMIT of them; removing a take deletes it. Clips are not kept
 * (the user has their files); takes exist nowhere else. Node tests use `memoryTakeHistory()`.
 */
import type { Take } from './types';
import { toInt16 } from '../audio/wav';
import { idbDone as done, idbRequest as request } from '../runtime/idb';

export interface TakeHistory {
  put(take: Take): Promise<void>;
  /** Every saved take, in no particular order. */
  list(): Promise<Take[]>;
  delete(id: string): Promise<void>;
  /** Ids of the saved takes (cheap: no audio is read). */
  ids(): Promise<string[]>;
}

/** About 0.7 MB per 10 s take (audio as 16-bit PCM): 30 takes stay well inside any browser's quota. */
export const TAKE_HISTORY_LIMIT = 30;

/**
 * The take number in a take id ("take-12-k3x9q" -> 12; "take-12" as saved before the suffix).
 * Takes are numbered across sessions; the random suffix keeps two tabs' take 12 apart in storage.
 */
export const takeNumberOf = (id: string): number => Number(/^take-(\d+)(?:-[0-9a-z]+)?$/.exec(id)?.[1] ?? NaN);

/** A new take's id: its number and a random suffix. */
export const takeId = (n: number): string => `take-${n}-${Math.random().toString(36).slice(2, 8) || '0'}`;

/**
 * A take as IndexedDB keeps it: its audio as 16-bit PCM, half the bytes of float32 and exactly what
 * its WAV download holds (a restored take's WAV is byte-identical). Takes saved before this was
 * float32 are read as they are.
 */
export type StoredTake = Omit<Take, 'result'> & { result: Omit<Take['result'], 'pcm'> & { pcm: Int16Array | Float32Array } };

export function toStored(t: Take): StoredTake {
  return { ...t, result: { ...t.result, pcm: Int16Array.from(t.result.pcm, toInt16) } };
}

export function fromStored(t: StoredTake): Take {
  const pcm = t.result?.pcm;
  if (!(pcm instanceof Int16Array)) return t as Take;
  return { ...t, result: { ...t.result, pcm: Float32Array.from(pcm, (q) => q / 32768) } };
}

/** Deletes the oldest saved takes beyond `limit`. */
export async function pruneHistory(h: TakeHistory, limit = TAKE_HISTORY_LIMIT): Promise<void> {
  const ids = (await h.ids()).sort((a, b) => takeNumberOf(b) - takeNumberOf(a));
  for (const id of ids.slice(limit)) await h.delete(id);
}

/** In memory, stored as IndexedDB stores (16-bit audio), for Node tests. */
export function memoryTakeHistory(): TakeHistory {
  const rows = new Map<string, StoredTake>();
  return {
    put: async (t) => void rows.set(t.id, structuredClone(toStored(t))),
    list: async () => [...rows.values()].map((t) => fromStored(structuredClone(t))),
    delete: async (id) => void rows.delete(id),
    ids: async () => [...rows.keys()],
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
      t.objectStore(STORE).put(toStored(take));
      await done(t);
    },
    async list() {
      return ((await request((await store('readonly')).objectStore(STORE).getAll())) as StoredTake[]).map(fromStored);
    },
    async delete(id) {
      const t = await store('readwrite');
      t.objectStore(STORE).delete(id);
      await done(t);
    },
    async ids() {
      return (await request((await store('readonly')).objectStore(STORE).getAllKeys())).map(String);
    },
  };
}
