/**
 * Browser glue for dataset import: the files of a picked folder (`<input webkitdirectory>`) and
 * of dropped folders (DataTransferItem.webkitGetAsEntry), with their paths inside the dataset.
 * Parsing and planning are in src/dataset/ (Node-tested).
 */
import type { DatasetProblem } from '../dataset/audiofolder';
import type { PickedFile } from '../dataset/datasetFiles';

/** Files from a file input: the folder-relative path when the input picked a folder, else the name. */
export function pickedFromInput(files: FileList | File[]): PickedFile[] {
  return Array.from(files, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

const isZipName = (name: string) => /\.zip$/i.test(name);

/** A folder or a .zip among dropped items: then the drop is a dataset, not loose clips. */
export function isDatasetDrop(dt: DataTransfer): boolean {
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry?.isDirectory) return true;
    const f = item.getAsFile();
    if (f && (isZipName(f.name) || f.type === 'application/zip')) return true;
  }
  return false;
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

const why = (e: unknown) => (e instanceof Error || e instanceof DOMException ? e.message : String(e));

/** Every file under an entry, with its path from the dropped item's own name; what cannot be read goes to `problems`. */
async function walk(entry: FileSystemEntry, prefix: string, out: DroppedFiles): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    try {
      out.files.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
    } catch (e) {
      out.problems.push({ source: path, message: `could not be read (${why(e)}); skipped` }); // a broken link, a file gone meanwhile
    }
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  try {
    // readEntries answers in batches (100 in Chromium) until it returns an empty one.
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
      for (const child of batch) await walk(child, path, out);
    }
  } catch (e) {
    out.problems.push({ source: path, message: `this folder could not be read to the end (${why(e)})` });
  }
}

export interface DroppedFiles {
  files: PickedFile[];
  problems: DatasetProblem[];
}

/**
 * The files of a drop, folders expanded. Entries must be taken synchronously in the drop event,
 * before the first await, or the browser empties the DataTransfer.
 */
export function droppedFiles(dt: Pick<DataTransfer, 'items'>): Promise<DroppedFiles> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry?.isDirectory) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  return (async () => {
    const out: DroppedFiles = { files: loose.map((file) => ({ path: file.name, file })), problems: [] };
    for (const e of entries) await walk(e, '', out);
    return out;
  })();
}
