import path from 'node:path';
import type { ImportFormat, ImportPreview, ImportProblem } from '../../../shared/contract/reverify.ts';
import { readImportSource } from '../files/import-source.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { decodeText } from '../documents/decode-text.ts';

/**
 * Reading question sets from files people already have: CSV (Excel, Google Sheets), Excel's
 * "Unicode text" (UTF-16 with tabs) and JSONL. Lines that cannot be read are reported with their
 * line number; the caller decides whether to import the rest.
 */

export interface ColumnMapping {
  question: string;
  expectedAnswer: string | null;
  tags: string | null;
}

export interface ParsedQuestion {
  line: number;
  question: string;
  expectedAnswer: string | null;
  tags: string[];
}

/** A file over this is not a question set someone made by hand. */
export const maxImportBytes = 20 * 1024 * 1024;
const maxProblemsKept = 1000;
const maxQuestionChars = 200_000;

interface SourceRecord {
  line: number;
  /** CSV: the cells in header order; JSONL: the object. */
  cells: string[] | { [key: string]: unknown };
}

interface Table {
  format: ImportFormat;
  encoding: string;
  columns: string[];
  records: SourceRecord[];
  problems: ImportProblem[];
}

function formatOf(name: string, text: string, declared?: ImportFormat): ImportFormat {
  if (declared) return declared;
  const extension = path.extname(name).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson' || extension === '.json') return 'jsonl';
  if (extension === '.tsv' || extension === '.tab') return 'tsv';
  if (extension === '.csv') return 'csv';
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  if (firstLine.trimStart().startsWith('{')) return 'jsonl';
  // Excel's "Unicode text" is tab separated and often saved as .txt.
  return firstLine.includes('\t') && !firstLine.includes(',') ? 'tsv' : 'csv';
}

/**
 * RFC 4180 records: quoted cells may hold the separator, doubled quotes and line breaks. A record
 * whose quote never closes is reported at its first line and ends the file.
 */
function parseDelimited(text: string, separator: string): { records: Array<{ line: number; cells: string[] }>; problems: ImportProblem[] } {
  const records: Array<{ line: number; cells: string[] }> = [];
  const problems: ImportProblem[] = [];
  let line = 1;
  let index = 0;
  while (index < text.length) {
    const startLine = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let atCellStart = true;
    let ended = false;
    while (index < text.length) {
      const char = text[index]!;
      if (quoted) {
        if (char === '"') {
          if (text[index + 1] === '"') {
            cell += '"';
            index += 2;
            continue;
          }
          quoted = false;
          index++;
          continue;
        }
        if (char === '\n') line++;
        cell += char;
        index++;
        continue;
      }
      if (char === '"' && atCellStart) {
        quoted = true;
        atCellStart = false;
        index++;
        continue;
      }
      if (char === separator) {
        cells.push(cell);
        cell = '';
        atCellStart = true;
        index++;
        continue;
      }
      if (char === '\r' && text[index + 1] === '\n') {
        index++;
        continue;
      }
      if (char === '\n') {
        index++;
        line++;
        ended = true;
        break;
      }
      cell += char;
      atCellStart = false;
      index++;
    }
    if (quoted) {
      problems.push({ line: startLine, code: 'MALFORMED_LINE', detail: 'unclosed_quote' });
      break;
    }
    cells.push(cell);
    const blank = cells.length === 1 && cells[0]!.trim() === '';
    if (!blank) records.push({ line: startLine, cells });
    if (!ended) break;
  }
  return { records, problems };
}

function parseTable(text: string, format: ImportFormat, encoding: string): Table {
  if (format === 'jsonl') {
    const records: SourceRecord[] = [];
    const problems: ImportProblem[] = [];
    const keys = new Set<string>();
    text.split('\n').forEach((raw, offset) => {
      const lineText = raw.replace(/\r$/, '');
      if (lineText.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(lineText);
      } catch {
        problems.push({ line: offset + 1, code: 'MALFORMED_LINE', detail: 'invalid_json' });
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push({ line: offset + 1, code: 'NOT_AN_OBJECT' });
        return;
      }
      for (const key of Object.keys(value)) if (keys.size < 200) keys.add(key);
      records.push({ line: offset + 1, cells: value as { [key: string]: unknown } });
    });
    return { format, encoding, columns: [...keys], records, problems };
  }
  const { records: rows, problems } = parseDelimited(text, format === 'tsv' ? '\t' : ',');
  const header = rows.shift();
  if (!header) return { format, encoding, columns: [], records: [], problems };
  const columns = header.cells.map((name) => name.trim());
  const records: SourceRecord[] = [];
  for (const row of rows) {
    if (row.cells.length !== columns.length) {
      problems.push({ line: row.line, code: 'MALFORMED_LINE', detail: 'column_count', expected: columns.length, found: row.cells.length });
      continue;
    }
    records.push(row);
  }
  return { format, encoding, columns, records, problems };
}

