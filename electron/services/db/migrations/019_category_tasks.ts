import { sql, type Kysely } from 'kysely';

/**
 * What each workspace category does (issue 14, seed 000's workspace_threads and categories):
 * `qa` keeps several named conversations (threads) per user; `summary` and `doc_gen` answers
 * record the task they were asked as (the summarized source and target length, the document
 * template and its values), and document templates sit beside system prompt templates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE threads (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      user_id INTEGER NOT NULL REFERENCES users (id),
      name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 200),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      archived_at TEXT
    )`,
    sql`CREATE INDEX threads_owner ON threads (workspace_id, user_id, updated_at)`,
    sql`ALTER TABLE sessions ADD COLUMN thread_id INTEGER REFERENCES threads (id)`,
    sql`CREATE INDEX sessions_thread ON sessions (thread_id) WHERE thread_id IS NOT NULL`,
    sql`ALTER TABLE conversation_logs ADD COLUMN task TEXT CHECK (task IS NULL OR json_valid(task))`,
    sql`ALTER TABLE prompt_templates ADD COLUMN kind TEXT NOT NULL DEFAULT 'system' CHECK (kind IN ('system', 'document'))`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`ALTER TABLE prompt_templates DROP COLUMN kind`,
    sql`ALTER TABLE conversation_logs DROP COLUMN task`,
    sql`DROP INDEX sessions_thread`,
    sql`ALTER TABLE sessions DROP COLUMN thread_id`,
    sql`DROP TABLE threads`,
  ]) await statement.execute(db);
}
