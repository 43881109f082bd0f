/**
 * Datasets in the Hugging Face audiofolder layout: import a folder or .zip as clips with captions,
 * export the session's clips and captions as a .zip (src/dataset/ does the parsing and writing).
 */
import { datasetZip, readDataset, type PickedFile } from '../dataset/datasetFiles';
import type { DatasetProblem } from '../dataset/audiofolder';
import { StudioError } from '../errors/StudioError';
import type { SliceContext } from './context';
import { toErrorInfo } from './errors';
import type { ErrorInfo, StudioState } from './types';

export interface DatasetReport {
  /** Clips added by the last import. */
  imported: number;
  /** Rows and files that were skipped, one entry each (and notes such as clips without captions). */
  problems: DatasetProblem[];
}

export interface DatasetState {
  /** Reading a dataset (unzipping, parsing metadata) or writing one. */
  busy: boolean;
  report?: DatasetReport;
  error?: ErrorInfo;
}

export interface DatasetSlice {
  dataset: DatasetState;
  /**
   * Imports an audiofolder picked as a folder's files, dropped entries or .zip files: its audio
   * becomes clips with the metadata's captions. Resolves once every clip is ready or failed.
   */
  importDataset(files: PickedFile[], earlier?: DatasetProblem[]): Promise<void>;
  /** The ready clips (their audio as loaded, 16-bit WAV) and captions as an audiofolder .zip; null if there is none. */
  exportDataset(): Promise<{ bytes: Uint8Array; fileName: string } | null>;
  dismissDatasetReport(): void;
}

export const DATASET_FILE_NAME = 'musicgen-studio-dataset.zip';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function createDatasetSlice(ctx: SliceContext): DatasetSlice {
  const announce = (text: string) => ctx.get().announce(text);
  const setDataset = (p: Partial<StudioState['dataset']>) => ctx.set((s) => ({ dataset: { ...s.dataset, ...p } }));

  return {
    dataset: { busy: false },

    async importDataset(files, earlier = []) {
      if (ctx.get().dataset.busy || (files.length === 0 && earlier.length === 0)) return;
      setDataset({ busy: true, error: undefined, report: undefined });
      let added: Promise<void> = Promise.resolve();
      try {
        const read = await readDataset(files);
        const { clips } = read;
        const problems = [...earlier, ...read.problems]; // what could not even be read comes first
        setDataset({ report: { imported: clips.length, problems } });
        const skipped = problems.filter((p) => p.line !== undefined).length;
        announce(`Dataset: ${plural(clips.length, 'clip')} to import${skipped ? `, ${plural(skipped, 'row')} skipped` : ''}.`);
        if (clips.length) added = ctx.get().addFiles(clips.map((c) => c.file), clips.map((c) => c.caption));
      } catch (err) {
        const error = toErrorInfo(err);
        setDataset({ error });
        announce(`Dataset import failed: ${error.message}`);
      } finally {
        setDataset({ busy: false });
      }
      await added;
    },

    async exportDataset() {
      const s = ctx.get();
      if (s.dataset.busy) return null;
      const ready = s.clips.filter((c) => c.status === 'ready' && c.result);
      if (ready.length === 0) {
        setDataset({ error: toErrorInfo(new StudioError('DATASET_INVALID', 'there are no ready clips to export')) });
        return null;
      }
      setDataset({ busy: true, error: undefined });
      try {
        const bytes = datasetZip(ready.map((c) => {
          const audio = c.original ?? { pcm: c.result!.pcm, sampleRate: c.result!.sampleRate };
          return { name: c.name, caption: (s.captions[c.id] ?? '').trim(), pcm: audio.pcm, sampleRate: audio.sampleRate };
        }));
        announce(`Exported ${plural(ready.length, 'clip')} with their captions as ${DATASET_FILE_NAME}.`);
        return { bytes, fileName: DATASET_FILE_NAME };
      } catch (err) {
        setDataset({ error: toErrorInfo(err) });
        return null;
      } finally {
        setDataset({ busy: false });
      }
    },

    dismissDatasetReport() {
      setDataset({ report: undefined, error: undefined });
    },
  };
}