/** Column names people use for the question, the expected answer and tags, in three languages. */
const guesses: Array<[keyof ColumnMapping, RegExp]> = [
  ['question', /^(question|questions|prompt|input|instruction|query|q|질문|문항|質問|問い|问题|問題)$/i],
  ['expectedAnswer', /^(expected[ _]?answer|expected|answer|correct[ _]?answer|reference|output|completion|target|a|정답|답변|기대[ _]?답변|正解|回答|期待[ _]?回答|答案)$/i],
  ['tags', /^(tags?|labels?|category|태그|분류|タグ|分類|标签)$/i],
];

function guessMapping(columns: string[]): ColumnMapping | null {
  const find = (key: keyof ColumnMapping) => columns.find((column) => guesses.find(([field]) => field === key)![1].test(column.trim())) ?? null;
  const question = find('question');
  return question ? { question, expectedAnswer: find('expectedAnswer'), tags: find('tags') } : null;
}

function cellOf(table: Table, record: SourceRecord, column: string | null): unknown {
  if (column === null) return undefined;
  if (Array.isArray(record.cells)) return record.cells[table.columns.indexOf(column)];
  return (record.cells as { [key: string]: unknown })[column];
}

function tagsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/[,;|、，]/) : [];
  return [...new Set(list.map((tag) => tag.trim()).filter((tag) => tag.length > 0 && tag.length <= 100))].slice(0, 50);
}

function textOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return text.trim() === '' ? null : text;
}

export interface ReadQuestions {
  preview: ImportPreview;
  questions: ParsedQuestion[];
  problems: ImportProblem[];
}

/** Decodes, parses and maps a file; `mapping` null guesses it from the column names. */
export function readQuestions(source: { path?: string | undefined; text?: string | undefined; format?: ImportFormat | undefined }, mapping: ColumnMapping | null): ReadQuestions {
  const { bytes, text: given, name } = readImportSource(source, maxImportBytes);
  let text: string;
  let encoding = 'UTF-8';
  if (bytes) {
    ({ text, encoding } = decodeText(bytes, name));
  } else {
    text = given!.replace(/^\uFEFF/, '');
  }
  const table = parseTable(text, formatOf(name, text, source.format), encoding);
  const used = mapping ?? guessMapping(table.columns);
  if (mapping && table.records.length > 0 && !table.columns.includes(mapping.question)) {
    throw new ApiError('VALIDATION', `The file has no column named "${mapping.question}" for the questions.`, { field: 'mapping.question', column: mapping.question });
  }
  const problems = [...table.problems];
  const questions: ParsedQuestion[] = [];
  if (used) {
    for (const record of table.records) {
      const question = textOf(cellOf(table, record, used.question));
      if (question === null) {
        problems.push({ line: record.line, code: 'MISSING_QUESTION' });
        continue;
      }
      const expectedAnswer = textOf(cellOf(table, record, used.expectedAnswer));
      if (question.length > maxQuestionChars || (expectedAnswer?.length ?? 0) > maxQuestionChars) {
        problems.push({ line: record.line, code: 'TOO_LONG' });
        continue;
      }
      questions.push({ line: record.line, question, expectedAnswer, tags: tagsOf(cellOf(table, record, used.tags)) });
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return {
    questions,
    problems,
    preview: {
      format: table.format,
      encoding,
      columns: table.columns,
      mapping: used,
      validCount: questions.length,
      sample: questions.slice(0, 10),
      problems: problems.slice(0, maxProblemsKept),
      problemsTruncated: problems.length > maxProblemsKept,
    },
  };
}
