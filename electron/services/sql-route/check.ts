import BetterSqlite3 from 'better-sqlite3';
import { routeViews } from './views.ts';

/**
 * Why a query was refused. Codes, not sentences: the UI translates them.
 * - empty: nothing but blanks and comments; too_long: longer than the route accepts;
 * - multiple_statements: more than one statement, or text after the statement's terminating `;`;
 * - syntax: SQLite could not compile it (bad syntax, unknown column or function);
 * - not_select: it compiles but is not a query (INSERT…, PRAGMA, EXPLAIN, ATTACH, BEGIN…);
 * - table_not_allowed: it reads something other than the documented views (a base table,
 *   sqlite_schema, a table-valued function such as pragma_table_info or json_each);
 * - function_not_allowed: it calls a function the route never allows (load_extension…).
 */
export type CheckReason = 'empty' | 'too_long' | 'multiple_statements' | 'syntax' | 'not_select' | 'table_not_allowed' | 'function_not_allowed';

export type CheckResult = { ok: true; sql: string } | { ok: false; reason: CheckReason };

export const maxSqlLength = 4000;

/** Functions no route query may call, whatever they would return. */
const deniedFunctions = new Set(['load_extension', 'fts3_tokenizer', 'readfile', 'writefile', 'edit']);
/** Opcodes whose P4 names the SQL function they call, as `name(argc)`. */
const functionOpcodes = new Set(['Function', 'PureFunc', 'AggStep', 'AggStep1', 'AggValue', 'AggInverse', 'AggFinal']);

interface ExplainRow {
  opcode: string;
  p2: number;
  p3: number;
  p4: unknown;
}

function compiles(connection: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement | null {
  try {
    return connection.prepare(sql);
  } catch {
    return null;
  }
}

/**
 * Decides, with SQLite's own parser and name resolution, whether `sql` is one read-only query over
 * the route views only. No regular expression reads the SQL:
 *  1. it must compile on the route's read-only connection as exactly one statement (better-sqlite3
 *     refuses a second one, even after a comment) that SQLite reports as a reader and read-only;
 *  2. it must still compile as the subquery of `SELECT * FROM (…) LIMIT 0`, which only a SELECT,
 *     WITH or VALUES query does (not PRAGMA, EXPLAIN, ATTACH…);
 *  3. it must compile against a shadow schema that holds only empty tables named and shaped like
 *     the views: a base table, sqlite_schema or an attached name does not exist there, so a query
 *     that names one is refused however it is spelled (quoted, qualified, in a subquery or a CTE);
 *  4. its bytecode on that shadow schema may open no cursor but the shadow tables' (so no virtual
 *     table: pragma_*, json_each, fts) and call no denied function.
 * At most one trailing semicolon is stripped; the query that passes is returned without it.
 */
export function createQueryChecker(connection: BetterSqlite3.Database) {
  const shadow = new BetterSqlite3(':memory:');
  // TEMP like the real views, so `temp.v_answers` resolves on both and `main.v_answers` on neither.
  for (const view of routeViews) {
    shadow.exec(`CREATE TEMP TABLE "${view.name}" (${view.columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
  }
  const shadowRoots = new Set(shadow.prepare("SELECT rootpage FROM temp.sqlite_temp_schema WHERE type = 'table'").pluck().all() as number[]);
  shadow.pragma('query_only = 1');

  /** The shadow bytecode's verdict: null when every cursor and function is allowed. */
  function bytecodeRefusal(sql: string): CheckReason | null {
    const rows = shadow.prepare(`EXPLAIN ${sql}`).all() as ExplainRow[];
    for (const row of rows) {
      if (row.opcode === 'VOpen') return 'table_not_allowed';
      // P3 is the database: 1 is temp, where the shadow tables (and only they, and the temp schema at page 1) live.
      if ((row.opcode === 'OpenRead' || row.opcode === 'ReopenIdx') && (row.p3 !== 1 || !shadowRoots.has(row.p2))) return 'table_not_allowed';
      if (row.opcode === 'OpenWrite') return 'not_select';
      if (functionOpcodes.has(row.opcode) && typeof row.p4 === 'string') {
        const paren = row.p4.indexOf('(');
        if (deniedFunctions.has((paren < 0 ? row.p4 : row.p4.slice(0, paren)).toLowerCase())) return 'function_not_allowed';
      }
    }
    return null;
  }

  function check(input: string): CheckResult {
    if (typeof input !== 'string') return { ok: false, reason: 'syntax' };
    let sql = input.trim();
    if (sql.length > maxSqlLength) return { ok: false, reason: 'too_long' };
    if (sql.endsWith(';')) sql = sql.slice(0, -1).trimEnd();
    if (!sql) return { ok: false, reason: 'empty' };

    let statement: BetterSqlite3.Statement;
    try {
      statement = connection.prepare(sql);
    } catch (error) {
      if (error instanceof RangeError) return { ok: false, reason: /no statements/.test(error.message) ? 'empty' : 'multiple_statements' };
      return { ok: false, reason: 'syntax' };
    }
    if (!statement.reader || !statement.readonly) return { ok: false, reason: 'not_select' };

    if (!compiles(connection, `SELECT * FROM (\n${sql}\n) LIMIT 0`)) {
      // Still one statement, but terminated by `;` and followed by more (a comment, a second `;`):
      // appending a statement then makes two.
      try {
        connection.prepare(`${sql}\nSELECT 1`);
      } catch (error) {
        if (error instanceof RangeError) return { ok: false, reason: 'multiple_statements' };
      }
      return { ok: false, reason: 'not_select' };
    }

    if (!compiles(shadow, sql)) return { ok: false, reason: 'table_not_allowed' };
    const refusal = bytecodeRefusal(sql);
    if (refusal) return { ok: false, reason: refusal };
    return { ok: true, sql };
  }

  return {
    check,
    close: () => shadow.close(),
  };
}

export type QueryChecker = ReturnType<typeof createQueryChecker>;
