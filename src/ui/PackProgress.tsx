import { findPack, formatBytes } from '../packs/registry';
import { ProgressBar } from './ProgressBar';
import { useStudio } from './StoreContext';

export const PROGRESS_ID = 'pack-progress';

const pct = (loaded: number, total: number) => (total > 0 ? Math.floor((100 * loaded) / total) : 100);

/**
 * A pack switch in flight: the whole download and each file (bytes and percent, what came from the
 * browser cache), then the loading steps, with Cancel. Screen readers hear it through the page's
 * live region (the store announces each quarter), not from here.
 */
export function PackProgress({ onCancel }: { onCancel: () => void }) {
  const progress = useStudio((s) => s.engine.progress);
  const switching = useStudio((s) => (s.pack.switching?.phase === 'loading' ? s.pack.switching : null));
  if (!switching) return null;
  const name = switching.plan?.packName ?? findPack(switching.packId)?.name ?? switching.packId;
  const d = progress?.download;
  const total = d?.total ?? switching.plan?.total;
  return (
    <div id={PROGRESS_ID} tabIndex={-1} className="pack-card" data-testid="pack-download-progress" data-loaded={d?.loaded ?? ''} data-total={total ?? ''}>
      <h2>Loading {name}</h2>
      {d ? (
        <>
          <ProgressBar value={d.total > 0 ? d.loaded / d.total : 1} label={`${formatBytes(d.loaded)} of ${formatBytes(d.total)}`} />
          <ul className="pack-files">
            {d.files.map((f) => (
              <li key={f.path} data-testid="pack-file" data-path={f.path} data-done={f.loaded >= f.total ? '' : undefined}>
                <span className="pack-file-path">{f.path}</span>
                <span className="pack-file-bytes">
                  {formatBytes(f.loaded)} / {formatBytes(f.total)} · {pct(f.loaded, f.total)}%
                  {f.total > 0 && f.fromCache >= f.total && ' · from this browser'}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <ProgressBar value={progress?.value ?? null} label={progress?.label ?? `Checking ${name}…`} />
      )}
      {d && progress && <p className="hint">{progress.label}</p>}
      <div className="pack-actions">
        <button type="button" data-testid="pack-cancel" onClick={onCancel}>Cancel</button>
        <span className="hint">Cancelling keeps what has arrived; the next try resumes, and the studio goes back to the pack it was using.</span>
      </div>
    </div>
  );
}
