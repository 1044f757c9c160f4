/**
 * Score cards (issue 13) without a model: seeded judged logs in two workspaces and batch runs
 * written as the run service writes them. A card counts its own workspace only, per version and
 * per run, by priority, category and tag, and names versions without writing a label.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrationProvider } from '../electron/services/db/migrations/index.ts';
import type { DatabaseSchema } from '../electron/services/db/schema.ts';
import type { ScoreBreakdownRow, ScoreCard } from '../shared/contract/reverify.ts';
import { openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

const now = '2026-03-01T09:00:00.000Z';

/** A session of the workspace (its category is set by the database when it is written), with judged answers. */
function seedSession(raw: BetterSqlite3.Database, workspaceId: number, modelId: number, verdicts: Array<1 | 2 | 3>): number[] {
  const user = raw.prepare('SELECT id FROM users ORDER BY id LIMIT 1').pluck().get() as number;
  const sessionId = Number(
    raw.prepare("INSERT INTO sessions (user_id, workspace_id, model_id, system_prompt_snapshot, settings_snapshot, started_at) VALUES (?, ?, ?, '', '{}', ?)").run(user, workspaceId, modelId, now).lastInsertRowid,
  );
  return verdicts.map((verdict, index) => {
    const logId = Number(
      raw
        .prepare(
          "INSERT INTO conversation_logs (session_id, workspace_id, model_id, user_id, question, answer, asked_at, completed_at, prompt_tokens, completion_tokens, duration_ms, stop_reason) VALUES (?, ?, ?, ?, ?, 'answer', ?, ?, 10, 10, 1, 'finished')",
        )
        .run(sessionId, workspaceId, modelId, user, `summary question ${index}`, now, now).lastInsertRowid,
    );
    raw
      .prepare('INSERT INTO evaluations (log_id, evaluator_id, evaluation, correct_answer, priority, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)')
      .run(logId, user, verdict, verdict === 1 ? null : 'fixed', verdict === 1 ? null : 2, now, now);
    return logId;
  });
}

/** A completed batch run of the base over existing logs of the workspace, each item with tags. */
function seedRun(raw: BetterSqlite3.Database, workspaceId: number, logIds: number[], tagsOf: (index: number) => string[]): number {
  const user = raw.prepare('SELECT id FROM users ORDER BY id LIMIT 1').pluck().get() as number;
  const log = raw.prepare('SELECT session_id, model_id FROM conversation_logs WHERE id = ?').get(logIds[0]) as { session_id: number; model_id: number };
  const setId = Number(raw.prepare("INSERT INTO question_sets (workspace_id, name, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").run(workspaceId, `set ${workspaceId}-${Math.random()}`, user, now, now).lastInsertRowid);
  const runId = Number(
    raw
      .prepare("INSERT INTO batch_runs (set_id, workspace_id, model_id, version_id, session_id, parallelism, temperature, seed, status, total, created_by, created_at) VALUES (?, ?, ?, NULL, ?, 1, 0, 42, 'completed', ?, ?, ?)")
      .run(setId, workspaceId, log.model_id, log.session_id, logIds.length, user, now).lastInsertRowid,
  );
  logIds.forEach((logId, position) => {
    const itemId = Number(raw.prepare("INSERT INTO question_set_items (set_id, position, question, tags, origin) VALUES (?, ?, 'q', ?, 'typed')").run(setId, position, JSON.stringify(tagsOf(position))).lastInsertRowid);
    raw.prepare('INSERT INTO batch_run_items (run_id, item_id, position, log_id) VALUES (?, ?, ?, ?)').run(runId, itemId, position, logId);
  });
  return runId;
}

const judgedOf = (rows: Array<{ counts: { judged: number } }>) => rows.reduce((sum, row) => sum + row.counts.judged, 0);
const versionRows = <Row extends ScoreBreakdownRow>(rows: Row[]) => rows.filter((row) => row.runId === null);
const runRows = <Row extends ScoreBreakdownRow>(rows: Row[], runId: number) => rows.filter((row) => row.runId === runId);
const asRecord = (rows: Array<{ key: string; n: number }>) => Object.fromEntries(rows.map((row) => [row.key, row.n]));

