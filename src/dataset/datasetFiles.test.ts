import { describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { decodeWav } from '../audio/wav';
import { StudioError } from '../errors/StudioError';
import { datasetZip, readDataset, type PickedFile } from './datasetFiles';
import { readZip } from './zip';

const picked = (path: string, bytes: Uint8Array | string, type = ''): PickedFile => {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return { path, file: new File([typeof bytes === 'string' ? bytes : bytes.slice()], name, { type }) };
};
const tone = (n: number, hz: number, sr: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sr));

describe('dataset files', () => {
  it('a picked folder: metadata captions, unlisted audio, other files ignored', async () => {
    const r = await readDataset([
      picked('set/metadata.csv', 'file_name,caption\r\nb.wav,drum loop\r\na.wav,"strings, calm"\r\nzz.wav,missing\r\n'),
      picked('set/a.wav', new Uint8Array([1, 2, 3])),
      picked('set/b.wav', new Uint8Array([4, 5])),
      picked('set/c.flac', new Uint8Array([6])),
      picked('set/cover.png', new Uint8Array([7])),
    ]);
    expect(r.clips.map((c) => [c.file.name, c.caption, c.file.size])).toEqual([['b.wav', 'drum loop', 2], ['a.wav', 'strings, calm', 3], ['c.flac', '', 1]]);
    expect(r.problems.map((p) => [p.source, p.line, p.message])).toEqual([
      ['set/metadata.csv', 4, 'zz.wav: no such file in the dataset'],
      ['dataset', undefined, '1 audio file is not in the metadata and is imported without a caption'],
    ]);
  });

  it('a .zip: entries under the zip name, junk and oversized entries skipped, a broken zip refused', async () => {
    const zip = zipSync({
      'ds/metadata.jsonl': strToU8('{"file_name":"x.wav","caption":"calm"}\n{"file_name":"big.wav","caption":"big"}\n'),
      'ds/x.wav': new Uint8Array(10),
      'ds/big.wav': new Uint8Array(5000),
      '__MACOSX/ds/._x.wav': new Uint8Array(3),
      'ds/readme.txt': strToU8('hi'),
    });
    const { files, problems } = readZip(zip, 'ds.zip', 1000);
    expect(files.map((f) => f.path).sort()).toEqual(['ds/metadata.jsonl', 'ds/x.wav']);
    expect(problems[0].message).toMatch(/^ds\/big\.wav: .* over the 0 MB limit; skipped$/);
    const r = await readDataset([picked('ds.zip', zip, 'application/zip')]);
    expect(r.clips.map((c) => [c.file.name, c.caption, c.file.size])).toEqual([['x.wav', 'calm', 10], ['big.wav', 'big', 5000]]);
    expect(() => readZip(strToU8('not a zip at all'), 'bad.zip')).toThrow(StudioError);
    // A broken zip is reported beside the rest of the pick, which still imports.
    const mixed = await readDataset([picked('bad.zip', 'PK\u0003\u0004 nope'), picked('ds.zip', zip, 'application/zip')]);
    expect(mixed.clips.map((c) => c.file.name)).toEqual(['x.wav', 'big.wav']);
    expect(mixed.problems.map((p) => [p.source, p.message.includes('not a readable zip')])).toContainEqual(['bad.zip', true]);
  });

  it('a damaged entry is skipped and the others read; UTF-8 names without the zip flag and decomposed names match their metadata', async () => {
    const zip = zipSync({
      'ds/bad.wav': [new Uint8Array(4000).fill(7), { level: 6 }], // first: its data right after the local header
      'ds/caf\u00c3\u00a9.wav': new Uint8Array(12), // "café.wav" in UTF-8 bytes, stored without the UTF-8 flag (as Info-ZIP does)
      'ds/cafe\u0301 noir.wav': new Uint8Array(8), // decomposed (NFD), as macOS writes names
      'ds/metadata.csv': strToU8('file_name,caption\ncafé.wav,a café tune\ncafé noir.wav,dark\nbad.wav,lost\n'),
    });
    const nameLen = zip[26] | (zip[27] << 8);
    const extraLen = zip[28] | (zip[29] << 8);
    zip.fill(0xff, 30 + nameLen + extraLen, 30 + nameLen + extraLen + 8); // break bad.wav's deflate stream
    const r = await readDataset([picked('ds.zip', zip, 'application/zip')]);
    expect(r.clips.map((c) => [c.file.name, c.caption]).sort()).toEqual([['café noir.wav', 'dark'], ['café.wav', 'a café tune']]);
    expect(r.problems.map((p) => p.message)).toContainEqual(expect.stringMatching(/^ds\/bad\.wav could not be unpacked/));
  });

  it('export writes WAVs and metadata.csv that import back to the same captions and audio', async () => {
    const sr = 24000;
    const clips = [
      { name: 'drums.flac', caption: 'drum loop, "tight"', pcm: tone(2400, 200, sr), sampleRate: sr },
      { name: 'drums.mp3', caption: '', pcm: tone(1200, 440, sr), sampleRate: sr },
    ];
    const zip = datasetZip(clips);
    const r = await readDataset([picked('export.zip', zip)]);
    expect(r.problems).toEqual([]);
    expect(r.clips.map((c) => [c.file.name, c.caption])).toEqual([['drums.wav', 'drum loop, "tight"'], ['drums-2.wav', '']]);
    for (let i = 0; i < clips.length; i++) {
      const wav = decodeWav(new Uint8Array(await r.clips[i].file.arrayBuffer()));
      expect(wav.sampleRate).toBe(sr);
      const back = wav.channels[0];
      expect(back.length).toBe(clips[i].pcm.length);
      expect(Math.max(...back.map((x, j) => Math.abs(x - clips[i].pcm[j])))).toBeLessThan(1 / 32768 + 1e-7);
    }
  });
});
