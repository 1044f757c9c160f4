import { sql, type Kysely } from 'kysely';

/**
 * Blind A/B comparisons (issue 12): one question answered by two versions of a base, shown as A
 * and B in random order; the evaluator's choice is kept with both logs and which version was A.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE ab_comparisons (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    model_id INTEGER NOT NULL REFERENCES models (id),
    evaluator_id INTEGER NOT NULL REFERENCES users (id),
    question TEXT NOT NULL,
    -- The versions compared; NULL is the base alone. "first" is the one the evaluator picked first.
    version_a INTEGER REFERENCES model_versions (id),
    version_b INTEGER REFERENCES model_versions (id),
    log_a INTEGER NOT NULL REFERENCES conversation_logs (id) ON DELETE CASCADE,
    log_b INTEGER NOT NULL REFERENCES conversation_logs (id) ON DELETE CASCADE,
    choice TEXT CHECK (choice IS NULL OR choice IN ('a', 'b', 'tie', 'both_bad')),
    created_at TEXT NOT NULL,
    decided_at TEXT
  )`.execute(db);
  await sql`CREATE INDEX ab_comparisons_workspace ON ab_comparisons (workspace_id, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ab_comparisons`.execute(db);
}
