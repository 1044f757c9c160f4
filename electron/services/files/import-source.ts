import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/contract/errors.ts';

/**
 * A file to import (question sets, structured records), given by path or as the text itself (a
 * browser's upload, a paste): a path is checked (it exists, is a file, fits `maxBytes`) before a
 * byte of it is read, so a huge or odd path fails with a clear message instead of filling memory.
 */
export function readImportSource(source: { path?: string | undefined; text?: string | undefined }, maxBytes: number): { bytes: Uint8Array | null; text: string | null; name: string } {
  if (source.text !== undefined) return { bytes: null, text: source.text, name: 'pasted text' };
  if (!source.path) throw new ApiError('VALIDATION', 'Give a file path or the file text.', { field: 'path' });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source.path);
  } catch {
    throw new ApiError('NOT_FOUND', `The file ${source.path} does not exist.`, { entity: 'file', file: source.path });
  }
  if (!stat.isFile()) throw new ApiError('VALIDATION', `${source.path} is not a file.`, { field: 'path' });
  if (stat.size > maxBytes) throw new ApiError('DOCUMENT_TOO_LARGE', `${path.basename(source.path)} is larger than ${maxBytes / 1024 / 1024} MB; split it into smaller files.`, { file: source.path, limit: maxBytes });
  return { bytes: fs.readFileSync(source.path), text: null, name: path.basename(source.path) };
}

/**
 * An import with unreadable lines goes ahead only once the person has seen them: CONFLICT
 * (`import_problems`, with the counts and the first line) until `accepted`.
 */
export function requireConfirmedProblems(problems: ReadonlyArray<{ line: number }>, valid: number, accepted: boolean | undefined): void {
  if (problems.length === 0 || accepted) return;
  throw new ApiError('CONFLICT', `${problems.length} line(s) of the file cannot be imported (first: line ${problems[0]!.line}). Confirm to import the other ${valid}.`, {
    reason: 'import_problems',
    problems: problems.length,
    firstLine: problems[0]!.line,
    valid,
  });
}
