import { sql, type Kysely } from 'kysely';

/**
 * Assisted judging (issue 13): a run names the model that judges its answers, and a suggestion
 * records when it was made, so the agreement rate can be read per run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE batch_runs ADD COLUMN judge_model_id INTEGER REFERENCES models (id)`.execute(db);
  await sql`ALTER TABLE batch_run_items ADD COLUMN suggested_at TEXT`.execute(db);
  // Items answered but not yet suggested: what a resumed assisted run still has to judge.
  await sql`CREATE INDEX batch_run_items_unsuggested ON batch_run_items (run_id, position) WHERE log_id IS NOT NULL AND suggested_at IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX batch_run_items_unsuggested`.execute(db);
  await sql`ALTER TABLE batch_run_items DROP COLUMN suggested_at`.execute(db);
  await sql`ALTER TABLE batch_runs DROP COLUMN judge_model_id`.execute(db);
}
