import { describe, expect, it } from 'vitest';
import { exportNames, normalizePath, parseMetadataCsv, parseMetadataJsonl, planImport, writeMetadataCsv } from './audiofolder';

describe('audiofolder metadata', () => {
  it('metadata.csv: file_name and the preferred caption column, with BOM, CRLF and quoting', () => {
    const text = '\ufefffile_name,prompt,text,genre\r\na.wav,p1,"strings, calm",folk\r\n"b c.wav",p2,"drums ""loud""",rock\r\n';
    const m = parseMetadataCsv(text);
    expect(m.captionColumn).toBe('text');
    expect(m.rows).toEqual([
      { line: 2, fileName: 'a.wav', caption: 'strings, calm' },
      { line: 3, fileName: 'b c.wav', caption: 'drums "loud"' },
    ]);
    expect(m.problems).toEqual([]);
  });

  it('caption columns are preferred in the order caption, text, description, prompt', () => {
    const cols = ['prompt', 'description', 'text', 'caption'];
    for (let i = 0; i < cols.length; i++) {
      const have = cols.slice(0, i + 1);
      const m = parseMetadataCsv(`file_name,${have.join(',')}\nx.wav,${have.map((c) => `v-${c}`).join(',')}\n`);
      expect(m.captionColumn).toBe(cols[i]);
      expect(m.rows[0].caption).toBe(`v-${cols[i]}`);
    }
  });

  it('metadata.csv: bad rows are reported one by one, the rest kept', () => {
    const text = 'file_name,caption\na.wav,ok\nb.wav,too,many\n"c.wav"oops,x\nd.wav,"never closed\ne.wav,fine\n';
    const m = parseMetadataCsv(text, 'set/metadata.csv');
    expect(m.rows.map((r) => [r.line, r.fileName, r.caption])).toEqual([[2, 'a.wav', 'ok'], [6, 'e.wav', 'fine']]);
    expect(m.problems).toEqual([
      { source: 'set/metadata.csv', line: 3, message: 'malformed CSV: 3 fields where the header has 2' },
      { source: 'set/metadata.csv', line: 4, message: 'malformed CSV: unexpected text after a closing quote' },
      { source: 'set/metadata.csv', line: 5, message: 'malformed CSV: a quoted field is never closed' },
    ]);
  });

  it('metadata.csv without file_name, without a caption column, or empty', () => {
    expect(parseMetadataCsv('name,caption\na.wav,x\n')).toMatchObject({ rows: [], problems: [{ line: 1, message: 'the header has no file_name column' }] });
    const noCap = parseMetadataCsv('File_Name,genre\na.wav,rock\n');
    expect(noCap.rows).toEqual([{ line: 2, fileName: 'a.wav', caption: '' }]);
    expect(noCap.problems[0].message).toMatch(/no caption column/);
    expect(parseMetadataCsv('').problems[0].message).toBe('the file has no header row');
  });

  it('metadata.jsonl: objects per line; malformed, non-object and nameless lines reported', () => {
    const text = [
      '{"file_name": "a.wav", "caption": "calm strings", "bpm": 90}',
      '',
      '{"file_name": "b.wav", "caption": null}',
      '{"file_name": "c.wav", "caption": "unterminated',
      '[1, 2]',
      '{"caption": "no file"}',
      '{"file_name": "d.wav", "caption": {"nested": true}}',
      '{"file_name": " e.wav ", "caption": 42}',
    ].join('\r\n');
    const m = parseMetadataJsonl(`\ufeff${text}`);
    expect(m.captionColumn).toBe('caption');
    expect(m.rows).toEqual([
      { line: 1, fileName: 'a.wav', caption: 'calm strings' },
      { line: 3, fileName: 'b.wav', caption: '' },
      { line: 8, fileName: 'e.wav', caption: '42' },
    ]);
    expect(m.problems.map((p) => [p.line, p.message])).toEqual([
      [4, 'malformed JSON line'],
      [5, 'the line is not a JSON object'],
      [6, 'file_name is missing or not a string'],
      [7, 'caption is not text'],
    ]);
  });

  it('metadata.jsonl picks the preferred caption key present in any row', () => {
    const m = parseMetadataJsonl('{"file_name":"a.wav","prompt":"p"}\n{"file_name":"b.wav","description":"d"}\n');
    expect(m.captionColumn).toBe('description');
    expect(m.rows.map((r) => r.caption)).toEqual(['', 'd']);
  });
});

