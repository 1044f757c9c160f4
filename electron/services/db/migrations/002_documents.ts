import { sql, type Kysely } from 'kysely';

/**
 * Documents and retrieval (seeds 000, 002, 004): RAG settings per workspace, the document
 * registry with scopes, pinning and watching, sync history, and each answer's retrieval trace.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`ALTER TABLE workspaces ADD COLUMN top_n INTEGER NOT NULL DEFAULT 4 CHECK (top_n BETWEEN 1 AND 50)`,
    sql`ALTER TABLE workspaces ADD COLUMN similarity_threshold REAL NOT NULL DEFAULT 0.25 CHECK (similarity_threshold BETWEEN -1 AND 1)`,
    sql`ALTER TABLE workspaces ADD COLUMN chat_mode TEXT NOT NULL DEFAULT 'chat' CHECK (chat_mode IN ('chat', 'query'))`,
    sql`ALTER TABLE workspaces ADD COLUMN refusal_response TEXT NOT NULL DEFAULT 'There is no relevant information in the documents of this workspace.'`,
    sql`ALTER TABLE workspaces ADD COLUMN chunk_size INTEGER NOT NULL DEFAULT 256 CHECK (chunk_size BETWEEN 16 AND 8192)`,
    sql`ALTER TABLE workspaces ADD COLUMN chunk_overlap INTEGER NOT NULL DEFAULT 32 CHECK (chunk_overlap >= 0)`,
    sql`ALTER TABLE workspaces ADD COLUMN embedder_id TEXT`,
    sql`ALTER TABLE workspaces ADD COLUMN hybrid_search INTEGER NOT NULL DEFAULT 0 CHECK (hybrid_search IN (0, 1))`,
    sql`CREATE TABLE documents (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      doc_id TEXT NOT NULL CHECK (length(doc_id) BETWEEN 1 AND 300),
      scope TEXT NOT NULL CHECK (scope IN ('shared', 'private')),
      owner_id INTEGER NOT NULL REFERENCES users (id),
      title TEXT NOT NULL,
      source_type TEXT NOT NULL DEFAULT 'file',
      source_path TEXT,
      format TEXT NOT NULL,
      size_bytes INTEGER NOT NULL DEFAULT 0,
      content_hash TEXT,
      encoding TEXT,
      status TEXT NOT NULL CHECK (status IN ('queued', 'ingesting', 'ready', 'failed')),
      error TEXT,
      chunk_count INTEGER NOT NULL DEFAULT 0,
      embedder_id TEXT,
      dimensions INTEGER,
      pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
      watched INTEGER NOT NULL DEFAULT 0 CHECK (watched IN (0, 1)),
      file_mtime_ms REAL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (workspace_id, doc_id)
    )`,
    sql`CREATE INDEX documents_workspace ON documents (workspace_id, status)`,
    sql`CREATE TABLE document_sync_runs (
      id INTEGER PRIMARY KEY,
      document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
      trigger TEXT NOT NULL CHECK (trigger IN ('watch', 'manual')),
      result TEXT NOT NULL CHECK (result IN ('updated', 'unchanged', 'failed', 'missing')),
      message TEXT,
      started_at TEXT NOT NULL,
      finished_at TEXT NOT NULL
    )`,
    sql`CREATE TABLE conversation_log_sources (
      log_id INTEGER NOT NULL REFERENCES conversation_logs (id) ON DELETE CASCADE,
      rank INTEGER NOT NULL,
      chunk_id TEXT NOT NULL,
      document_id INTEGER,
      doc_id TEXT NOT NULL,
      title TEXT NOT NULL,
      page INTEGER,
      section TEXT,
      score REAL NOT NULL,
      pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
      prompt_text TEXT NOT NULL,
      PRIMARY KEY (log_id, rank)
    )`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['conversation_log_sources', 'document_sync_runs', 'documents']) await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  for (const column of ['hybrid_search', 'embedder_id', 'chunk_overlap', 'chunk_size', 'refusal_response', 'chat_mode', 'similarity_threshold', 'top_n']) {
    await sql`ALTER TABLE workspaces DROP COLUMN ${sql.ref(column)}`.execute(db);
  }
}
