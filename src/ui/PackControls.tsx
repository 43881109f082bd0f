import { useEffect, useId, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { findPack, formatBytes, PACKS, type PackEntry } from '../packs/registry';
import { planDownloadBytes } from '../state/packsSlice';
import { PackProgress, PROGRESS_ID } from './PackProgress';
import { useStudio } from './StoreContext';

const SELECT_ID = 'pack-select';

/** The registry's packs, plus those named only by the URL (`?pack=<id>`, e.g. a mirror's or a test hub's). */
function usePackOptions(): { id: string; label: string }[] {
  const others = useStudio((s) => s.pack.others);
  const label = (p: PackEntry) => (p.bundled ? p.name : `${p.name} · ${formatBytes(p.approxBytes)} download`);
  return [...PACKS.map((p) => ({ id: p.id, label: label(p) })), ...others.map((o) => ({ id: o.id, label: o.name }))];
}

/** The header's "Model pack" picker: choosing one checks it and, when it needs a download, asks first. */
export function PackSelect() {
  const value = useStudio((s) => s.pack.switching?.packId ?? s.pack.current);
  const busy = useStudio((s) => s.pack.switching?.phase === 'loading' || s.pack.switching?.phase === 'checking');
  const training = useStudio((s) => s.training.running);
  const choosePack = useStudio((s) => s.choosePack);
  const options = usePackOptions();
  return (
    <label className="backend-select pack-select" title={training ? 'Unavailable while training.' : undefined}>
      <span>Model pack</span>
      <select
        id={SELECT_ID}
        data-testid="pack-select"
        value={value}
        disabled={busy || training}
        onChange={(e) => void choosePack(e.currentTarget.value)}
      >
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Failures a working connection may cure: the card offers Try again. */
const NETWORK = new Set(['MODEL_FETCH_FAILED', 'DOWNLOAD_INTERRUPTED', 'RANGE_UNSUPPORTED']);

/** Below the header: the pending switch (confirm, progress, error), the engine's notices, and packs & storage. */
export function PackPanel() {
  const { switching, error, hubBase } = useStudio(
    useShallow((s) => ({ switching: s.pack.switching, error: s.pack.error, hubBase: s.pack.hubBase })),
  );
  const notices = useStudio((s) => s.engine.info?.notices);
  const { confirm, cancel, dismiss, choosePack } = useStudio(
    useShallow((s) => ({ confirm: s.confirmPackSwitch, cancel: s.cancelPackSwitch, dismiss: s.dismissPackError, choosePack: s.choosePack })),
  );
  const others = useStudio((s) => s.pack.others);
  const nameOf = (id: string) => findPack(id)?.name ?? others.find((o) => o.id === id)?.name ?? id;
  const headingId = useId();
  const askRef = useRef<HTMLDivElement>(null);
  const phase = switching?.phase ?? null;
  const hubHost = new URL(hubBase).host;

  // The question gets focus when it appears (read out, not answered by a stray key); the download
  // takes it when the question's buttons go away; when the switch is over, focus goes back to the picker.
  // (Only after the user has interacted with the page: a pack loading at start takes no focus.)
  useEffect(() => {
    const lost = (document.activeElement === document.body || document.activeElement === null)
      && (navigator.userActivation?.hasBeenActive ?? true);
    if (phase === 'confirm') askRef.current?.focus();
    else if (phase === 'loading' && lost) document.getElementById(PROGRESS_ID)?.focus();
    else if (phase === null && lost) document.getElementById(SELECT_ID)?.focus();
  }, [phase]);

  return (
    <section className="pack-panel" aria-label="Model pack">
      {switching?.phase === 'checking' && (
        <div className="pack-card" data-testid="pack-checking">
          <p>Checking what {nameOf(switching.packId)} needs to download…</p>
          <button type="button" data-testid="pack-cancel" onClick={cancel}>Cancel</button>
        </div>
      )}
      {switching?.phase === 'confirm' && (
        <div className="pack-card" data-testid="pack-confirm" ref={askRef} tabIndex={-1} role="group" aria-labelledby={headingId}>
          <h2 id={headingId}>Download {switching.plan.packName}?</h2>
          <p>
            It needs <strong data-testid="pack-download-size">{formatBytes(planDownloadBytes(switching.plan))}</strong> from {hubHost}
            {switching.plan.cachedBytes > 0 && <> ({formatBytes(switching.plan.cachedBytes)} of {formatBytes(switching.plan.total)} already in this browser)</>}
            , downloaded once and then kept in this browser. You can cancel at any time; what has arrived is kept.
          </p>
          <PackFacts entry={findPack(switching.packId)} />
          <div className="pack-actions">
            <button type="button" className="primary" data-testid="pack-confirm-download" onClick={() => void confirm()}>
              Download {formatBytes(planDownloadBytes(switching.plan))} and switch
            </button>
            <button type="button" data-testid="pack-cancel" onClick={cancel}>Cancel</button>
          </div>
        </div>
      )}
      {switching?.phase === 'loading' && <PackProgress onCancel={cancel} />}
      {error && (
        <div className="pack-card is-error" data-testid="pack-error">
          <p>
            Could not use {nameOf(error.packId)}: {/[.!?)]$/.test(error.message) ? error.message : `${error.message}.`} The studio
            stays on the pack it was using.
            {NETWORK.has(error.code) && ` Check that this device is online and can reach ${hubHost}, then try again; what arrived is kept.`}
          </p>
          {NETWORK.has(error.code) && (
            <button type="button" data-testid="pack-retry" onClick={() => { dismiss(); void choosePack(error.packId); }}>Try again</button>
          )}
          <button type="button" className="link-button" onClick={dismiss}>Dismiss</button>
        </div>
      )}
      {!switching && notices && notices.length > 0 && (
        <ul className="pack-notices" data-testid="pack-notices" aria-label="About this pack">
          {notices.map((n, i) => <li key={i} className="notice" data-code={n.code}>{n.message}</li>)}
        </ul>
      )}
      <PackStorage />
    </section>
  );
}

function PackFacts({ entry }: { entry: PackEntry | undefined }) {
  if (!entry) return null;
  return (
    <dl className="pack-facts">
      <dt>Memory</dt>
      <dd>{entry.memory}</dd>
      <dt>Licence</dt>
      <dd>{entry.licence}</dd>
      <dt>Notes</dt>
      <dd>{entry.notes}</dd>
    </dl>
  );
}

/** "Packs & storage": what each pack needs, what the browser holds, and clearing it. */
function PackStorage() {
  const { cacheBytes, freed, clearing, loading } = useStudio(
    useShallow((s) => ({ cacheBytes: s.pack.cacheBytes, freed: s.pack.freed, clearing: s.pack.clearing, loading: s.pack.switching?.phase === 'loading' })),
  );
  const engineReady = useStudio((s) => s.engine.status === 'ready');
  const { refresh, clear } = useStudio(useShallow((s) => ({ refresh: s.refreshPackCache, clear: s.clearPackCache })));
  useEffect(() => {
    if (engineReady) void refresh();
  }, [engineReady, refresh]);
  const size = cacheBytes === null ? 'unknown' : formatBytes(cacheBytes);
  return (
    <details className="advanced pack-storage" data-testid="pack-storage">
      <summary>
        Packs &amp; storage
        <span className="summary-meta">{cacheBytes === null ? '' : `${size} downloaded`}</span>
      </summary>
      <table className="pack-table">
        <caption className="visually-hidden">Model packs</caption>
        <thead>
          <tr><th scope="col">Pack</th><th scope="col">Download</th><th scope="col">Memory</th><th scope="col">Licence</th></tr>
        </thead>
        <tbody>
          {PACKS.map((p) => (
            <tr key={p.id}>
              <th scope="row">{p.name}<span className="hint">{p.notes}</span></th>
              <td>{p.bundled ? `${formatBytes(p.approxBytes)}, with the app` : `about ${formatBytes(p.approxBytes)}`}</td>
              <td>{p.memory}</td>
              <td>{p.licence}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pack-actions">
        <span>
          Downloaded pack files in this browser: <strong data-testid="pack-cache-size" data-bytes={cacheBytes ?? ''}>{size}</strong>
        </span>
        <button type="button" data-testid="pack-clear-cache" disabled={clearing || loading || !cacheBytes} onClick={() => void clear()}>
          {clearing ? 'Clearing…' : `Clear cache (frees ${formatBytes(cacheBytes ?? 0)})`}
        </button>
        {freed !== undefined && <span className="hint" data-testid="pack-freed">Freed {formatBytes(freed)}.</span>}
      </div>
      <p className="hint">The pack in use stays loaded until the page is reloaded; packs not bundled with the app download again when next used.</p>
    </details>
  );
}
