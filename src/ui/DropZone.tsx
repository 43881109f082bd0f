import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import { isWeightsFile } from '../state/modelsSlice';
import { droppedFiles, isDatasetDrop } from './datasetInput';
import { RecordButton } from './RecordButton';
import { useStudio } from './StoreContext';

export const ACCEPT = 'audio/*,.wav,.mp3,.ogg,.flac,.m4a';

const hasFiles = (e: { dataTransfer: DataTransfer | null }) =>
  e.dataTransfer !== null && Array.from(e.dataTransfer.types).includes('Files');

/**
 * The drop target, plus a real file input behind a button for keyboard and touch users, and
 * recording from the microphone.
 * Files dropped anywhere else on the page are taken too, instead of the browser navigating
 * away to them.
 */
export function DropZone() {
  const addFiles = useStudio((s) => s.addFiles);
  const importDataset = useStudio((s) => s.importDataset);
  const importWeights = useStudio((s) => s.importWeights);
  /** A folder or .zip is a dataset (captions from its metadata); anything else is loose clips. */
  const take = useCallback((dt: DataTransfer) => {
    if (isDatasetDrop(dt)) {
      void droppedFiles(dt).then(({ files, problems }) => importDataset(files, problems));
      return;
    }
    const files = Array.from(dt.files);
    // Model weights (a PEFT adapter's .safetensors + adapter_config.json) go to the model import.
    if (files.length && files.every((f) => isWeightsFile(f.name))) void importWeights(files);
    else if (files.length) void addFiles(files);
  }, [addFiles, importDataset, importWeights]);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const depth = useRef(0);

  useEffect(() => {
    const onDragOver = (e: globalThis.DragEvent) => {
      if (hasFiles(e)) e.preventDefault();
    };
    const onDrop = (e: globalThis.DragEvent) => {
      if (!hasFiles(e) || !e.dataTransfer) return;
      e.preventDefault();
      take(e.dataTransfer);
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [take]);

  const onDragEnter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current++;
    setOver(true);
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    depth.current = 0;
    setOver(false);
    take(e.dataTransfer);
  };

  return (
    <section
      className={`drop-zone${over ? ' is-over' : ''}`}
      data-testid="drop-zone"
      aria-labelledby="drop-title"
      onDragEnter={onDragEnter}
      onDragOver={(e) => {
        if (hasFiles(e)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <p id="drop-title" className="drop-title">
        Drop audio clips here — WAV, MP3, OGG, FLAC, M4A
      </p>
      <p className="drop-sub">
        Any sample rate, any number of channels. Each clip is turned into codec tokens on this device; nothing is uploaded.
      </p>
      <div className="drop-actions">
        <button type="button" className="primary" onClick={() => input.current?.click()}>
          Choose audio files…
        </button>
        <RecordButton />
      </div>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPT}
        data-testid="file-input"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          if (files.length) void addFiles(files);
        }}
      />
    </section>
  );
}
