/**
 * Which model pack the engine runs, and moving to another. A switch is checked first (planPack:
 * the manifest, exact sizes and what the cache holds, while the current pack keeps working); when
 * it needs a download the user confirms the total before anything big moves. While it loads,
 * Cancel aborts the engine's init; a cancelled or failed switch loads the previous pack again, so
 * the studio keeps working (clips and takes live here, not in the engine). The init gate follows
 * the whole switch, so clips dropped meanwhile wait for whichever pack ends up loaded.
 */
import { DEFAULT_HUB_BASE, findPack, formatBytes } from '../packs/registry';
import type { PackPlan, Progress } from '../workers/protocol';
import type { SliceContext } from './context';
import { isCancel, toErrorInfo } from './errors';
import type { ErrorInfo } from './types';

/** The bundled pack: shipped with the app, loaded when nothing else is asked for. */
export const DEFAULT_PACK_ID = 'studio';

export type PackSwitch =
  | { packId: string; phase: 'checking' }
  | { packId: string; phase: 'confirm'; plan: PackPlan }
  | { packId: string; phase: 'loading'; plan: PackPlan | null };

export interface PackState {
  /** The pack the engine has loaded or is loading (engine.info says which one is in). */
  current: string;
  /** A switch being checked, waiting for the user's yes, or loading. */
  switching: PackSwitch | null;
  /** Why the last switch failed; the studio stayed on `current`. */
  error?: ErrorInfo & { packId: string };
  /** Packs outside the registry met this session (`?pack=<id>`: a mirror's or a test hub's), with their names once known. */
  others: { id: string; name: string }[];
  /** Where hub-hosted pack files come from (for people: the host the download goes to). */
  hubBase: string;
  /** Bytes of downloaded pack files in browser storage; null until known. */
  cacheBytes: number | null;
  /** Bytes the last "clear cache" freed. */
  freed?: number;
  clearing: boolean;
}

export interface PacksSlice {
  pack: PackState;
  /** At start: loads `id` directly when it is bundled or fully cached; otherwise runs the current pack and asks first. */
  openPack(id: string): Promise<void>;
  /** Checks `id`; asks for confirmation when it needs a download, else switches. Resolves when asked, switched or failed. */
  choosePack(id: string): Promise<void>;
  /** The user's yes to the download shown; resolves when the switch is over (loaded, or back on the previous pack). */
  confirmPackSwitch(): Promise<void>;
  /** No to the download, or stops the check or the download in flight (the previous pack is loaded again). */
  cancelPackSwitch(): void;
  dismissPackError(): void;
  refreshPackCache(): Promise<void>;
  /** Deletes every downloaded pack file from browser storage (the loaded pack stays in memory). */
  clearPackCache(): Promise<void>;
}

/** Bytes a plan still has to fetch. */
export const planDownloadBytes = (p: PackPlan): number => Math.max(0, p.total - p.cachedBytes);

const isBundled = (id: string) => findPack(id)?.bundled ?? false;

