/**
 * Where fine-tuned models live between sessions: IndexedDB (available in the worker), one record
 * per model with its latest checkpoint. Quota errors become STORAGE_FULL; the caller keeps the
 * in-memory model. Node tests use `memoryModelStore()`.
 */
import { StudioError } from '../errors/StudioError';
import { idbDone as done, idbRequest as request } from './idb';

/** A saved model's weights: the whole LM ('full'), or LoRA adapters for the pack's own weights ('lora'). */
export type ModelKind = 'full' | 'lora';

export interface SavedModelMeta {
  id: string;
  name: string;
  /**
   * 'lora': `checkpoint` holds adapters only (a LoRA training checkpoint while its run is
   * unfinished, else the adapter file `saveLora` writes). Absent (models saved before adapters
   * existed) = 'full': a training checkpoint or plain weights.
   */
  kind?: ModelKind;
  packId: string;
  createdAt: number;
  updatedAt: number;
  step: number;
  /** Training history: [step, train loss, val loss or null]. */
  history: [number, number, number | null][];
  bytes: number;
  /** What the run was asked to do, so it can be resumed; absent for imported weights. */
  plan?: TrainPlan;
}

/** A training run's request as saved with its model: the step target, the options and the clips (in order). */
export interface TrainPlan {
  steps: number;
  options: Record<string, number>;
  /** Absent = 'full'. */
  method?: ModelKind;
  /** LoRA runs: the adapter's rank, alpha and targets. */
  lora?: { rank: number; alpha: number; targets: string[]; dropout?: number };
  clips: Array<{ name: string; caption: string; frames: number }>;
}

export interface SavedModel extends SavedModelMeta {
  checkpoint: Uint8Array;
}

/** A model in use that is saved nowhere (a run whose saves failed) is labelled so: "My groove (not saved)". */
export const NOT_SAVED = ' (not saved)';
export const unsavedLabel = (name: string): string => (name.endsWith(NOT_SAVED) ? name : name + NOT_SAVED);
/** The model's own name in such a label ("My groove (not saved)" -> "My groove"). */
export const savedNameOf = (label: string): string => (label.endsWith(NOT_SAVED) ? label.slice(0, -NOT_SAVED.length) : label);

export interface ModelStore {
  put(m: SavedModel): Promise<void>;
  get(id: string): Promise<SavedModel | null>;
  list(): Promise<SavedModelMeta[]>;
  /** Renames a saved model without reading its checkpoint (a full fine-tune's can be gigabytes); false if it is gone. */
  rename(id: string, name: string): Promise<boolean>;
  delete(id: string): Promise<void>;
}

export function memoryModelStore(): ModelStore {
  const rows = new Map<string, SavedModel>();
  const meta = ({ checkpoint: _c, ...m }: SavedModel): SavedModelMeta => m;
  return {
    put: async (m) => void rows.set(m.id, { ...m, checkpoint: m.checkpoint.slice() }),
    get: async (id) => rows.get(id) ?? null,
    list: async () => [...rows.values()].map(meta).sort((a, b) => b.updatedAt - a.updatedAt),
    rename: async (id, name) => {
      const m = rows.get(id);
      if (m) m.name = name;
      return m !== undefined;
    },
    delete: async (id) => void rows.delete(id),
  };
}

const DB = 'musicgen-studio';
// Metadata and checkpoints in separate stores, so listing never reads the weights.
const META = 'models';
const BLOBS = 'checkpoints';

// STORAGE_FULL's sentence already says the model is kept in memory: the detail only adds what happened.
function storageError(e: unknown): StudioError {
  const name = (e as DOMException)?.name;
  if (name === 'QuotaExceededError') return new StudioError('STORAGE_FULL', '(It lasts this session.)');
  return new StudioError('STORAGE_FULL', `(The browser's storage refused it: ${name ?? String(e)}.)`);
}

export function indexedDbModelStore(): ModelStore {
  let db: Promise<IDBDatabase> | null = null;
  const open = () => (db ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore(META, { keyPath: 'id' });
      r.result.createObjectStore(BLOBS);
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => { db = null; reject(r.error); };
  }));
  return {
    async put({ checkpoint, ...meta }) {
      try {
        const t = (await open()).transaction([META, BLOBS], 'readwrite');
        t.objectStore(META).put(meta);
        t.objectStore(BLOBS).put(checkpoint, meta.id);
        await done(t);
      } catch (e) {
        throw storageError(e);
      }
    },
    async get(id) {
      const t = (await open()).transaction([META, BLOBS], 'readonly');
      const meta = (await request(t.objectStore(META).get(id))) as SavedModelMeta | undefined;
      const checkpoint = (await request(t.objectStore(BLOBS).get(id))) as Uint8Array | undefined;
      return meta && checkpoint ? { ...meta, checkpoint } : null;
    },
    async list() {
      const all = (await request((await open()).transaction(META, 'readonly').objectStore(META).getAll())) as SavedModelMeta[];
      return all.sort((a, b) => b.updatedAt - a.updatedAt);
    },
    async rename(id, name) {
      try {
        const t = (await open()).transaction(META, 'readwrite');
        const store = t.objectStore(META);
        const meta = (await request(store.get(id))) as SavedModelMeta | undefined;
        if (meta) store.put({ ...meta, name }); // updatedAt kept: the list's order stays
        await done(t);
        return meta !== undefined;
      } catch (e) {
        throw storageError(e);
      }
    },
    async delete(id) {
      const t = (await open()).transaction([META, BLOBS], 'readwrite');
      t.objectStore(META).delete(id);
      t.objectStore(BLOBS).delete(id);
      await done(t);
    },
  };
}
