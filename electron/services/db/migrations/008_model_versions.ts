import { sql, type Kysely } from 'kysely';

/**
 * Model versions (issue 12; seed 000's llm_models revision, fine_tune_jobs and fine_tuned_models,
 * seed 001's models with a version and a base model): a version is a base GGUF plus LoRA
 * adapters with scales, with its parent, the dataset it was trained on and a record of the
 * training done outside the app. The base file's fingerprint at registration ties the adapter to
 * the exact file it was trained for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE fine_tune_jobs (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
      trainer TEXT NOT NULL DEFAULT '',
      provider_job_id TEXT,
      hyperparameters TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(hyperparameters)),
      metrics TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
      status TEXT NOT NULL DEFAULT 'succeeded' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
      started_at TEXT,
      finished_at TEXT
    )`,
    sql`CREATE TABLE model_versions (
      id INTEGER PRIMARY KEY,
      base_model_id INTEGER NOT NULL REFERENCES models (id),
      parent_version_id INTEGER REFERENCES model_versions (id),
      name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      dataset_id INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
      job_id INTEGER REFERENCES fine_tune_jobs (id) ON DELETE SET NULL,
      notes TEXT NOT NULL DEFAULT '',
      base_fingerprint TEXT NOT NULL,
      trained_at TEXT,
      created_at TEXT NOT NULL,
      UNIQUE (base_model_id, name)
    )`,
    sql`CREATE TABLE model_version_adapters (
      version_id INTEGER NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
      position INTEGER NOT NULL CHECK (position >= 0),
      file_path TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      scale REAL NOT NULL DEFAULT 1,
      format TEXT NOT NULL CHECK (format IN ('gguf', 'peft', 'mlx')),
      source_path TEXT NOT NULL,
      alpha REAL,
      ranks TEXT NOT NULL CHECK (json_valid(ranks)),
      target_count INTEGER NOT NULL,
      PRIMARY KEY (version_id, position)
    )`,
    sql`ALTER TABLE evaluations ADD COLUMN trained_version_id INTEGER REFERENCES model_versions (id) ON DELETE SET NULL`,
    sql`CREATE INDEX model_versions_base ON model_versions (base_model_id, id)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE evaluations DROP COLUMN trained_version_id`.execute(db);
  for (const table of ['model_version_adapters', 'model_versions', 'fine_tune_jobs']) await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
}
