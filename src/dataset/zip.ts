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

/**
 * A zip entry's name as its bytes meant it. fflate reads names without the UTF-8 flag as Latin-1,
 * but Info-ZIP and macOS write UTF-8 without setting it: "cafÃ©.wav" is "café.wav" again.
 */
export function entryName(name: string): string {
  if (![...name].every((c) => c.charCodeAt(0) < 256)) return name; // decoded as UTF-8 already
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(name, (c) => c.charCodeAt(0)));
  } catch {
    return name; // really Latin-1 (or CP437)
  }
}

/**
 * Audio and metadata entries of a zip. Each entry is unpacked by itself, so one that is damaged, in
 * an unsupported method or encrypted is reported and skipped and the rest are read; entries over
 * `maxEntryBytes` are skipped unread. Only a file that is not a zip at all is refused.
 */
export function readZip(bytes: Uint8Array, source: string, maxEntryBytes = MAX_ENTRY_BYTES): { files: DatasetFileBytes[]; problems: DatasetProblem[] } {
  const problems: DatasetProblem[] = [];
  const wanted: Array<{ raw: string; path: string }> = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        const path = normalizePath(entryName(f.name));
        if (f.name.endsWith('/') || !path || isJunkPath(path) || !(isAudioPath(path) || isMetadataPath(path))) return false;
        if (f.originalSize > maxEntryBytes) {
          problems.push({ source, message: `${path}: ${Math.round(f.originalSize / 1048576)} MB unpacked is over the ${Math.round(maxEntryBytes / 1048576)} MB limit; skipped` });
        } else {
          wanted.push({ raw: f.name, path });
        }
        return false; // listed only: each is unpacked below, by itself
      },
    });
  } catch (e) {
    throw new StudioError('DATASET_INVALID', `${source} is not a readable zip file (${e instanceof Error ? e.message : String(e)})`);
  }
  const raw = new Set(wanted.map((w) => w.raw));
  const files: DatasetFileBytes[] = [];
  try {
    // Usually every entry unpacks: one pass over the archive.
    const all = unzipSync(bytes, { filter: (f) => raw.has(f.name) });
    for (const w of wanted) if (all[w.raw]) files.push({ path: w.path, bytes: all[w.raw] });
    return { files, problems };
  } catch {
    // One failed: unpack each by itself to keep the others (a pass per entry, only for a damaged archive).
  }
  for (const w of wanted) {
    try {
      const data = unzipSync(bytes, { filter: (f) => f.name === w.raw })[w.raw];
      if (data) files.push({ path: w.path, bytes: data });
    } catch (e) {
      problems.push({ source, message: `${w.path} could not be unpacked (${e instanceof Error ? e.message : String(e)}); skipped` });
    }
  }
  return { files, problems };
}

/** A zip of `files` (audio stored as is, text deflated). */
export function writeZip(files: DatasetFileBytes[]): Uint8Array {
  const z: Zippable = {};
  for (const f of files) z[f.path] = [f.bytes, { level: isAudioPath(f.path) ? 0 : 6 }];
  return zipSync(z);
}
