import { sql, type Kysely } from 'kysely';

/**
 * Crash safety (issue 10):
 *  - a log is written when the question is asked (`answering`) and completed at the end; one
 *    left `answering` by a crash becomes `interrupted` with what was streamed. SQLite cannot
 *    change a CHECK constraint in place, so conversation_logs is rebuilt (same ids, so the
 *    full-text index and every reference stay valid);
 *  - an export in progress is journalled, so start-up can remove its staging folder or finish
 *    the rename of one whose dataset was already committed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Outside the transaction: foreign_keys cannot change inside one. Other tables reference
  // conversation_logs by name, and the name is back before the checks run again.
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  await sql`BEGIN`.execute(db);
  try {
    const statements = [
      sql`CREATE TABLE conversation_logs_rebuilt (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
        model_id INTEGER NOT NULL REFERENCES models (id),
        user_id INTEGER NOT NULL REFERENCES users (id),
        asked_at TEXT NOT NULL,
        completed_at TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL CHECK (prompt_tokens >= 0),
        completion_tokens INTEGER NOT NULL CHECK (completion_tokens >= 0),
        ttft_ms REAL,
        tokens_per_second REAL,
        duration_ms REAL NOT NULL DEFAULT 0,
        stop_reason TEXT NOT NULL CHECK (stop_reason IN ('answering', 'finished', 'max_tokens', 'stopped', 'error', 'interrupted')),
        error_message TEXT,
        question TEXT NOT NULL,
        answer TEXT NOT NULL
      )`,
      sql`INSERT INTO conversation_logs_rebuilt
        (id, session_id, workspace_id, model_id, user_id, asked_at, completed_at, prompt_tokens, completion_tokens,
         ttft_ms, tokens_per_second, duration_ms, stop_reason, error_message, question, answer)
        SELECT id, session_id, workspace_id, model_id, user_id, asked_at, completed_at, prompt_tokens, completion_tokens,
         ttft_ms, tokens_per_second, duration_ms, stop_reason, error_message, question, answer
        FROM conversation_logs`,
      sql`DROP TABLE conversation_logs`,
      sql`ALTER TABLE conversation_logs_rebuilt RENAME TO conversation_logs`,
      sql`CREATE INDEX conversation_logs_asked ON conversation_logs (asked_at, id)`,
      sql`CREATE INDEX conversation_logs_workspace_asked ON conversation_logs (workspace_id, asked_at, id)`,
      sql`CREATE INDEX conversation_logs_model_asked ON conversation_logs (model_id, asked_at, id)`,
      sql`CREATE INDEX conversation_logs_session ON conversation_logs (session_id, id)`,
      sql`CREATE INDEX conversation_logs_duration ON conversation_logs (duration_ms, id)`,
      sql`CREATE INDEX conversation_logs_length ON conversation_logs (completion_tokens, id)`,
      // Start-up recovery looks for unfinished answers; keep that lookup off the big indexes.
      sql`CREATE INDEX conversation_logs_answering ON conversation_logs (stop_reason) WHERE stop_reason = 'answering'`,
      sql`CREATE TRIGGER conversation_logs_fts_insert AFTER INSERT ON conversation_logs BEGIN
        INSERT INTO conversation_logs_fts (rowid, question, answer) VALUES (new.id, new.question, new.answer);
      END`,
      sql`CREATE TRIGGER conversation_logs_fts_delete AFTER DELETE ON conversation_logs BEGIN
        INSERT INTO conversation_logs_fts (conversation_logs_fts, rowid, question, answer) VALUES ('delete', old.id, old.question, old.answer);
      END`,
      sql`CREATE TRIGGER conversation_logs_fts_update AFTER UPDATE OF question, answer ON conversation_logs BEGIN
        INSERT INTO conversation_logs_fts (conversation_logs_fts, rowid, question, answer) VALUES ('delete', old.id, old.question, old.answer);
        INSERT INTO conversation_logs_fts (rowid, question, answer) VALUES (new.id, new.question, new.answer);
      END`,
      sql`CREATE TABLE pending_exports (
        id INTEGER PRIMARY KEY,
        staging_dir TEXT NOT NULL,
        out_dir TEXT NOT NULL,
        dataset_id INTEGER REFERENCES datasets (id) ON DELETE CASCADE,
        owner_pid INTEGER NOT NULL,
        started_at TEXT NOT NULL
      )`,
    ];
    for (const statement of statements) await statement.execute(db);
    const broken = await sql<{ table: string }>`PRAGMA foreign_key_check`.execute(db);
    if (broken.rows.length > 0) throw new Error(`Foreign key check failed after rebuilding conversation_logs (${broken.rows.length} rows).`);
    await sql`COMMIT`.execute(db);
  } catch (error) {
    await sql`ROLLBACK`.execute(db);
    throw error;
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('Migration 003 cannot be reverted: interrupted answers have no place in the old schema.');
}
