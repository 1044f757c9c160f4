import { sql, type Kysely } from 'kysely';

/**
 * Several evaluators per answer (issue 14): blind judging per workspace, review queues that
 * assign logs to N evaluators each, adjudicated final verdicts, and offline evaluation packs.
 * A workspace gets a uid that travels in packs, so a pack is only ever imported where it belongs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`ALTER TABLE workspaces ADD COLUMN blind_evaluation INTEGER NOT NULL DEFAULT 1 CHECK (blind_evaluation IN (0, 1))`,
    sql`ALTER TABLE workspaces ADD COLUMN uid TEXT`,
    sql`UPDATE workspaces SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL`,
    sql`CREATE UNIQUE INDEX workspaces_uid ON workspaces (uid)`,
    sql`CREATE TABLE review_queues (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      evaluators_per_item INTEGER NOT NULL CHECK (evaluators_per_item BETWEEN 1 AND 20),
      created_by INTEGER NOT NULL REFERENCES users (id),
      created_at TEXT NOT NULL
    )`,
    sql`CREATE INDEX review_queues_workspace ON review_queues (workspace_id, id)`,
    sql`CREATE TABLE review_assignments (
      queue_id INTEGER NOT NULL REFERENCES review_queues (id) ON DELETE CASCADE,
      log_id INTEGER NOT NULL REFERENCES conversation_logs (id) ON DELETE CASCADE,
      evaluator_id INTEGER NOT NULL REFERENCES users (id),
      position INTEGER NOT NULL,
      PRIMARY KEY (queue_id, log_id, evaluator_id)
    ) WITHOUT ROWID`,
    sql`CREATE INDEX review_assignments_evaluator ON review_assignments (evaluator_id, queue_id, position)`,
    // The final verdict of a disputed item, set by a manager; exports prefer it.
    sql`CREATE TABLE adjudications (
      log_id INTEGER PRIMARY KEY REFERENCES conversation_logs (id) ON DELETE CASCADE,
      evaluation INTEGER NOT NULL CHECK (evaluation IN (1, 2, 3)),
      reason TEXT,
      correct_answer TEXT,
      priority INTEGER CHECK (priority IS NULL OR priority IN (1, 2, 3)),
      adjudicator_id INTEGER NOT NULL REFERENCES users (id),
      decided_at TEXT NOT NULL,
      CHECK (evaluation <> 1 OR (reason IS NULL AND correct_answer IS NULL AND priority IS NULL))
    )`,
    // Packs opened or imported here: the same pack twice changes nothing.
    sql`CREATE TABLE pack_imports (
      pack_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('assignment', 'result')),
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
      imported_at TEXT NOT NULL,
      detail TEXT NOT NULL CHECK (json_valid(detail))
    )`,
    // On an expert's workstation: which local log stands for which item of the lead's pack.
    sql`CREATE TABLE pack_items (
      pack_id TEXT NOT NULL,
      item_log_id INTEGER NOT NULL,
      local_log_id INTEGER NOT NULL REFERENCES conversation_logs (id) ON DELETE CASCADE,
      PRIMARY KEY (pack_id, item_log_id)
    ) WITHOUT ROWID`,
    sql`CREATE INDEX pack_items_local ON pack_items (local_log_id)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`DROP TABLE pack_items`,
    sql`DROP TABLE pack_imports`,
    sql`DROP TABLE adjudications`,
    sql`DROP TABLE review_assignments`,
    sql`DROP TABLE review_queues`,
    sql`DROP INDEX workspaces_uid`,
    sql`ALTER TABLE workspaces DROP COLUMN uid`,
    sql`ALTER TABLE workspaces DROP COLUMN blind_evaluation`,
  ]) await statement.execute(db);
}
