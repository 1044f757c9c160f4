import { sql, type Kysely } from 'kysely';

/**
 * Score cards per version and per run by category (issue 13), within the card's workspace.
 *
 * An answer's category is its workspace's category when its session started: a workspace's
 * category can change later, and its earlier answers keep the one they were asked under. A
 * session keeps it in `sessions.category`, set by a trigger when the session is written (so
 * every path that starts one, API or pack import, records it) and never changed after.
 *
 * The verdict totals of migration 015 gain the category as a key, so the per-version tables by
 * priority and by category still read a few rows per day instead of every evaluation (score card
 * target: p95 <= 50 ms at 100,000 judged logs). The table and its triggers are rebuilt; a
 * migration that rebuilds `evaluations` must create these triggers again.
 */
const category = (session: string) => `COALESCE(${session}.category, 'qa')`;

/** Adds (`sign` 1) or removes (-1) one evaluation's verdict from its totals row. */
const apply = (row: 'NEW' | 'OLD', sign: 1 | -1) => `
  INSERT INTO verdict_totals (workspace_id, model_id, version_key, day, priority_key, category, judged, good, insufficient, wrong)
  SELECT l.workspace_id, l.model_id, COALESCE(s.version_id, 0), substr(l.asked_at, 1, 10), COALESCE(${row}.priority, 0), ${category('s')},
    ${sign}, ${sign} * (${row}.evaluation = 1), ${sign} * (${row}.evaluation = 2), ${sign} * (${row}.evaluation = 3)
  FROM conversation_logs l JOIN sessions s ON s.id = l.session_id WHERE l.id = ${row}.log_id
  ON CONFLICT DO UPDATE SET judged = judged + excluded.judged, good = good + excluded.good, insufficient = insufficient + excluded.insufficient, wrong = wrong + excluded.wrong;`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`BEGIN`.execute(db);
  try {
    const statements = [
      sql`ALTER TABLE sessions ADD COLUMN category TEXT CHECK (category IS NULL OR category IN ('qa', 'doc_gen', 'summary'))`,
      sql`UPDATE sessions SET category = (SELECT w.category FROM workspaces w WHERE w.id = sessions.workspace_id)`,
      sql`CREATE TRIGGER sessions_category AFTER INSERT ON sessions WHEN NEW.category IS NULL BEGIN
        UPDATE sessions SET category = (SELECT w.category FROM workspaces w WHERE w.id = NEW.workspace_id) WHERE id = NEW.id;
      END`,
      sql`DROP TRIGGER verdict_totals_insert`,
      sql`DROP TRIGGER verdict_totals_delete`,
      sql`DROP TRIGGER verdict_totals_log_delete`,
      sql`DROP TRIGGER verdict_totals_update`,
      sql`DROP TABLE verdict_totals`,
      sql`CREATE TABLE verdict_totals (
        workspace_id INTEGER NOT NULL,
        model_id INTEGER NOT NULL,
        -- 0: the base alone (a key column cannot be NULL and still be unique).
        version_key INTEGER NOT NULL,
        day TEXT NOT NULL,
        -- 0: no priority.
        priority_key INTEGER NOT NULL,
        category TEXT NOT NULL,
        judged INTEGER NOT NULL,
        good INTEGER NOT NULL,
        insufficient INTEGER NOT NULL,
        wrong INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, model_id, version_key, day, priority_key, category)
      ) WITHOUT ROWID`,
      sql`CREATE TRIGGER verdict_totals_insert AFTER INSERT ON evaluations BEGIN ${sql.raw(apply('NEW', 1))} END`,
      sql`CREATE TRIGGER verdict_totals_delete AFTER DELETE ON evaluations BEGIN ${sql.raw(apply('OLD', -1))} END`,
      // A log deleted with its evaluations (ON DELETE CASCADE): by the time the evaluations go, the
      // log is gone and the trigger above finds no key, so the log takes its verdicts out first.
      sql`CREATE TRIGGER verdict_totals_log_delete BEFORE DELETE ON conversation_logs BEGIN
        UPDATE verdict_totals SET judged = verdict_totals.judged - c.judged, good = verdict_totals.good - c.good, insufficient = verdict_totals.insufficient - c.insufficient, wrong = verdict_totals.wrong - c.wrong
        FROM (SELECT COALESCE(s.version_id, 0) AS version_key, ${sql.raw(category('s'))} AS category, COALESCE(e.priority, 0) AS priority_key,
                COUNT(*) AS judged, SUM(e.evaluation = 1) AS good, SUM(e.evaluation = 2) AS insufficient, SUM(e.evaluation = 3) AS wrong
              FROM evaluations e JOIN sessions s ON s.id = OLD.session_id WHERE e.log_id = OLD.id GROUP BY 1, 2, 3) AS c
        WHERE verdict_totals.workspace_id = OLD.workspace_id AND verdict_totals.model_id = OLD.model_id AND verdict_totals.version_key = c.version_key
          AND verdict_totals.day = substr(OLD.asked_at, 1, 10) AND verdict_totals.priority_key = c.priority_key AND verdict_totals.category = c.category;
      END`,
      sql`CREATE TRIGGER verdict_totals_update AFTER UPDATE OF evaluation, priority, log_id ON evaluations BEGIN ${sql.raw(apply('OLD', -1) + apply('NEW', 1))} END`,
      sql`INSERT INTO verdict_totals (workspace_id, model_id, version_key, day, priority_key, category, judged, good, insufficient, wrong)
        SELECT l.workspace_id, l.model_id, COALESCE(s.version_id, 0), substr(l.asked_at, 1, 10), COALESCE(e.priority, 0), ${sql.raw(category('s'))},
          COUNT(*), SUM(e.evaluation = 1), SUM(e.evaluation = 2), SUM(e.evaluation = 3)
        FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id JOIN sessions s ON s.id = l.session_id
        GROUP BY 1, 2, 3, 4, 5, 6`,
    ];
    for (const statement of statements) await statement.execute(db);
    await sql`COMMIT`.execute(db);
  } catch (error) {
    await sql`ROLLBACK`.execute(db);
    throw error;
  }
}

export async function down(): Promise<void> {
  throw new Error('Migration 020 cannot be reverted: the verdict totals of migration 015 have no category.');
}
