import { sql, type Kysely } from 'kysely';

/**
 * Score cards over 100,000 judged logs within 50 ms (issue 13): verdict counts per workspace,
 * model, version, day and priority, kept by triggers in the transaction that changes an
 * evaluation, so every path that saves, changes or deletes one (API, pack import, a cascade from
 * a deleted log) keeps them exact. The per-version, per-priority, per-category and timeline
 * tables of a card read these few rows instead of every evaluation.
 *
 * A log's workspace, model, day and session (so its version) never change after it is written;
 * an evaluation's verdict and priority can, and its update moves the count.
 * A migration that rebuilds `evaluations` must create these triggers again.
 */
/** Adds (`sign` 1) or removes (-1) one evaluation's verdict from its totals row. */
const apply = (row: 'NEW' | 'OLD', sign: 1 | -1) => `
  INSERT INTO verdict_totals (workspace_id, model_id, version_key, day, priority_key, judged, good, insufficient, wrong)
  SELECT l.workspace_id, l.model_id, COALESCE(s.version_id, 0), substr(l.asked_at, 1, 10), COALESCE(${row}.priority, 0),
    ${sign}, ${sign} * (${row}.evaluation = 1), ${sign} * (${row}.evaluation = 2), ${sign} * (${row}.evaluation = 3)
  FROM conversation_logs l JOIN sessions s ON s.id = l.session_id WHERE l.id = ${row}.log_id
  ON CONFLICT DO UPDATE SET judged = judged + excluded.judged, good = good + excluded.good, insufficient = insufficient + excluded.insufficient, wrong = wrong + excluded.wrong;`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE verdict_totals (
    workspace_id INTEGER NOT NULL,
    model_id INTEGER NOT NULL,
    -- 0: the base alone (a key column cannot be NULL and still be unique).
    version_key INTEGER NOT NULL,
    day TEXT NOT NULL,
    -- 0: no priority.
    priority_key INTEGER NOT NULL,
    judged INTEGER NOT NULL,
    good INTEGER NOT NULL,
    insufficient INTEGER NOT NULL,
    wrong INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, model_id, version_key, day, priority_key)
  ) WITHOUT ROWID`.execute(db);
  await sql`CREATE TRIGGER verdict_totals_insert AFTER INSERT ON evaluations BEGIN ${sql.raw(apply('NEW', 1))} END`.execute(db);
  await sql`CREATE TRIGGER verdict_totals_delete AFTER DELETE ON evaluations BEGIN ${sql.raw(apply('OLD', -1))} END`.execute(db);
  // A log deleted with its evaluations (ON DELETE CASCADE): by the time the evaluations go, the
  // log is gone and the trigger above finds no key, so the log takes its verdicts out first.
  await sql`CREATE TRIGGER verdict_totals_log_delete BEFORE DELETE ON conversation_logs BEGIN
    UPDATE verdict_totals SET judged = verdict_totals.judged - c.judged, good = verdict_totals.good - c.good, insufficient = verdict_totals.insufficient - c.insufficient, wrong = verdict_totals.wrong - c.wrong
    FROM (SELECT COALESCE(s.version_id, 0) AS version_key, COALESCE(e.priority, 0) AS priority_key, COUNT(*) AS judged, SUM(e.evaluation = 1) AS good, SUM(e.evaluation = 2) AS insufficient, SUM(e.evaluation = 3) AS wrong
          FROM evaluations e JOIN sessions s ON s.id = OLD.session_id WHERE e.log_id = OLD.id GROUP BY 1, 2) AS c
    WHERE verdict_totals.workspace_id = OLD.workspace_id AND verdict_totals.model_id = OLD.model_id AND verdict_totals.version_key = c.version_key
      AND verdict_totals.day = substr(OLD.asked_at, 1, 10) AND verdict_totals.priority_key = c.priority_key;
  END`.execute(db);
  await sql`CREATE TRIGGER verdict_totals_update AFTER UPDATE OF evaluation, priority, log_id ON evaluations BEGIN ${sql.raw(apply('OLD', -1) + apply('NEW', 1))} END`.execute(db);
  await sql`INSERT INTO verdict_totals (workspace_id, model_id, version_key, day, priority_key, judged, good, insufficient, wrong)
    SELECT l.workspace_id, l.model_id, COALESCE(s.version_id, 0), substr(l.asked_at, 1, 10), COALESCE(e.priority, 0),
      COUNT(*), SUM(e.evaluation = 1), SUM(e.evaluation = 2), SUM(e.evaluation = 3)
    FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id JOIN sessions s ON s.id = l.session_id
    GROUP BY 1, 2, 3, 4, 5`.execute(db);
  // The lifecycle counts per version (trained into, verified by) without reading every evaluation.
  await sql`CREATE INDEX evaluations_trained_version ON evaluations (trained_version_id, log_id) WHERE trained_version_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX evaluations_verified_version ON evaluations (verified_version_id, log_id) WHERE verified_version_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['verdict_totals_insert', 'verdict_totals_delete', 'verdict_totals_log_delete', 'verdict_totals_update']) await sql`DROP TRIGGER ${sql.id(name)}`.execute(db);
  await sql`DROP TABLE verdict_totals`.execute(db);
  await sql`DROP INDEX evaluations_trained_version`.execute(db);
  await sql`DROP INDEX evaluations_verified_version`.execute(db);
}