export function createPacksSlice(ctx: SliceContext, initialPack: string): PacksSlice {
  const { set, get, engine } = ctx;
  const nameOf = (id: string, plan?: PackPlan | null) =>
    plan?.packName ?? findPack(id)?.name ?? get().pack.others.find((o) => o.id === id)?.name ?? id;
  let controller: AbortController | null = null;
  const patch = (p: Partial<PackState>) => set({ pack: { ...get().pack, ...p } });
  const mine = (c: AbortController) => c === controller && !c.signal.aborted;
  const remember = (id: string, name?: string) => {
    if (findPack(id)) return;
    const others = get().pack.others.filter((o) => o.id !== id);
    const known = get().pack.others.find((o) => o.id === id);
    patch({ others: [...others, { id, name: name ?? known?.name ?? id }] });
  };

  /** Announces download progress in quarters, so a screen reader hears it without a flood. */
  function progressAnnouncer(): (p: Progress) => void {
    let quarter = -1;
    return (p) => {
      const d = p.download;
      if (!d || d.total <= 0) return;
      const q = Math.min(4, Math.floor((4 * d.loaded) / d.total));
      if (q === quarter) return;
      quarter = q;
      get().announce(`${p.label}, ${q * 25}%`);
    };
  }

  async function runSwitch(id: string, plan: PackPlan | null, c: AbortController): Promise<void> {
    const prev = get().pack.current;
    patch({ current: id, switching: { packId: id, phase: 'loading', plan }, error: undefined });
    const done = (async () => {
      try {
        await get().loadEngine({ signal: c.signal, quietError: true, onProgress: progressAnnouncer() });
        if (get().pack.current !== id) return;
        patch({ switching: null });
        ctx.onPackChange?.(id);
        const info = get().engine.info;
        const notes = info?.notices?.map((n) => n.message).join(' ') ?? '';
        get().announce(`${info?.packName ?? nameOf(id, plan)} is ready on ${info?.backend.toUpperCase() ?? 'the engine'}.${notes ? ` ${notes}` : ''}`);
      } catch (err) {
        const cancelled = isCancel(err);
        const error = toErrorInfo(err);
        patch({ current: prev, switching: null, ...(cancelled ? {} : { error: { ...error, packId: id } }) });
        get().announce(cancelled
          ? `Download of ${nameOf(id, plan)} cancelled; what arrived is kept, so the next try resumes. Back on ${nameOf(prev)}.`
          : `Could not switch to ${nameOf(id, plan)}: ${error.message} Back on ${nameOf(prev)}.`);
        await get().loadEngine(); // the previous pack again; its own failure is the engine's error
      } finally {
        if (controller === c) controller = null;
        void get().refreshPackCache();
      }
    })();
    ctx.gate.current = done;
    await done.catch(() => undefined);
  }

  const slice: PacksSlice = {
    pack: { current: initialPack, switching: null, others: [], hubBase: ctx.hubBase ?? DEFAULT_HUB_BASE, cacheBytes: null, clearing: false },

    async openPack(id) {
      if (id === get().pack.current) return get().initEngine();
      if (isBundled(id)) {
        patch({ current: id });
        return get().initEngine();
      }
      await get().choosePack(id);
      // Nothing loading (the user is being asked, or the check failed): run the current pack meanwhile.
      if (!ctx.gate.current) await get().initEngine();
    },

    async choosePack(id) {
      const { current, switching } = get().pack;
      if (switching?.phase === 'loading' || (switching === null && id === current) || switching?.packId === id) return;
      controller?.abort();
      if (id === current) {
        patch({ switching: null });
        return;
      }
      const c = new AbortController();
      controller = c;
      if (isBundled(id)) return runSwitch(id, null, c);
      remember(id);
      patch({ switching: { packId: id, phase: 'checking' }, error: undefined });
      get().announce(`Checking what ${nameOf(id)} needs to download…`);
      let plan: PackPlan;
      try {
        plan = await engine.planPack({ manifestUrl: ctx.manifestUrlOf(id), ...(ctx.hubBase ? { hubBase: ctx.hubBase } : {}) }, { signal: c.signal });
      } catch (err) {
        if (controller !== c) return;
        controller = null;
        if (isCancel(err)) {
          patch({ switching: null });
          return;
        }
        const error = toErrorInfo(err);
        patch({ switching: null, error: { ...error, packId: id } });
        get().announce(`Could not use ${nameOf(id)}: ${error.message}`);
        return;
      }
      if (!mine(c)) return;
      remember(id, plan.packName);
      const need = planDownloadBytes(plan);
      if (need > 0) {
        patch({ switching: { packId: id, phase: 'confirm', plan } });
        get().announce(`${plan.packName} needs a download of ${formatBytes(need)}. Confirm to start it, or cancel.`);
        return;
      }
      await runSwitch(id, plan, c);
    },

    async confirmPackSwitch() {
      const s = get().pack.switching;
      if (s?.phase !== 'confirm' || !controller) return;
      await runSwitch(s.packId, s.plan, controller);
    },

    cancelPackSwitch() {
      const s = get().pack.switching;
      if (!s) return;
      controller?.abort();
      if (s.phase === 'loading') return; // the engine answers CANCELLED and runSwitch goes back
      controller = null;
      patch({ switching: null });
      if (s.phase === 'confirm') get().announce(`Not downloading ${nameOf(s.packId, s.plan)}; staying on ${nameOf(get().pack.current)}.`);
    },

    dismissPackError() {
      patch({ error: undefined });
    },

    async refreshPackCache() {
      try {
        const { bytes } = await engine.packCacheUsage({});
        patch({ cacheBytes: bytes });
      } catch {
        patch({ cacheBytes: null }); // no storage to ask: nothing shown
      }
    },

    async clearPackCache() {
      if (get().pack.clearing || get().pack.switching?.phase === 'loading') return;
      patch({ clearing: true, freed: undefined });
      try {
        const { freed } = await engine.clearPackCache({});
        patch({ freed });
        get().announce(`Cleared the model cache: ${formatBytes(freed)} freed. Packs not bundled with the app will download again when used.`);
      } catch (err) {
        get().announce(`Could not clear the model cache: ${toErrorInfo(err).message}`);
      } finally {
        patch({ clearing: false });
        await get().refreshPackCache();
      }
    },
  };
  return slice;
}
