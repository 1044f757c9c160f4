import { sql, type Kysely } from 'kysely';

/**
 * The foundation schema. Every coded value has a CHECK constraint so that a bug or a hand-edited
 * database cannot store a verdict of 4 or a stop reason nobody knows how to display.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE users (
      id INTEGER PRIMARY KEY,
      username TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 100),
      display_name TEXT NOT NULL,
      role TEXT NOT NULL DEFAULT 'evaluator' CHECK (role IN ('admin', 'manager', 'evaluator', 'viewer')),
      created_at TEXT NOT NULL
    )`,
    sql`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    sql`CREATE TABLE workspaces (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      business_domain TEXT NOT NULL DEFAULT '',
      category TEXT NOT NULL CHECK (category IN ('qa', 'doc_gen', 'summary')),
      system_prompt TEXT NOT NULL DEFAULT '',
      temperature REAL NOT NULL CHECK (temperature BETWEEN 0 AND 2),
      max_tokens INTEGER NOT NULL CHECK (max_tokens >= 1),
      context_size INTEGER NOT NULL CHECK (context_size >= 256),
      history_turns INTEGER NOT NULL CHECK (history_turns >= 0),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      deleted_at TEXT
    )`,
    sql`CREATE TABLE models (
      id INTEGER PRIMARY KEY,
      display_name TEXT NOT NULL,
      file_path TEXT NOT NULL UNIQUE,
      file_size INTEGER NOT NULL CHECK (file_size >= 0),
      fingerprint TEXT NOT NULL,
      architecture TEXT NOT NULL,
      parameter_count INTEGER,
      quantization TEXT,
      training_context_length INTEGER,
      has_chat_template INTEGER NOT NULL CHECK (has_chat_template IN (0, 1)),
      kind TEXT NOT NULL DEFAULT 'base' CHECK (kind IN ('base', 'lora', 'full')),
      version TEXT NOT NULL DEFAULT '1',
      base_model_id INTEGER REFERENCES models (id) ON DELETE SET NULL,
      description TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL,
      trained_at TEXT,
      registered_at TEXT NOT NULL,
      CHECK (base_model_id IS NULL OR base_model_id <> id)
    )`,
    sql`CREATE TABLE sessions (
      id INTEGER PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users (id),
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      model_id INTEGER NOT NULL REFERENCES models (id),
      system_prompt_snapshot TEXT NOT NULL,
      settings_snapshot TEXT NOT NULL CHECK (json_valid(settings_snapshot)),
      started_at TEXT NOT NULL,
      ended_at TEXT
    )`,
    // Long texts come last: SQLite stores a row's columns in order, and a lookup of asked_at or
    // the stop reason should not have to step over a long answer's overflow pages.
    sql`CREATE TABLE conversation_logs (
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
      stop_reason TEXT NOT NULL CHECK (stop_reason IN ('finished', 'max_tokens', 'stopped', 'error')),
      error_message TEXT,
      question TEXT NOT NULL,
      answer TEXT NOT NULL
    )`,
    sql`CREATE INDEX conversation_logs_asked ON conversation_logs (asked_at, id)`,
    sql`CREATE INDEX conversation_logs_workspace_asked ON conversation_logs (workspace_id, asked_at, id)`,
    sql`CREATE INDEX conversation_logs_model_asked ON conversation_logs (model_id, asked_at, id)`,
    sql`CREATE INDEX conversation_logs_session ON conversation_logs (session_id, id)`,
    sql`CREATE INDEX conversation_logs_duration ON conversation_logs (duration_ms, id)`,
    sql`CREATE INDEX conversation_logs_length ON conversation_logs (completion_tokens, id)`,
    sql`CREATE TABLE datasets (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      format TEXT NOT NULL CHECK (format IN ('mlx', 'openai')),
      out_dir TEXT NOT NULL,
      seed INTEGER NOT NULL,
      filters TEXT NOT NULL CHECK (json_valid(filters)),
      manifest TEXT CHECK (manifest IS NULL OR json_valid(manifest)),
      example_count INTEGER NOT NULL DEFAULT 0,
      created_by INTEGER NOT NULL REFERENCES users (id),
      created_at TEXT NOT NULL,
      marked_trained_at TEXT
    )`,
    sql`CREATE TABLE evaluations (
      id INTEGER PRIMARY KEY,
      log_id INTEGER NOT NULL REFERENCES conversation_logs (id) ON DELETE CASCADE,
      evaluator_id INTEGER NOT NULL REFERENCES users (id),
      evaluation INTEGER NOT NULL CHECK (evaluation IN (1, 2, 3)),
      reason TEXT,
      correct_answer TEXT,
      priority INTEGER CHECK (priority IS NULL OR priority IN (1, 2, 3)),
      status INTEGER NOT NULL DEFAULT 1 CHECK (status IN (1, 2, 3)),
      memo TEXT,
      trained_dataset_id INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      -- Seed 001: reason, correct answer and priority belong to verdicts 2 and 3 only.
      CHECK (evaluation <> 1 OR (reason IS NULL AND correct_answer IS NULL AND priority IS NULL)),
      UNIQUE (log_id, evaluator_id)
    )`,
    sql`CREATE INDEX evaluations_filters ON evaluations (evaluation, priority, status, log_id)`,
    sql`CREATE TABLE drafts (
      user_id INTEGER NOT NULL REFERENCES users (id),
      draft_key TEXT NOT NULL,
      value TEXT NOT NULL CHECK (json_valid(value)),
      updated_at TEXT NOT NULL,
      PRIMARY KEY (user_id, draft_key)
    )`,
    sql`CREATE TABLE dataset_items (
      dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
      evaluation_id INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
      split TEXT NOT NULL CHECK (split IN ('train', 'valid', 'test')),
      PRIMARY KEY (dataset_id, evaluation_id)
    )`,
    // Trigram full-text index over questions and answers: substring search that works for CJK
    // text without spaces, and stays fast at a million logs where LIKE '%x%' would scan.
    sql`CREATE VIRTUAL TABLE conversation_logs_fts USING fts5(
      question, answer, content='conversation_logs', content_rowid='id', tokenize='trigram'
    )`,
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
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['conversation_logs_fts', 'dataset_items', 'drafts', 'evaluations', 'datasets', 'conversation_logs', 'sessions', 'models', 'workspaces', 'settings', 'users']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
