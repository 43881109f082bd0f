/**
 * The Hugging Face "audiofolder" layout: audio files plus a `metadata.csv` or `metadata.jsonl`
 * whose `file_name` column gives each file's path (relative to the metadata file's folder) and
 * whose other columns describe it. The caption is the first of `caption`, `text`, `description`,
 * `prompt` that the metadata has.
 *
 * Pure: works on paths and text. Every bad row (malformed line, empty or unknown file name,
 * duplicate, not audio) becomes a problem of its own; every other row is imported. Audio files
 * that no row lists are imported without a caption, and said so.
 */
import { parseCsv, writeCsv } from './csv';

/** Caption columns, most preferred first. */
export const CAPTION_COLUMNS = ['caption', 'text', 'description', 'prompt'] as const;

/** File extensions the studio tries to decode (the browser decides for the compressed ones). */
export const AUDIO_EXTENSIONS = ['wav', 'wave', 'aif', 'aiff', 'aifc', 'mp3', 'ogg', 'oga', 'opus', 'flac', 'm4a', 'mp4', 'aac', 'webm'];

export const METADATA_NAMES = ['metadata.csv', 'metadata.jsonl'] as const;

export interface MetadataRow {
  line: number;
  fileName: string;
  caption: string;
}

export interface DatasetProblem {
  /** The file the problem is in (a metadata file, or the dataset itself). */
  source: string;
  /** 1-based line in `source`, when the problem is one row. */
  line?: number;
  message: string;
}

export interface ParsedMetadata {
  rows: MetadataRow[];
  problems: DatasetProblem[];
  /** The column the captions came from; null when the metadata has none. */
  captionColumn: string | null;
}

const extension = (path: string) => /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const dirName = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);

export const isAudioPath = (path: string): boolean => AUDIO_EXTENSIONS.includes(extension(path));

export const isMetadataPath = (path: string): boolean =>
  (METADATA_NAMES as readonly string[]).includes(baseName(path).toLowerCase());

/** Hidden files and folders (".DS_Store", "__MACOSX/...") that archivers add and nobody meant. */
export const isJunkPath = (path: string): boolean => path.split('/').some((s) => s.startsWith('.') || s === '__MACOSX');

/**
 * "./a\\b//c.wav" -> "a/b/c.wav"; "." segments dropped, ".." steps up (never above the root); Unicode
 * in NFC, so a name macOS wrote decomposed matches the same name typed into metadata.csv.
 */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const s of path.normalize('NFC').replace(/\\/g, '/').split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out.join('/');
}

const noCaptionNote = (source: string): DatasetProblem => ({
  source, message: `no caption column (${CAPTION_COLUMNS.join(', ')}); its clips are imported without captions`,
});

/** Parses a metadata.csv: a header row with `file_name` (any case) and an optional caption column. */
export function parseMetadataCsv(text: string, source = 'metadata.csv'): ParsedMetadata {
  const { records, problems: csvProblems } = parseCsv(text);
  const problems: DatasetProblem[] = csvProblems.map((p) => ({ source, line: p.line, message: p.message }));
  const header = records.shift();
  if (!header) return { rows: [], problems: [...problems, { source, message: 'the file has no header row' }], captionColumn: null };
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const fileCol = names.indexOf('file_name');
  if (fileCol < 0) {
    return { rows: [], problems: [...problems, { source, line: header.line, message: 'the header has no file_name column' }], captionColumn: null };
  }
  const captionColumn = CAPTION_COLUMNS.find((c) => names.includes(c)) ?? null;
  const capCol = captionColumn ? names.indexOf(captionColumn) : -1;
  if (!captionColumn) problems.push(noCaptionNote(source));
  const rows: MetadataRow[] = [];
  for (const r of records) {
    if (r.fields.length !== names.length) {
      problems.push({ source, line: r.line, message: `malformed CSV: ${r.fields.length} fields where the header has ${names.length}` });
      continue;
    }
    rows.push({ line: r.line, fileName: r.fields[fileCol].trim(), caption: capCol >= 0 ? r.fields[capCol].trim() : '' });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { rows, problems, captionColumn };
}

/** Parses a metadata.jsonl: one JSON object per line with a string `file_name`. */
export function parseMetadataJsonl(text: string, source = 'metadata.jsonl'): ParsedMetadata {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n|\n|\r/);
  const problems: DatasetProblem[] = [];
  const objects: Array<{ line: number; obj: Record<string, unknown> }> = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      problems.push({ source, line: i + 1, message: 'malformed JSON line' });
      return;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      problems.push({ source, line: i + 1, message: 'the line is not a JSON object' });
      return;
    }
    objects.push({ line: i + 1, obj: obj as Record<string, unknown> });
  });
  const captionColumn = CAPTION_COLUMNS.find((c) => objects.some(({ obj }) => c in obj)) ?? null;
  if (!captionColumn && objects.length > 0) problems.push(noCaptionNote(source));
  const rows: MetadataRow[] = [];
  for (const { line, obj } of objects) {
    const fileName = obj.file_name;
    if (typeof fileName !== 'string') {
      problems.push({ source, line, message: 'file_name is missing or not a string' });
      continue;
    }
    const cap = captionColumn ? obj[captionColumn] : undefined;
    if (cap !== undefined && cap !== null && typeof cap !== 'string' && typeof cap !== 'number') {
      problems.push({ source, line, message: `${captionColumn} is not text` });
      continue;
    }
    rows.push({ line, fileName: fileName.trim(), caption: cap === undefined || cap === null ? '' : String(cap).trim() });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { rows, problems, captionColumn };
}

