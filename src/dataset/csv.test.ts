import { describe, expect, it } from 'vitest';
import { csvField, parseCsv, writeCsv } from './csv';

const fields = (text: string) => parseCsv(text).records.map((r) => r.fields);

describe('CSV (RFC 4180)', () => {
  it('splits plain fields and records on CRLF, LF and CR, with or without a final line break', () => {
    expect(fields('a,b\r\nc,d\r\n')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(fields('a,b\nc,d')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(fields('a,b\rc,d\r')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(fields('a,,\n')).toEqual([['a', '', '']]);
  });

  it('drops a byte-order mark and blank lines, and numbers records by their first line', () => {
    const r = parseCsv('\ufeffx,y\r\n\r\n1,2\n\n3,4\n');
    expect(r.records).toEqual([{ line: 1, fields: ['x', 'y'] }, { line: 3, fields: ['1', '2'] }, { line: 5, fields: ['3', '4'] }]);
    expect(r.problems).toEqual([]);
  });

  it('reads quoted fields: commas, doubled quotes and line breaks inside', () => {
    const r = parseCsv('f,c\r\n"a, b.wav","say ""hi"""\r\n"x.wav","two\r\nlines"\r\ny.wav,after\r\n');
    expect(r.records.map((x) => x.fields)).toEqual([['f', 'c'], ['a, b.wav', 'say "hi"'], ['x.wav', 'two\r\nlines'], ['y.wav', 'after']]);
    expect(r.records.map((x) => x.line)).toEqual([1, 2, 3, 5]);
    expect(fields('"",""\n')).toEqual([['', '']]);
  });

  it('keeps a bare quote inside an unquoted field', () => {
    expect(fields('a"b,c\n')).toEqual([['a"b', 'c']]);
  });

  it('reports text after a closing quote on its line and goes on', () => {
    const r = parseCsv('h1,h2\n"a.wav"x,cap\nb.wav,ok\n');
    expect(r.problems).toEqual([{ line: 2, message: 'malformed CSV: unexpected text after a closing quote' }]);
    expect(r.records.map((x) => [x.line, ...x.fields])).toEqual([[1, 'h1', 'h2'], [3, 'b.wav', 'ok']]);
  });

  it('reports a quote that never closes and resumes on the next line', () => {
    const r = parseCsv('h1,h2\r\na.wav,"open\r\nb.wav,fine\r\n');
    expect(r.problems).toEqual([{ line: 2, message: 'malformed CSV: a quoted field is never closed' }]);
    expect(r.records.map((x) => [x.line, ...x.fields])).toEqual([[1, 'h1', 'h2'], [3, 'b.wav', 'fine']]);
  });

  it('writes fields quoted only when needed, records ended by CRLF, and reads them back', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(' padded')).toBe('" padded"');
    const rows = [['file_name', 'caption'], ['a.wav', 'calm, slow'], ['b "x".wav', 'line\nbreak'], ['c.wav', '']];
    const text = writeCsv(rows);
    expect(text).toBe('file_name,caption\r\na.wav,"calm, slow"\r\n"b ""x"".wav","line\nbreak"\r\nc.wav,\r\n');
    expect(fields(text)).toEqual(rows);
  });
});