test('a score card counts its own workspace only: per version and per run, by priority, category and tag', async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 400, workspaces: 2, models: 1, verdict: (i) => ([1, 2, 3, null] as const)[i % 4]! });
    const [first, second] = raw.prepare("SELECT id FROM workspaces WHERE name IN ('Workspace 1', 'Workspace 2') ORDER BY id").pluck().all() as number[];
    const modelId = raw.prepare("SELECT id FROM models WHERE fingerprint = 'seed'").pluck().get() as number;
    // The first workspace becomes a summary workspace: its later answers count as summary, the earlier keep qa.
    await app.call('workspaces.update', { id: first!, patch: { category: 'summary' } });
    seedSession(raw, first!, modelId, [1, 1, 2, 3, 3]);
    // A session keeps the category it started under, through the API as through any other insert.
    const started = await app.call('sessions.start', { workspaceId: first!, modelId });
    assert.equal(started.category, 'summary');
    assert.deepEqual(raw.prepare('SELECT category, COUNT(*) AS n FROM sessions WHERE workspace_id = ? GROUP BY 1 ORDER BY 1').all(first!), [
      { category: 'qa', n: 1 },
      { category: 'summary', n: 2 },
    ]);

    const logsOf = (workspaceId: number) => raw.prepare('SELECT l.id FROM conversation_logs l JOIN evaluations e ON e.log_id = l.id WHERE l.workspace_id = ? ORDER BY l.id LIMIT 30').pluck().all(workspaceId) as number[];
    const runFirst = seedRun(raw, first!, logsOf(first!), (index) => (index % 2 === 0 ? ['contract', 'notice'] : ['contract']));
    const runSecond = seedRun(raw, second!, logsOf(second!), () => ['elsewhere']);

    const direct = (workspaceId: number, column: string) =>
      asRecord(
        raw
          .prepare(`SELECT ${column} AS key, COUNT(*) AS n FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id JOIN sessions s ON s.id = l.session_id WHERE l.workspace_id = ? GROUP BY 1`)
          .all(workspaceId) as Array<{ key: string; n: number }>,
      );
    const directRun = (runId: number, column: string) =>
      asRecord(
        raw
          .prepare(
            `SELECT ${column} AS key, COUNT(*) AS n FROM batch_run_items r JOIN question_set_items q ON q.id = r.item_id, json_each(q.tags) t
               JOIN evaluations e ON e.log_id = r.log_id JOIN conversation_logs l ON l.id = r.log_id JOIN sessions s ON s.id = l.session_id WHERE r.run_id = ? GROUP BY 1`,
          )
          .all(runId) as Array<{ key: string; n: number }>,
      );
    const cards: ScoreCard[] = [];
    for (const workspaceId of [first!, second!]) {
      const card = await app.call('scorecards.get', { workspaceId });
      cards.push(card);
      const judged = raw.prepare('SELECT COUNT(*) FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id WHERE l.workspace_id = ?').pluck().get(workspaceId) as number;
      assert.equal(judgedOf(card.versions), judged, 'versions: this workspace');
      assert.equal(judgedOf(card.timeline), judged, 'timeline: this workspace');
      assert.equal(judgedOf(versionRows(card.byPriority)), judged, 'by priority: this workspace');
      // The by-category table once summed every workspace.
      assert.equal(judgedOf(versionRows(card.byCategory)), judged, 'by category: this workspace, not all of them');
      assert.deepEqual(asRecord(versionRows(card.byCategory).map((row) => ({ key: row.category, n: row.counts.judged }))), direct(workspaceId, "COALESCE(s.category, 'qa')"));
      assert.deepEqual(asRecord(versionRows(card.byPriority).map((row) => ({ key: String(row.priority), n: row.counts.judged }))), direct(workspaceId, "COALESCE(e.priority, 'null')"));
      // Per version: the base alone, named by its model without a label.
      assert.deepEqual(
        card.versions.map((version) => [version.modelName, version.versionId, version.versionName]),
        [['Seed model 1', null, null]],
      );
      assert.equal(JSON.stringify(card).includes('(base)'), false);
    }
    const [firstCard, secondCard] = cards as [ScoreCard, ScoreCard];
    assert.deepEqual(Object.keys(direct(first!, "COALESCE(s.category, 'qa')")).sort(), ['qa', 'summary'], 'the changed category is its own row');
    assert.deepEqual(versionRows(secondCard.byCategory).map((row) => row.category), ['qa']);
    const everything = raw.prepare('SELECT COUNT(*) FROM evaluations').pluck().get() as number;
    assert.equal(judgedOf(firstCard.versions) + judgedOf(secondCard.versions), everything);

    // Per run: only this workspace's run, by priority, category and tag.
    assert.deepEqual(firstCard.runs.map((run) => run.runId), [runFirst]);
    assert.deepEqual(secondCard.runs.map((run) => run.runId), [runSecond]);
    for (const [card, runId, other] of [
      [firstCard, runFirst, runSecond],
      [secondCard, runSecond, runFirst],
    ] as const) {
      for (const table of [card.byPriority, card.byCategory, card.byTag]) assert.equal(runRows<ScoreBreakdownRow>(table, other).length, 0, 'no row of the other workspace');
      const runJudged = raw.prepare('SELECT COUNT(*) FROM batch_run_items r JOIN evaluations e ON e.log_id = r.log_id WHERE r.run_id = ?').pluck().get(runId) as number;
      assert.equal(runJudged, 30);
      assert.equal(judgedOf(runRows(card.byPriority, runId)), runJudged);
      assert.equal(judgedOf(runRows(card.byCategory, runId)), runJudged);
      assert.deepEqual(asRecord(runRows(card.byTag, runId).map((row) => ({ key: row.tag, n: row.counts.judged }))), directRun(runId, 't.value'));
      // A version's tag counts are its runs' together (one run here).
      assert.deepEqual(
        versionRows(card.byTag).map((row) => [row.tag, row.counts.judged]),
        runRows(card.byTag, runId).map((row) => [row.tag, row.counts.judged]),
      );
    }
    assert.deepEqual(
      runRows(firstCard.byPriority, runFirst).map((row) => [row.priority, row.counts.judged]),
      Object.entries(
        asRecord(
          raw
            .prepare("SELECT COALESCE(e.priority, 'null') AS key, COUNT(*) AS n FROM batch_run_items r JOIN evaluations e ON e.log_id = r.log_id WHERE r.run_id = ? GROUP BY 1 ORDER BY e.priority IS NULL, e.priority")
            .all(runFirst) as Array<{ key: string; n: number }>,
        ),
      ).map(([key, n]) => [key === 'null' ? null : Number(key), n]),
    );
    assert.deepEqual(firstCard.byTag.map((row) => [row.runId, row.tag]), [
      [null, 'contract'],
      [null, 'notice'],
      [runFirst, 'contract'],
      [runFirst, 'notice'],
    ]);

    // CSV: model and version as two columns (the base: an empty version), the run column empty for a version's rows.
    const csv = await app.call('scorecards.csv', { workspaceId: first!, table: 'byCategory' });
    assert.ok(csv.csv.startsWith('\uFEFFmodel,version,run,category,judged,good,insufficient,wrong,good_rate\r\n'));
    assert.match(csv.csv, /\r\nSeed model 1,,,summary,5,2,1,2,0\.4000\r\n/);
    assert.ok(csv.csv.includes(`\r\nSeed model 1,,${runFirst},qa,30,`));

    // Bad input: an unknown table, a workspace that does not exist.
    const unknown = await app.raw('scorecards.csv', { workspaceId: first!, table: 'everything' });
    assert.equal(unknown.ok, false);
    await rejectsWithCode(app.call('scorecards.get', { workspaceId: 9999 }), 'NOT_FOUND');
  } finally {
    await app.close();
  }
});

