/**
 * What every answer of the web bridge must satisfy, whatever was sent: a well-formed WireResult,
 * never INTERNAL, no stack trace and no server path that the caller did not send.
 */
import path from 'node:path';
import { errorCodes } from '../../shared/contract/errors.ts';

export type FindingKind = 'crash' | 'hang' | 'internal' | 'malformed' | 'stack' | 'leak' | 'pollution' | 'integrity';

export interface Problem {
  kind: FindingKind;
  detail: string;
}

/** HTTP statuses the bridge answers with: 200 for dispatched calls, 4xx for refused requests. */
const expectedStatuses = new Set([200, 400, 401, 403, 404, 405, 413, 421]);
/** Node's HTTP parser answers some requests itself (431: headers too large) before the bridge sees them. */
const nonJsonStatuses = new Set([...expectedStatuses, 431]);

/** Stack frames (`    at fn (file:1:2)`) and source positions (`exporter.ts:51`). */
const stackPatterns = [/\n {4}at \S[^\n]*/g, /\bat (?:[^\n(]*\()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\n)]*:\d+:\d+/g, /[\w-]+\.(?:ts|tsx|js|mjs|cjs):\d+/g, /node:internal\/[\w/]+/g];

/**
 * Server paths nobody should see: the project's source folder, the server's working folder and
 * their parents (a relative path resolved against the working folder names its parent too).
 * The root and paths of four characters or fewer (`/tmp`, `/usr`) are too common to mean anything.
 */
function leakNeedles(folders: string[]): string[] {
  const needles = new Set<string>();
  for (const folder of folders) {
    for (const candidate of [folder, path.dirname(folder)]) {
      if (candidate !== path.parse(candidate).root && candidate.length > 4) needles.add(candidate);
    }
  }
  return [...needles];
}

/**
 * The needles still worth looking for. Once an accepted request named a folder that holds one
 * (settings.update with modelsDir "/", then models.scan registers the project's fixture models),
 * answers naming files under it are the caller's own doing, not a leak: that needle retires, and
 * the report says from which request on.
 */
export function createLeakWatch(folders: string[]) {
  const needles = leakNeedles(folders);
  const retired: Record<string, number> = {};
  const within = (needle: string, root: string) => {
    const folder = path.resolve(root);
    return needle === folder || needle.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
  };
  return {
    active: () => needles.filter((needle) => !(needle in retired)),
    /** Notes the absolute paths of a request the server accepted (or is still working on). */
    accepted(body: string, request: number) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return;
      }
      for (const text of collectStrings(parsed, [])) {
        if (!path.isAbsolute(text) || text.includes('\u0000')) continue;
        for (const needle of needles) if (!(needle in retired) && within(needle, text)) retired[needle] = request;
      }
    },
    retired: () => ({ ...retired }),
  };
}

function collectStrings(value: unknown, out: string[]): string[] {
  const stack = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === 'string') out.push(next);
    else if (next && typeof next === 'object') {
      for (const [key, child] of Object.entries(next)) {
        out.push(key);
        stack.push(child);
      }
    }
  }
  return out;
}

function isWireResult(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const result = value as Record<string, unknown>;
  if (result['ok'] === true) return Object.keys(result).every((k) => k === 'ok' || k === 'value') && 'value' in result ? null : 'ok result with other fields';
  if (result['ok'] !== false) return 'ok is neither true nor false';
  if (Object.keys(result).some((k) => k !== 'ok' && k !== 'error')) return 'error result with other fields';
  const error = result['error'] as Record<string, unknown> | undefined;
  if (!error || typeof error !== 'object') return 'error is not an object';
  if (typeof error['code'] !== 'string' || !(errorCodes as readonly string[]).includes(error['code'])) return `unknown error code ${String(error['code'])}`;
  if (typeof error['message'] !== 'string' || error['message'].trim() === '') return 'error message is empty';
  const params = error['params'];
  if (params !== undefined) {
    if (!params || typeof params !== 'object' || Array.isArray(params)) return 'params is not an object';
    if (Object.values(params).some((v) => typeof v !== 'string' && typeof v !== 'number')) return 'params hold something other than strings and numbers';
  }
  return null;
}

export interface Answer {
  status: number;
  body: string;
}

/**
 * Checks one answer to a request. `sent` is what the caller sent (text): a path or a frame-like
 * text that the caller sent may come back (an error naming the file you gave is fine). Answers
 * that need not be JSON (static files, Node's own refusals) are checked as text.
 */
export function checkAnswer(answer: Answer, sent: string, needles: readonly string[], expectJson: boolean): Problem[] {
  const problems: Problem[] = [];
  const allowed = expectJson ? expectedStatuses : nonJsonStatuses;
  if (!allowed.has(answer.status)) problems.push({ kind: answer.status >= 500 ? 'internal' : 'malformed', detail: `HTTP ${answer.status}` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    if (expectJson) problems.push({ kind: 'malformed', detail: `body is not JSON: ${answer.body.slice(0, 120)}` });
    return [...problems, ...disclosures([answer.body], sent, needles)];
  }
  const shapeProblem = isWireResult(parsed);
  if (shapeProblem) problems.push({ kind: 'malformed', detail: shapeProblem });
  const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
  if (error?.code === 'INTERNAL') problems.push({ kind: 'internal', detail: error.message ?? '' });
  return [...problems, ...disclosures(collectStrings(parsed, []), sent, needles)];
}

/** Stack frames and server paths in an answer's strings that the caller did not send. */
function disclosures(strings: string[], sent: string, needles: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  for (const text of strings) {
    for (const pattern of stackPatterns) {
      for (const match of text.matchAll(pattern)) {
        if (!sent.includes(match[0])) problems.push({ kind: 'stack', detail: match[0].trim().slice(0, 160) });
      }
    }
    for (const needle of needles) {
      if (text.includes(needle) && !sent.includes(needle)) problems.push({ kind: 'leak', detail: `${needle} in "${text.slice(0, 160)}"` });
    }
  }
  return problems;
}
