import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import { Migrator } from 'kysely/migration';
import { ApiError } from '../../../shared/contract/errors.ts';
import { ensureDataDir } from '../files/safe-fs.ts';
import { migrationProvider } from './migrations/index.ts';
import type { DatabaseSchema } from './schema.ts';

export type Db = Kysely<DatabaseSchema>;

export interface OpenedDatabase {
  db: Db;
  /** The raw connection, for the few bulk paths (benchmarks, streaming export) that need it. */
  raw: BetterSqlite3.Database;
  path: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** How long a write waits for another process's lock before failing with DB_LOCKED. */
  busyTimeoutMs?: number;
}

/** Distinct SQL texts kept compiled; queries with lists of varying length make a few more. */
const cachedStatements = 500;

/**
 * Kysely asks better-sqlite3 to prepare every statement it runs, so SQLite parses and plans the
 * same SQL again for each answer logged or page listed. Here each SQL text is compiled once and
 * reused (SQLite recompiles a statement itself after a schema change). A statement still being
 * iterated (a streamed query) is busy: the same SQL then gets a fresh, uncached one.
 */
function withStatementCache(raw: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Most recently used last: the first key is the one to drop.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = raw.prepare(sql);
      if (cached) return statement;
      statements.set(sql, statement);
      if (statements.size > cachedStatements) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

/**
 * Opens (creating if needed) the SQLite file, checks it is really an SQLite database, and brings
 * the schema to the latest migration. Errors come back as ApiErrors with a message a person can act on;
 * a corrupt file is never modified or replaced.
 */
export async function openDatabase(databasePath: string, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  ensureDataDir(path.dirname(databasePath));
  let raw: BetterSqlite3.Database;
  try {
    raw = new BetterSqlite3(databasePath, { timeout: options.busyTimeoutMs ?? 3000 });
  } catch (error) {
    throw translateSqliteError(error, databasePath);
  }
  try {
    // Reading the schema is the first thing that touches the file's pages: a non-database or a
    // damaged header fails here, before any write.
    raw.prepare('SELECT count(*) FROM sqlite_master').get();
    raw.pragma('journal_mode = WAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('synchronous = NORMAL');
  } catch (error) {
    raw.close();
    throw translateSqliteError(error, databasePath);
  }

  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw translateSqliteError(error, databasePath);
  }
  return {
    db,
    raw,
    path: databasePath,
    close: async () => {
      await db.destroy();
    },
  };
}

/** Maps SQLite failures onto the contract's error codes; anything unknown passes through. */
export function translateSqliteError(error: unknown, databasePath?: string): unknown {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  const where = databasePath ? ` (${databasePath})` : '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_BUSY_')) {
    return new ApiError(
      'DB_LOCKED',
      `The database${where} is locked by another program, probably another EvalDesk window or command. Close it and try again; nothing was changed.`,
      databasePath ? { path: databasePath } : undefined,
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_')) {
    return new ApiError(
      'DB_CORRUPT',
      `The database file${where} is damaged or is not an EvalDesk database. It was left untouched: restore it from a backup, or start EvalDesk with another data folder.`,
      databasePath ? { path: databasePath } : undefined,
      { cause: error },
    );
  }
  return error;
}

/** Runs a database operation and turns lock and corruption failures into contract errors. */
export async function withDbErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translateSqliteError(error);
  }
}

export const nowIso = (): string => new Date().toISOString();
