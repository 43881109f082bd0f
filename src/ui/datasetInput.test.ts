import { describe, expect, it } from 'vitest';
import { droppedFiles } from './datasetInput';

// Stand-ins for the browser's FileSystemEntry API (outside the unit): a dropped folder.
const fileEntry = (name: string, got: File | Error) => ({
  isFile: true, isDirectory: false, name,
  file: (ok: (f: File) => void, fail: (e: Error) => void) => (got instanceof Error ? fail(got) : ok(got)),
});
const dirEntry = (name: string, children: unknown[]) => ({
  isFile: false, isDirectory: true, name,
  createReader: () => {
    let done = false;
    return { readEntries: (ok: (e: unknown[]) => void) => { ok(done ? [] : children); done = true; } };
  },
});
const drop = (...entries: unknown[]) => ({
  items: entries.map((e) => ({ kind: 'file', webkitGetAsEntry: () => e, getAsFile: () => null })),
}) as unknown as DataTransfer;

describe('droppedFiles', () => {
  it('reads a dropped folder with its paths; an entry that cannot be read is reported and the rest kept', async () => {
    const got = await droppedFiles(drop(dirEntry('set', [
      fileEntry('a.wav', new File([new Uint8Array(3)], 'a.wav')),
      fileEntry('gone.wav', new DOMException('A requested file or directory could not be found', 'NotFoundError')),
      dirEntry('more', [fileEntry('metadata.csv', new File(['file_name,caption\n'], 'metadata.csv'))]),
    ])));
    expect(got.files.map((f) => f.path)).toEqual(['set/a.wav', 'set/more/metadata.csv']);
    expect(got.problems).toEqual([{ source: 'set/gone.wav', message: 'could not be read (A requested file or directory could not be found); skipped' }]);
  });
});
