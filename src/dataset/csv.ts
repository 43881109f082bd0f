/**
 * CSV as RFC 4180 writes it: comma-separated fields, records ended by CRLF (LF or a lone CR are
 * accepted too), fields quoted with `"` when they hold a comma, a quote or a line break, a quote
 * inside a quoted field written as `""`. A leading UTF-8 byte-order mark is dropped.
 *
 * Parsing never throws: a malformed record (text after a closing quote, or a quote that never
 * closes) is reported with the line it starts on and skipped, and parsing goes on with the next
 * record, so one bad row costs only that row. A bare `"` inside an unquoted field is kept as a
 * character (as Python's csv module does).
 */

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  message: string;
}

export interface CsvParse {
  records: CsvRecord[];
  problems: CsvProblem[];
}

export function parseCsv(input: string): CsvParse {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;

  /** Index just past the line break at or after `from` (or n), and the lines it ends. */
  const endOfLine = (from: number): number => {
    let j = from;
    while (j < n && text[j] !== '\n' && text[j] !== '\r') j++;
    if (text[j] === '\r' && text[j + 1] === '\n') return j + 2;
    return Math.min(n, j + 1);
  };
  const countBreaks = (from: number, to: number): number => {
    let c = 0;
    for (let j = from; j < to; j++) if (text[j] === '\n' || (text[j] === '\r' && text[j + 1] !== '\n')) c++;
    return c;
  };

  while (i < n) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    let error: string | null = null;
    let ended = false;
    while (!ended && error === null) {
      let field = '';
      if (text[i] === '"') {
        // Quoted field: up to the next quote that is not doubled.
        let j = i + 1;
        let closed = false;
        while (j < n) {
          if (text[j] === '"') {
            if (text[j + 1] === '"') {
              field += '"';
              j += 2;
              continue;
            }
            closed = true;
            j++;
            break;
          }
          field += text[j];
          j++;
        }
        if (!closed) {
          error = 'a quoted field is never closed';
          break;
        }
        i = j;
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          error = 'unexpected text after a closing quote';
          break;
        }
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i >= n) ended = true;
      else if (text[i] === ',') i++;
      else {
        i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
        ended = true;
      }
    }
    if (error !== null) {
      problems.push({ line: startLine, message: `malformed CSV: ${error}` });
      // Resume on the line after the one the bad record started on.
      i = endOfLine(start);
      line = startLine + 1;
      continue;
    }
    line = startLine + countBreaks(start, i);
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    records.push({ line: startLine, fields });
  }
  return { records, problems };
}

/** One CSV field, quoted when RFC 4180 requires it (and when it has edge whitespace, to keep it). */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Records as CSV text with CRLF line ends (the last record is ended too). */
export function writeCsv(rows: string[][]): string {
  return rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}