test('migrations 020 and 021 keep an existing database whole: sessions get their category, totals are rebuilt, dataset items keep their evaluations', async () => {
  const raw = new BetterSqlite3(path.join(tempDir(), 'evaldesk.sqlite'));
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    const migrator = new Migrator({ db, provider: migrationProvider });
    assert.equal((await migrator.migrateTo('019_category_tasks')).error, undefined);
    // Only the rows these migrations read (no user or model row is needed for that).
    raw.pragma('foreign_keys = OFF');
    raw.prepare("INSERT INTO workspaces (id, name, category, system_prompt, temperature, max_tokens, context_size, history_turns, created_at, updated_at) VALUES (1, 'w', 'doc_gen', '', 0.2, 256, 2048, 2, ?, ?)").run(now, now);
    raw.prepare("INSERT INTO sessions (id, user_id, workspace_id, model_id, system_prompt_snapshot, settings_snapshot, started_at) VALUES (1, 1, 1, 1, '', '{}', ?)").run(now);
    for (const [id, verdict] of [[1, 1], [2, 3], [3, 3]] as const) {
      raw.prepare("INSERT INTO conversation_logs (id, session_id, workspace_id, model_id, user_id, question, answer, asked_at, completed_at, prompt_tokens, completion_tokens, duration_ms, stop_reason) VALUES (?, 1, 1, 1, 1, 'q', 'a', ?, ?, 1, 1, 1, 'finished')").run(id, now, now);
      raw.prepare('INSERT INTO evaluations (id, log_id, evaluator_id, evaluation, priority, status, created_at, updated_at) VALUES (?, ?, 1, ?, ?, 1, ?, ?)').run(id, id, verdict, verdict === 1 ? null : 1, now, now);
    }
    raw.prepare("INSERT INTO datasets (id, name, format, out_dir, seed, filters, manifest, example_count, created_by, created_at) VALUES (1, 'd', 'mlx', '/tmp/d', 1, '{}', '{}', 2, 1, ?)").run(now);
    raw.prepare("INSERT INTO dataset_items (dataset_id, evaluation_id, split) VALUES (1, 1, 'train'), (1, 2, 'valid')").run();
    raw.pragma('foreign_keys = ON');

    assert.equal((await migrator.migrateToLatest()).error, undefined);
    assert.equal(raw.prepare('SELECT category FROM sessions WHERE id = 1').pluck().get(), 'doc_gen');
    assert.deepEqual(raw.prepare('SELECT priority_key, category, judged, good, wrong FROM verdict_totals ORDER BY priority_key').all(), [
      { priority_key: 0, category: 'doc_gen', judged: 1, good: 1, wrong: 0 },
      { priority_key: 1, category: 'doc_gen', judged: 2, good: 0, wrong: 2 },
    ]);
    assert.deepEqual(raw.prepare('SELECT dataset_id, evaluation_id, ab_comparison_id, split FROM dataset_items ORDER BY evaluation_id').all(), [
      { dataset_id: 1, evaluation_id: 1, ab_comparison_id: null, split: 'train' },
      { dataset_id: 1, evaluation_id: 2, ab_comparison_id: null, split: 'valid' },
    ]);
    // An item names exactly one source, once per dataset.
    assert.throws(() => raw.prepare("INSERT INTO dataset_items (dataset_id, evaluation_id, ab_comparison_id, split) VALUES (1, NULL, NULL, 'train')").run(), /CHECK constraint failed/);
    assert.throws(() => raw.prepare("INSERT INTO dataset_items (dataset_id, evaluation_id, split) VALUES (1, 1, 'test')").run(), /UNIQUE constraint failed/);
    // The rebuilt triggers keep counting: a changed verdict moves its count.
    raw.prepare('UPDATE evaluations SET evaluation = 1, priority = NULL WHERE id = 2').run();
    assert.deepEqual(raw.prepare('SELECT priority_key, judged, good, wrong FROM verdict_totals WHERE judged <> 0 ORDER BY priority_key').all(), [
      { priority_key: 0, judged: 2, good: 2, wrong: 0 },
      { priority_key: 1, judged: 1, good: 0, wrong: 1 },
    ]);
  } finally {
    await db.destroy();
  }
});
