import { sql, type Kysely } from 'kysely';

/**
 * Structured records (issue 15, seed 002's document schemas).
 *
 * - `document_records`: a record's top-level metadata (everything but `content`) as JSON, with the
 *   fields retrieval filters on as columns: `source_type` and the record's own `updated_at` (ISO,
 *   UTC). One row per document; it goes with the document.
 * - `document_record_events`: each sync event applied to a doc_id (create, update, restore,
 *   comment_*, manual_sync, delete), when it happened and what it did. Keyed by the doc_id, not
 *   the document row, so a `delete` and a later `restore` stay in one history. The document's
 *   visibility at the time (scope, owner, security level) is kept with each event: the history of
 *   another user's private record, even a deleted one, is not shown to anyone else.
 *   (document_sync_runs is for watched files: its trigger/result CHECKs and its cascade on the
 *   document row would lose a deleted record's history.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE document_records (
      document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      doc_id TEXT NOT NULL,
      source_type TEXT NOT NULL,
      doc_schema TEXT,
      event_type TEXT NOT NULL,
      updated_at TEXT,
      metadata TEXT NOT NULL CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
      imported_at TEXT NOT NULL
    )`,
    sql`CREATE INDEX document_records_filter ON document_records (workspace_id, source_type, updated_at)`,
    sql`CREATE TABLE document_record_events (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      doc_id TEXT NOT NULL,
      document_id INTEGER,
      event_type TEXT NOT NULL CHECK (event_type IN ('create', 'update', 'restore', 'comment_create', 'comment_update', 'comment_delete', 'manual_sync', 'delete')),
      event_at TEXT NOT NULL,
      recorded_at TEXT NOT NULL,
      result TEXT NOT NULL CHECK (result IN ('added', 'updated', 'unchanged', 'deleted', 'missing', 'failed', 'cancelled')),
      error_code TEXT,
      user_id INTEGER,
      scope TEXT NOT NULL CHECK (scope IN ('shared', 'private')),
      owner_id INTEGER,
      min_security_level INTEGER NOT NULL DEFAULT 1
    )`,
    sql`CREATE INDEX document_record_events_doc ON document_record_events (workspace_id, doc_id, id)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS document_record_events`.execute(db);
  await sql`DROP TABLE IF EXISTS document_records`.execute(db);
}
