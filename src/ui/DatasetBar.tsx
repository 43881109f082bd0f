import { useId, useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { downloadBytes } from './download';
import { droppedFiles, pickedFromInput } from './datasetInput';
import { useStudio } from './StoreContext';

/**
 * Import an audiofolder dataset (a folder, a .zip, or audio files plus their metadata file) as
 * captioned clips, and export the clips and captions the same way. Dropping a folder or .zip
 * here (or on the main drop zone) imports it.
 */
export function DatasetBar() {
  const id = useId();
  const { importDataset, exportDataset, dismiss } = useStudio(
    useShallow((s) => ({ importDataset: s.importDataset, exportDataset: s.exportDataset, dismiss: s.dismissDatasetReport })),
  );
  const dataset = useStudio((s) => s.dataset);
  const readyCount = useStudio((s) => s.clips.filter((c) => c.status === 'ready').length);
  const [over, setOver] = useState(false);
  const { busy, report, error } = dataset;

  const onExport = async () => {
    const r = await exportDataset();
    if (r) downloadBytes(r.bytes, r.fileName, 'application/zip');
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setOver(false);
    void droppedFiles(e.dataTransfer).then(({ files, problems }) => importDataset(files, problems));
  };
  const rows = report?.problems.filter((p) => p.line !== undefined) ?? [];
  const notes = report?.problems.filter((p) => p.line === undefined) ?? [];

  return (
    <section
      className={`dataset${over ? ' is-over' : ''}`}
      aria-labelledby={`${id}-h`}
      data-testid="dataset"
      onDragOver={(e) => {
        if (!Array.from(e.dataTransfer.types).includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <h2 id={`${id}-h`} className="visually-hidden">Dataset</h2>
      <p className="hint">
        Datasets in the Hugging Face <em>audiofolder</em> layout: audio files plus <code>metadata.csv</code> or{' '}
        <code>metadata.jsonl</code> with <code>file_name</code> and a caption (<code>caption</code>, <code>text</code>,{' '}
        <code>description</code> or <code>prompt</code>).
      </p>
      <div className="dataset-actions">
        <label className={`file-button${busy ? ' is-disabled' : ''}`}>
          ⤒ Import dataset folder…
          <input
            type="file"
            className="visually-hidden"
            data-testid="import-dataset-folder"
            disabled={busy}
            {...{ webkitdirectory: '', directory: '' }}
            onChange={(e) => {
              const files = pickedFromInput(e.currentTarget.files ?? []);
              e.currentTarget.value = '';
              if (files.length) void importDataset(files);
            }}
          />
        </label>
        <label className={`file-button${busy ? ' is-disabled' : ''}`}>
          ⤒ Import .zip or files…
          <input
            type="file"
            multiple
            accept=".zip,application/zip,.csv,.jsonl,audio/*,.wav,.mp3,.ogg,.flac,.m4a"
            className="visually-hidden"
            data-testid="import-dataset"
            disabled={busy}
            onChange={(e) => {
              const files = pickedFromInput(e.currentTarget.files ?? []);
              e.currentTarget.value = '';
              if (files.length) void importDataset(files);
            }}
          />
        </label>
        <button type="button" data-testid="export-dataset" disabled={busy || readyCount === 0}
          title="Download the ready clips (WAV) and their captions as an audiofolder .zip" onClick={() => void onExport()}>
          ⤓ Export dataset
        </button>
        {busy && <span className="hint">Reading the dataset…</span>}
      </div>
      {report && (
        <div className="dataset-report" data-testid="dataset-report" data-imported={report.imported} data-problems={rows.length}>
          <p>
            Imported {report.imported} clip{report.imported === 1 ? '' : 's'}
            {rows.length > 0 && `; ${rows.length} row${rows.length === 1 ? '' : 's'} skipped`}.{' '}
            <button type="button" className="link-button" onClick={dismiss}>Dismiss</button>
          </p>
          {(rows.length > 0 || notes.length > 0) && (
            <ul>
              {rows.map((p, i) => (
                <li key={`r${i}`} data-testid="dataset-problem" data-line={p.line}>
                  {p.source}, line {p.line}: {p.message}
                </li>
              ))}
              {notes.map((p, i) => (
                <li key={`n${i}`} className="hint">
                  {p.source === 'dataset' ? '' : `${p.source}: `}{p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {error && (
        <div className="inline-error" role="alert" data-testid="dataset-error" data-code={error.code}>
          <p>{error.message}</p>
          <button type="button" className="link-button" onClick={dismiss}>Dismiss</button>
        </div>
      )}
    </section>
  );
}
