/**
 * Zip archives of datasets, through fflate (small, no dependencies, works in Node and browsers).
 * Reading keeps only what an audiofolder import can use (audio and metadata files, no hidden or
 * __MACOSX entries) and refuses single entries over a size cap before inflating them.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { StudioError } from '../errors/StudioError';
import { isAudioPath, isJunkPath, isMetadataPath, normalizePath, type DatasetProblem } from './audiofolder';

export interface DatasetFileBytes {
  path: string;
  bytes: Uint8Array;
}

/** The largest entry inflated (the same cap as a dropped file). */
export const MAX_ENTRY_BYTES = 200 * 1024 * 1024;

/** Audio and metadata entries of a zip; entries over `maxEntryBytes` are reported and skipped. */
export function readZip(bytes: Uint8Array, source: string, maxEntryBytes = MAX_ENTRY_BYTES): { files: DatasetFileBytes[]; problems: DatasetProblem[] } {
  const problems: DatasetProblem[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        const path = normalizePath(f.name);
        if (f.name.endsWith('/') || !path || isJunkPath(path) || !(isAudioPath(path) || isMetadataPath(path))) return false;
        if (f.originalSize > maxEntryBytes) {
          problems.push({ source, message: `${path}: ${Math.round(f.originalSize / 1048576)} MB unpacked is over the ${Math.round(maxEntryBytes / 1048576)} MB limit; skipped` });
          return false;
        }
        return true;
      },
    });
  } catch (e) {
    throw new StudioError('DATASET_INVALID', `${source} is not a readable zip file (${e instanceof Error ? e.message : String(e)})`);
  }
  const files = Object.entries(entries).map(([name, data]) => ({ path: normalizePath(name), bytes: data }));
  return { files, problems };
}

/** A zip of `files` (audio stored as is, text deflated). */
export function writeZip(files: DatasetFileBytes[]): Uint8Array {
  const z: Zippable = {};
  for (const f of files) z[f.path] = [f.bytes, { level: isAudioPath(f.path) ? 0 : 6 }];
  return zipSync(z);
}
