import BetterSqlite3 from 'better-sqlite3';
import { createQueryChecker, type CheckReason, type QueryChecker } from './check.ts';
import { createRouteViews } from './views.ts';

export type Cell = string | number | null;

export interface QueryLimits {
  /** Rows returned at most; one more is read to know whether the result was cut. */
  rowLimit: number;
  /** A longer text cell is cut to this many characters (and counted in `clippedCells`). */
  maxCellChars: number;
}

export interface QueryRows {
  columns: string[];
  rows: Cell[][];
  truncated: boolean;
  clippedCells: number;
}

/**
 * Why a checked query failed while running: too_big when a value outgrew SQLite's maximum length
 * (1 GB), out_of_memory when SQLite could not allocate, execution_error for any other SQLite error
 * (its code travels beside it).
 */
export type RunFailure = 'too_big' | 'out_of_memory' | 'execution_error';

export type RunOutcome =
  | ({ ok: true; sql: string; checkMs: number; executeMs: number } & QueryRows)
  | { ok: false; stage: 'check'; reason: CheckReason; checkMs: number }
  | { ok: false; stage: 'execute'; reason: RunFailure; sqliteCode: string | null; checkMs: number; executeMs: number };

function toCell(value: unknown, maxChars: number, clip: () => void): Cell {
  if (value === null || typeof value === 'number') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') {
    if (value.length <= maxChars) return value;
    clip();
    return `${value.slice(0, maxChars)}…`;
  }
  if (value instanceof Uint8Array) return `[blob ${value.byteLength} B]`;
  return String(value);
}

/**
 * The route's connection to the app's database file: opened read-only (`readonly: true`), the
 * route views created as TEMP views, then made `query_only` so not even the temp schema can
 * change. Runs only queries its checker accepts, reading rows one by one (never `.all()`), so a
 * huge result costs no more than the row limit. It cannot interrupt itself: the executor runs it
 * in a child process and kills that on timeout.
 *
 * Memory is not capped inside SQLite (better-sqlite3 builds it without memory statistics, so
 * `hard_heap_limit` has no effect); one value is capped at 1 GB (SQLITE_TOOBIG), and a query that
 * still exhausts memory takes down only its own process (`worker_crashed`), never the app.
 */
export function openRouteConnection(databasePath: string) {
  const connection = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true, timeout: 1000 });
  let checker: QueryChecker;
  try {
    createRouteViews(connection);
    connection.pragma('query_only = 1');
    checker = createQueryChecker(connection);
  } catch (error) {
    connection.close();
    throw error;
  }

  function execute(sql: string, limits: QueryLimits): QueryRows {
    const statement = connection.prepare(sql).raw(true);
    const columns = statement.columns().map((c) => c.name);
    const rows: Cell[][] = [];
    let clippedCells = 0;
    let truncated = false;
    const clip = () => clippedCells++;
    const iterator = statement.iterate() as IterableIterator<unknown[]>;
    try {
      for (const row of iterator) {
        if (rows.length >= limits.rowLimit) {
          truncated = true;
          break;
        }
        rows.push(row.map((value) => toCell(value, limits.maxCellChars, clip)));
      }
    } finally {
      iterator.return?.();
    }
    return { columns, rows, truncated, clippedCells };
  }

  return {
    connection,
    check: (sql: string) => checker.check(sql),

    /** Checks `sql`, then runs it within `limits`. */
    run(sql: string, limits: QueryLimits): RunOutcome {
      const started = performance.now();
      const checked = checker.check(sql);
      const checkMs = performance.now() - started;
      if (!checked.ok) return { ok: false, stage: 'check', reason: checked.reason, checkMs };
      try {
        const rows = execute(checked.sql, limits);
        return { ok: true, sql: checked.sql, ...rows, checkMs, executeMs: performance.now() - started - checkMs };
      } catch (error) {
        const sqliteCode = (error as { code?: unknown }).code;
        const code = typeof sqliteCode === 'string' ? sqliteCode : null;
        const reason = code === 'SQLITE_TOOBIG' ? 'too_big' : code === 'SQLITE_NOMEM' ? 'out_of_memory' : 'execution_error';
        return { ok: false, stage: 'execute', reason, sqliteCode: code, checkMs, executeMs: performance.now() - started - checkMs };
      }
    },

    close(): void {
      checker.close();
      connection.close();
    },
  };
}

export type RouteConnection = ReturnType<typeof openRouteConnection>;
