/**
 * From what the user picked (a folder's files, dropped entries, or .zip files) to clips with
 * captions, and from the session's clips to an audiofolder .zip. Uses only Blob/File, so it runs
 * in Node as in the browser; reading folders from the DOM is in src/ui/datasetInput.ts.
 */
import { encodeWav16 } from '../audio/wav';
import { exportNames, isAudioPath, isMetadataPath, normalizePath, planImport, writeMetadataCsv, type DatasetProblem } from './audiofolder';
import { readZip, writeZip } from './zip';

/** A picked file and its path inside the dataset ("set/metadata.csv", or just its name). */
export interface PickedFile {
  path: string;
  file: Blob & { name: string };
}

export interface DatasetImport {
  /** Files to add as clips, in order, each with its caption ('' = none). */
  clips: Array<{ file: File; caption: string }>;
  problems: DatasetProblem[];
}

const isZip = (p: PickedFile) => /\.zip$/i.test(p.path) || p.file.type === 'application/zip';
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * Expands zips, reads the metadata files and plans the import (src/dataset/audiofolder.ts).
 * A zip's entries are placed under the zip's own path, so two zips never collide.
 */
export async function readDataset(picked: PickedFile[]): Promise<DatasetImport> {
  const problems: DatasetProblem[] = [];
  const files = new Map<string, Blob>();
  let refused: unknown; // the first zip that is not a zip at all
  for (const p of picked) {
    const path = normalizePath(p.path || p.file.name);
    if (isZip(p)) {
      let zip: ReturnType<typeof readZip>;
      try {
        zip = readZip(new Uint8Array(await p.file.arrayBuffer()), path);
      } catch (e) {
        refused ??= e;
        problems.push({ source: path, message: e instanceof Error ? e.message : String(e) }); // the other picks still import
        continue;
      }
      problems.push(...zip.problems);
      for (const f of zip.files) files.set(`${path}/${f.path}`, new Blob([f.bytes.slice()]));
    } else if (isAudioPath(path) || isMetadataPath(path)) {
      files.set(path, p.file);
    }
  }
  const metadata: Array<{ path: string; text: string }> = [];
  for (const [path, blob] of files) if (isMetadataPath(path)) metadata.push({ path, text: await blob.text() });
  const plan = planImport([...files.keys()], metadata);
  if (refused && plan.items.length === 0) throw refused; // nothing else to import: the refusal is the answer
  const clips = plan.items.map((it) => {
    const blob = files.get(it.path)!;
    const file = blob instanceof File && blob.name === baseName(it.path) ? blob : new File([blob], baseName(it.path), { type: blob.type });
    return { file, caption: it.caption };
  });
  return { clips, problems: [...problems, ...plan.problems] };
}

export interface ExportClip {
  name: string;
  caption: string;
  /** Mono audio to write as 16-bit WAV. */
  pcm: Float32Array;
  sampleRate: number;
}

/** An audiofolder zip: `<clip>.wav` files and a metadata.csv (file_name, caption) at its root. */
export function datasetZip(clips: ExportClip[]): Uint8Array {
  const names = exportNames(clips.map((c) => c.name));
  const audio = clips.map((c, i) => ({ path: names[i], bytes: encodeWav16(c.pcm, c.sampleRate) }));
  const csv = writeMetadataCsv(clips.map((c, i) => ({ fileName: names[i], caption: c.caption })));
  return writeZip([{ path: 'metadata.csv', bytes: new TextEncoder().encode(csv) }, ...audio]);
}