describe('planning an import', () => {
  it('resolves file_name against the metadata folder and reports missing, duplicate and non-audio rows', () => {
    const paths = ['set/metadata.csv', 'set/audio/a.wav', 'set/audio/b.flac', 'set/notes.txt', 'set/extra.mp3', 'set/.DS_Store', '__MACOSX/set/._a.wav'];
    const csv = 'file_name,caption\r\naudio/a.wav,strings\r\n./audio/b.flac,drums\r\nmissing.wav,gone\r\naudio/a.wav,again\r\nnotes.txt,text\r\n,empty\r\n';
    const plan = planImport(paths, [{ path: 'set/metadata.csv', text: csv }]);
    expect(plan.items).toEqual([
      { path: 'set/audio/a.wav', caption: 'strings' },
      { path: 'set/audio/b.flac', caption: 'drums' },
      { path: 'set/extra.mp3', caption: '' },
    ]);
    expect(plan.problems).toEqual([
      { source: 'set/metadata.csv', line: 4, message: 'missing.wav: no such file in the dataset' },
      { source: 'set/metadata.csv', line: 5, message: 'audio/a.wav: listed twice (first on set/metadata.csv line 2)' },
      { source: 'set/metadata.csv', line: 6, message: 'notes.txt: not an audio file' },
      { source: 'set/metadata.csv', line: 7, message: 'file_name is empty' },
      { source: 'dataset', message: '1 audio file is not in the metadata and is imported without a caption' },
    ]);
  });

  it('a folder without metadata imports its audio without captions', () => {
    const plan = planImport(['b.wav', 'a.ogg', 'readme.md'], []);
    expect(plan.items).toEqual([{ path: 'a.ogg', caption: '' }, { path: 'b.wav', caption: '' }]);
    expect(plan.problems[0].message).toMatch(/no metadata\.csv or metadata\.jsonl/);
    expect(planImport(['readme.md'], []).problems[0].message).toBe('no audio files found');
  });

  it('metadata in split folders; a jsonl beside a csv is ignored', () => {
    const plan = planImport(['train/metadata.jsonl', 'train/x.wav', 'test/metadata.csv', 'test/metadata.jsonl', 'test/y.wav'], [
      { path: 'train/metadata.jsonl', text: '{"file_name":"x.wav","text":"from jsonl"}\n' },
      { path: 'test/metadata.csv', text: 'file_name,text\ny.wav,from csv\n' },
      { path: 'test/metadata.jsonl', text: '{"file_name":"y.wav","text":"not used"}\n' },
    ]);
    expect(plan.items).toEqual([{ path: 'test/y.wav', caption: 'from csv' }, { path: 'train/x.wav', caption: 'from jsonl' }]);
    expect(plan.problems).toEqual([{ source: 'test/metadata.jsonl', message: 'ignored: test/metadata.csv in the same folder is used' }]);
  });

  it('normalises paths', () => {
    expect(normalizePath('./a\\b//c.wav')).toBe('a/b/c.wav');
    expect(normalizePath('/x/../../y.wav')).toBe('y.wav');
  });
});

describe('export naming', () => {
  it('gives every clip a unique, safe .wav name and writes metadata.csv', () => {
    expect(exportNames(['drums.flac', 'Drums.mp3', 'a/b:c?.wav', '.hidden', 'metadata.csv', 'drums.ogg'])).toEqual([
      'drums.wav', 'Drums-2.wav', 'a_b_c_.wav', 'clip.wav', 'metadata.wav', 'drums-3.wav',
    ]);
    expect(writeMetadataCsv([{ fileName: 'a.wav', caption: 'calm, slow' }])).toBe('file_name,caption\r\na.wav,"calm, slow"\r\n');
  });
});
