import { sql, type Kysely } from 'kysely';

/**
 * Re-verification (issue 13; MISSION step 6): question sets made from evaluations, typed in or
 * imported; batch runs of a set against a version, resumable item by item; the verified state of
 * an evaluation and the version that verified it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE question_sets (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      description TEXT NOT NULL DEFAULT '',
      -- active: being re-verified; its items stay out of training exports unless asked for.
      status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
      created_by INTEGER NOT NULL REFERENCES users (id),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (workspace_id, name)
    )`,
    sql`CREATE TABLE question_set_items (
      id INTEGER PRIMARY KEY,
      set_id INTEGER NOT NULL REFERENCES question_sets (id) ON DELETE CASCADE,
      position INTEGER NOT NULL CHECK (position >= 0),
      question TEXT NOT NULL CHECK (length(trim(question)) > 0),
      expected_answer TEXT,
      tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
      -- trained: a correction trained into a version; guard: a sampled earlier verdict 1;
      -- evaluation: any other evaluation; typed and imported: no earlier answer.
      origin TEXT NOT NULL CHECK (origin IN ('trained', 'guard', 'evaluation', 'typed', 'imported')),
      source_log_id INTEGER REFERENCES conversation_logs (id) ON DELETE SET NULL,
      source_evaluation_id INTEGER REFERENCES evaluations (id) ON DELETE SET NULL,
      source_verdict INTEGER CHECK (source_verdict IS NULL OR source_verdict IN (1, 2, 3)),
      UNIQUE (set_id, position)
    )`,
    sql`CREATE INDEX question_set_items_evaluation ON question_set_items (source_evaluation_id) WHERE source_evaluation_id IS NOT NULL`,
    sql`CREATE TABLE batch_runs (
      id INTEGER PRIMARY KEY,
      set_id INTEGER NOT NULL REFERENCES question_sets (id) ON DELETE CASCADE,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      model_id INTEGER NOT NULL REFERENCES models (id),
      -- NULL: the base alone.
      version_id INTEGER REFERENCES model_versions (id),
      session_id INTEGER NOT NULL REFERENCES sessions (id),
      parallelism INTEGER NOT NULL CHECK (parallelism BETWEEN 1 AND 16),
      temperature REAL NOT NULL CHECK (temperature >= 0),
      seed INTEGER NOT NULL,
      assist TEXT NOT NULL DEFAULT 'none' CHECK (assist IN ('none', 'embedding', 'judge')),
      status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed')),
      error_code TEXT,
      error_message TEXT,
      total INTEGER NOT NULL,
      created_by INTEGER NOT NULL REFERENCES users (id),
      created_at TEXT NOT NULL,
      started_at TEXT,
      finished_at TEXT
    )`,
    sql`CREATE INDEX batch_runs_set ON batch_runs (set_id, id)`,
    sql`CREATE INDEX batch_runs_workspace ON batch_runs (workspace_id, id)`,
    sql`CREATE TABLE batch_run_items (
      run_id INTEGER NOT NULL REFERENCES batch_runs (id) ON DELETE CASCADE,
      item_id INTEGER NOT NULL REFERENCES question_set_items (id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      -- Set in the transaction that completes the answer's log: an item is answered exactly when
      -- this is set, so a resumed run neither repeats nor skips a question.
      log_id INTEGER REFERENCES conversation_logs (id),
      suggested_verdict INTEGER CHECK (suggested_verdict IS NULL OR suggested_verdict IN (1, 2, 3)),
      suggested_reason TEXT,
      suggestion_score REAL,
      PRIMARY KEY (run_id, item_id)
    )`,
    sql`CREATE UNIQUE INDEX batch_run_items_log ON batch_run_items (log_id) WHERE log_id IS NOT NULL`,
    sql`CREATE INDEX batch_run_items_pending ON batch_run_items (run_id, position) WHERE log_id IS NULL`,
    sql`ALTER TABLE evaluations ADD COLUMN verified_version_id INTEGER REFERENCES model_versions (id) ON DELETE SET NULL`,
    sql`ALTER TABLE evaluations ADD COLUMN verified_log_id INTEGER REFERENCES conversation_logs (id) ON DELETE SET NULL`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE evaluations DROP COLUMN verified_log_id`.execute(db);
  await sql`ALTER TABLE evaluations DROP COLUMN verified_version_id`.execute(db);
  for (const table of ['batch_run_items', 'batch_runs', 'question_set_items', 'question_sets']) await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
}
