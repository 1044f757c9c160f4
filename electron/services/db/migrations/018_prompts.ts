import { sql, type Kysely } from 'kysely';

/**
 * Prompt templates and prompt history (issue 14, seed 000's system_prompt_template,
 * system_prompt_variables, prompt_mapping and workspace_prompt_templates), and per-user
 * preferences (seed 003's user_llm_preferences). Every workspace starts its history with the
 * system prompt it has now.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE prompt_templates (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      category TEXT NOT NULL CHECK (category IN ('qa', 'doc_gen', 'summary')),
      name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      body TEXT NOT NULL,
      variables TEXT NOT NULL CHECK (json_valid(variables)),
      is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
      created_by INTEGER NOT NULL REFERENCES users (id),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    sql`CREATE INDEX prompt_templates_workspace ON prompt_templates (workspace_id, category)`,
    // One default per workspace and category.
    sql`CREATE UNIQUE INDEX prompt_templates_default ON prompt_templates (workspace_id, category) WHERE is_default = 1`,
    sql`CREATE TABLE prompt_versions (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      version INTEGER NOT NULL,
      template_id INTEGER REFERENCES prompt_templates (id) ON DELETE SET NULL,
      body TEXT NOT NULL,
      variables TEXT NOT NULL CHECK (json_valid(variables)),
      changed_by INTEGER REFERENCES users (id),
      changed_at TEXT NOT NULL,
      UNIQUE (workspace_id, version)
    )`,
    sql`INSERT INTO prompt_versions (workspace_id, version, template_id, body, variables, changed_by, changed_at)
      SELECT id, 1, NULL, system_prompt, '[]', (SELECT min(id) FROM users), updated_at FROM workspaces`,
    sql`ALTER TABLE sessions ADD COLUMN prompt_version_id INTEGER REFERENCES prompt_versions (id)`,
    sql`ALTER TABLE sessions ADD COLUMN prompt_variables TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(prompt_variables))`,
    sql`UPDATE sessions SET prompt_version_id = (SELECT v.id FROM prompt_versions v WHERE v.workspace_id = sessions.workspace_id AND v.version = 1)
      WHERE system_prompt_snapshot = (SELECT w.system_prompt FROM workspaces w WHERE w.id = sessions.workspace_id)`,
    sql`CREATE INDEX sessions_prompt_version ON sessions (prompt_version_id)`,
    sql`CREATE TABLE user_preferences (
      user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      preferred_model_id INTEGER REFERENCES models (id) ON DELETE SET NULL,
      temperature REAL CHECK (temperature IS NULL OR temperature BETWEEN 0 AND 2),
      max_tokens INTEGER CHECK (max_tokens IS NULL OR max_tokens BETWEEN 1 AND 32768),
      use_documents INTEGER NOT NULL DEFAULT 1 CHECK (use_documents IN (0, 1)),
      language TEXT CHECK (language IS NULL OR language IN ('en', 'ko', 'ja')),
      updated_at TEXT NOT NULL
    )`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`DROP TABLE user_preferences`,
    sql`DROP INDEX sessions_prompt_version`,
    sql`ALTER TABLE sessions DROP COLUMN prompt_variables`,
    sql`ALTER TABLE sessions DROP COLUMN prompt_version_id`,
    sql`DROP TABLE prompt_versions`,
    sql`DROP TABLE prompt_templates`,
  ]) await statement.execute(db);
}
