import { describe, expect, it } from 'vitest';
import { readDataset } from '../dataset/datasetFiles';
import { file, readyStore as readyStoreWith, waitFor } from './testing';

const readyStore = () => readyStoreWith({}, { persistStorage: async () => true });

const picked = (path: string, content: string | Uint8Array = new Uint8Array(16)) => ({
  path, file: new File([typeof content === 'string' ? content : content.slice()], path.slice(path.lastIndexOf('/') + 1)),
});

describe('datasets', () => {
  it('imports a folder: clips with the metadata captions, bad rows reported, the rest tokenized', async () => {
    const { fake, s } = await readyStore();
    await s().importDataset([
      picked('set/metadata.csv', 'file_name,text\r\nstrings.wav,"plucked, calm"\r\nnothere.wav,x\r\n"drums.wav"junk,y\r\ndrums.wav,drum loop\r\n'),
      picked('set/strings.wav'),
      picked('set/drums.wav'),
      picked('set/bad.wav'),
    ]);
    expect(s().clips.map((c) => [c.name, c.status, s().captions[c.id] ?? ''])).toEqual([
      ['strings.wav', 'ready', 'plucked, calm'], ['drums.wav', 'ready', 'drum loop'], ['bad.wav', 'error', ''],
    ]);
    expect(fake.tokenizes).toHaveLength(2);
    expect(s().dataset.busy).toBe(false);
    expect(s().dataset.report?.imported).toBe(3);
    expect(s().dataset.report?.problems.map((p) => [p.line, p.message])).toEqual([
      [3, 'nothere.wav: no such file in the dataset'],
      [4, 'malformed CSV: unexpected text after a closing quote'],
      [undefined, '1 audio file is not in the metadata and is imported without a caption'],
    ]);
    s().dismissDatasetReport();
    expect(s().dataset.report).toBeUndefined();
  });

  it('a damaged zip is reported and changes nothing', async () => {
    const { s } = await readyStore();
    await s().importDataset([picked('set.zip', 'PK\u0003\u0004 broken')]);
    expect(s().dataset.error?.code).toBe('DATASET_INVALID');
    expect(s().clips).toEqual([]);
  });

  it('exports the ready clips and their captions as an audiofolder zip that imports back', async () => {
    const { s } = await readyStore();
    expect(await s().exportDataset()).toBeNull();
    expect(s().dataset.error?.code).toBe('DATASET_INVALID');
    await s().addFiles([file('strings.wav'), file('drums.mp3'), file('bad.wav')], ['plucked strings', '']);
    await waitFor(() => s().clips.every((c) => c.status === 'ready' || c.status === 'error'));
    s().setCaption(s().clips[1].id, 'drum loop');
    const out = await s().exportDataset();
    expect(out?.fileName).toBe('musicgen-studio-dataset.zip');
    const back = await readDataset([{ path: out!.fileName, file: new File([out!.bytes.slice()], out!.fileName) }]);
    expect(back.problems).toEqual([]);
    expect(back.clips.map((c) => [c.file.name, c.caption])).toEqual([['strings.wav', 'plucked strings'], ['drums.wav', 'drum loop']]);
    // The audio as loaded: the fake decoder's 1 s mono mixdown at 48 or 44.1 kHz, as 16-bit WAV.
    expect(back.clips.map((c) => c.file.size)).toEqual([44 + 2 * 48000, 44 + 2 * 44100]);
  });
});