export interface ImportItem {
  /** Normalised path of the audio file, as given to `planImport`. */
  path: string;
  caption: string;
}

export interface ImportPlan {
  items: ImportItem[];
  problems: DatasetProblem[];
}

/**
 * Decides what to import from a folder's (or zip's) files: `paths` are every file's path inside
 * the dataset, `metadata` the text of each metadata file found among them. Items come in
 * metadata row order, then unlisted audio files in path order.
 */
export function planImport(paths: string[], metadata: Array<{ path: string; text: string }>): ImportPlan {
  const files = new Set(paths.map(normalizePath).filter((p) => p && !isJunkPath(p)));
  const problems: DatasetProblem[] = [];
  const items: ImportItem[] = [];
  const listed = new Map<string, string>(); // path -> "source line N"

  const metas = metadata
    .map((m) => ({ path: normalizePath(m.path), text: m.text }))
    .filter((m) => !isJunkPath(m.path))
    .sort((a, b) => a.path.localeCompare(b.path));
  const used = metas.filter((m) => {
    // Two metadata files in one folder: the CSV wins.
    const csvTwin = `${dirName(m.path)}metadata.csv`;
    if (baseName(m.path).toLowerCase() === 'metadata.jsonl' && metas.some((o) => o.path.toLowerCase() === csvTwin.toLowerCase())) {
      problems.push({ source: m.path, message: `ignored: ${csvTwin} in the same folder is used` });
      return false;
    }
    return true;
  });

  for (const m of used) {
    const parsed = m.path.toLowerCase().endsWith('.csv') ? parseMetadataCsv(m.text, m.path) : parseMetadataJsonl(m.text, m.path);
    const found = parsed.problems.slice();
    for (const row of parsed.rows) {
      const at = (message: string) => found.push({ source: m.path, line: row.line, message });
      if (!row.fileName) {
        at('file_name is empty');
        continue;
      }
      const path = normalizePath(dirName(m.path) + row.fileName);
      if (!files.has(path)) at(`${row.fileName}: no such file in the dataset`);
      else if (!isAudioPath(path)) at(`${row.fileName}: not an audio file`);
      else if (listed.has(path)) at(`${row.fileName}: listed twice (first on ${listed.get(path)})`);
      else {
        listed.set(path, `${m.path} line ${row.line}`);
        items.push({ path, caption: row.caption });
      }
    }
    problems.push(...found.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }

  const unlisted = [...files].filter((p) => isAudioPath(p) && !listed.has(p)).sort((a, b) => a.localeCompare(b));
  if (unlisted.length > 0) {
    if (used.length === 0) problems.push({ source: 'dataset', message: 'no metadata.csv or metadata.jsonl: clips are imported without captions' });
    else problems.push({ source: 'dataset', message: `${unlisted.length} audio file${unlisted.length === 1 ? ' is' : 's are'} not in the metadata and ${unlisted.length === 1 ? 'is' : 'are'} imported without a caption` });
    for (const path of unlisted) items.push({ path, caption: '' });
  }
  if (items.length === 0 && problems.length === 0) problems.push({ source: 'dataset', message: 'no audio files found' });
  return { items, problems };
}

/** "Take 1: piano?.wav" -> "Take 1_ piano_" (no extension; safe in zips on every OS). */
function safeStem(name: string): string {
  const stem = name.replace(/\.[^./\\]+$/, '');
  const clean = stem.replace(/[\u0000-\u001f/\\:*?"<>|]/g, '_').trim().replace(/^\.+/, '');
  return clean || 'clip';
}

/**
 * File names for exported clips: `<stem>.wav`, made unique (case-insensitively) with `-2`, `-3`...
 */
export function exportNames(names: string[]): string[] {
  const taken = new Set<string>(['metadata.csv']);
  return names.map((n) => {
    const stem = safeStem(n);
    let name = `${stem}.wav`;
    for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${stem}-${i}.wav`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** metadata.csv for exported files: header `file_name,caption`, one row per file. */
export function writeMetadataCsv(rows: Array<{ fileName: string; caption: string }>): string {
  return writeCsv([['file_name', 'caption'], ...rows.map((r) => [r.fileName, r.caption])]);
}
