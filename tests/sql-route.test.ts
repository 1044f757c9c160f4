/**
 * The admin SQL route (issue 15, seed 002) on a real SQLite file made by the app: the documented
 * views, the safety check decided by SQLite, the query process with its row and time limits, the
 * route decision with fixed model outputs, and one grammar-constrained run on the tiny model.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { openRouteConnection } from '../electron/services/sql-route/connection.ts';
import { createSqlExecutor, type SqlExecutor } from '../electron/services/sql-route/executor.ts';
import { createLlamaJsonGenerator } from '../electron/services/runtime/json-generator.ts';
import { answerWithSql, decideRoute, mayUseSqlRoute, routeOutputSchema, sqlOutputSchema, writeSql, type JsonGenerator } from '../electron/services/sql-route/route.ts';
import { routeViews, viewSchemaForPrompt } from '../electron/services/sql-route/views.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { addUser, openTestApp, type TestApp } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

const logCount = 3000;
const timeoutMs = 1500;
/** A busy two-core machine needs time to notice the timer and kill the process. */
const killMarginMs = 2000;

let app: TestApp;
let raw: BetterSqlite3.Database;
let databasePath: string;
let executor: SqlExecutor;
let versionId: number;

before(async () => {
  app = await openTestApp();
  raw = app.core.internals!.db.raw;
  databasePath = app.core.internals!.db.path;
  // A second person with a password: a hash exists that no query may reach.
  await addUser(app, { username: 'reviewer', role: 'evaluator' });
  seedLogs(raw, { logs: logCount, workspaces: 2, models: 2 });
  const now = new Date().toISOString();
  const baseModel = raw.prepare("SELECT max(id) FROM models WHERE fingerprint = 'seed'").pluck().get() as number;
  versionId = Number(
    raw.prepare("INSERT INTO model_versions (base_model_id, name, notes, base_fingerprint, created_at) VALUES (?, 'v2', '', 'seed', ?)").run(baseModel, now).lastInsertRowid,
  );
  // The second model's sessions in the first workspace answered as its version v2.
  raw.prepare('UPDATE sessions SET version_id = ? WHERE model_id = ? AND workspace_id = (SELECT min(workspace_id) FROM sessions)').run(versionId, baseModel);
  executor = createSqlExecutor({ databasePath, timeoutMs });
});

after(async () => {
  await executor?.close();
  await app?.close();
});

/** Every table's rows, the schema and the user version, hashed: any write shows. */
function checksum(): string {
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify(raw.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name').all()));
  hash.update(String(raw.pragma('user_version', { simple: true })));
  const tables = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name").pluck().all() as string[];
  for (const table of tables) {
    hash.update(`\0${table}\0`);
    for (const row of raw.prepare(`SELECT * FROM "${table}"`).raw().iterate()) hash.update(JSON.stringify(row));
  }
  return hash.digest('hex');
}

/** Changes when any other connection commits to the file. */
const dataVersion = () => raw.pragma('data_version', { simple: true }) as number;

const attachTarget = path.join(os.tmpdir(), `evaldesk-sql-route-attack-${process.pid}.sqlite`);
const vacuumTarget = path.join(os.tmpdir(), `evaldesk-sql-route-copy-${process.pid}.sqlite`);

/** Refused by the check, with the reason SQLite's parser leads to. */
const refused: Array<[sql: string, reason: string]> = [
  ["INSERT INTO workspaces (name, category, temperature, max_tokens, context_size, history_turns, created_at, updated_at) VALUES ('x', 'qa', 0, 1, 512, 0, '', '')", 'not_select'],
  ['UPDATE evaluations SET evaluation = 1', 'not_select'],
  ['DELETE FROM conversation_logs', 'not_select'],
  ['DROP TABLE users', 'not_select'],
  ['DROP VIEW v_answers', 'not_select'],
  [`ATTACH DATABASE '${attachTarget}' AS attack`, 'not_select'],
  ['PRAGMA query_only = 0', 'not_select'],
  ['PRAGMA writable_schema = ON', 'not_select'],
  ['PRAGMA user_version = 99', 'not_select'],
  ['PRAGMA journal_mode = DELETE', 'not_select'],
  ['PRAGMA table_info(users)', 'not_select'],
  ['EXPLAIN SELECT * FROM v_answers', 'not_select'],
  [`VACUUM INTO '${vacuumTarget}'`, 'not_select'],
  ['WITH doomed AS (SELECT id FROM v_answers) DELETE FROM conversation_logs WHERE id IN doomed', 'not_select'],
  ['BEGIN IMMEDIATE', 'not_select'],
  ["SELECT load_extension('/tmp/evil.so')", 'function_not_allowed'],
  ["SELECT count(*) FROM v_answers WHERE question <> load_extension('/tmp/evil.so', 'entry')", 'function_not_allowed'],
  ['SELECT 1; DELETE FROM users', 'multiple_statements'],
  ['SELECT 1; -- DROP TABLE users', 'multiple_statements'],
  ['SELECT 1 /* */; DROP TABLE users', 'multiple_statements'],
  ['SELECT count(*) FROM v_answers;\nDROP TABLE users;', 'multiple_statements'],
  ['SELECT 1;;', 'multiple_statements'],
  ['SELECT * FROM users', 'table_not_allowed'],
  ['SELECT password_hash FROM main.users', 'table_not_allowed'],
  ['SELECT a.id, u.password_hash FROM v_answers a JOIN "users" u ON u.id = a.user_id', 'table_not_allowed'],
  ['SELECT (SELECT token_hash FROM auth_sessions LIMIT 1)', 'table_not_allowed'],
  ['SELECT count(*) FROM conversation_logs', 'table_not_allowed'],
  ['WITH s AS (SELECT * FROM sqlite_schema) SELECT sql FROM s', 'table_not_allowed'],
  ['SELECT * FROM sqlite_temp_schema', 'table_not_allowed'],
  ["SELECT * FROM pragma_table_info('users')", 'table_not_allowed'],
  ["SELECT value FROM json_each('[1, 2]')", 'table_not_allowed'],
  ["SELECT * FROM conversation_logs_fts WHERE conversation_logs_fts MATCH 'VPN'", 'table_not_allowed'],
  ['SELECT FROM WHERE', 'syntax'],
  ['SELECT no_such_column FROM v_answers', 'syntax'],
  ['SELECT * FROM main.v_answers', 'syntax'],
  ['', 'empty'],
  ['   ;  ', 'empty'],
  ['-- nothing to see', 'empty'],
  [`SELECT ${'1 + '.repeat(1100)}1`, 'too_long'],
];

/** Accepted by the check (they are queries), and stopped while running. */
const runaway: Array<[sql: string, reason: string]> = [
  ['WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n', 'timeout'],
  ['SELECT count(*) FROM v_answers a, v_answers b, v_answers c', 'timeout'],
  ['SELECT length(zeroblob(2000000000))', 'too_big'],
];

const secretColumns = ['password_hash', 'recovery_codes', 'failed_attempts', 'token_hash', 'system_prompt', 'system_prompt_snapshot', 'settings_snapshot', 'prompt_variables', 'prompt_text', 'memo', 'correct_answer', 'file_path', 'fingerprint', 'bio', 'avatar'];

test('the views: documented columns only, no secret reachable, created on the current schema of a read-only connection', () => {
  const route = openRouteConnection(databasePath);
  try {
    for (const view of routeViews) {
      const columns = (route.connection.prepare(`PRAGMA temp.table_info("${view.name}")`).all() as Array<{ name: string }>).map((c) => c.name);
      assert.deepEqual(columns, view.columns.map((c) => c.name), `${view.name} has exactly its documented columns`);
      for (const secret of secretColumns) assert.ok(!columns.includes(secret), `${view.name} leaves out ${secret}`);
      // Every view reads on the real data.
      assert.ok((route.connection.prepare(`SELECT count(*) FROM "${view.name}"`).pluck().get() as number) > 0, `${view.name} has rows`);
    }
    const described = viewSchemaForPrompt();
    for (const view of routeViews) {
      assert.match(described, new RegExp(`CREATE VIEW ${view.name} \\(`));
      for (const column of view.columns) assert.match(described, new RegExp(`\\n  ${column.name} ${column.type},? +-- ${column.meaning.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    }
    for (const secret of secretColumns) assert.ok(!new RegExp(`\\b${secret}\\b`).test(described), `the prompt never names ${secret}`);

    // The connection itself refuses writes, even to its own temp schema, whatever the check says.
    assert.throws(() => route.connection.exec('DELETE FROM main.conversation_logs'), /readonly/);
    assert.throws(() => route.connection.exec('CREATE TEMP TABLE scratch (a)'), /readonly/);
    assert.equal(route.connection.pragma('query_only', { simple: true }), 1);
    assert.equal(route.connection.readonly, true);

    // The version's answers are those of its sessions.
    const v2 = route.connection.prepare('SELECT count(*) FROM v_answers WHERE version_name = ?').pluck().get('v2');
    assert.equal(v2, raw.prepare('SELECT count(*) FROM conversation_logs l JOIN sessions s ON s.id = l.session_id WHERE s.version_id = ?').pluck().get(versionId));
    assert.ok((v2 as number) > 0);
  } finally {
    route.close();
  }
});

test('the safety check: the hostile corpus is refused with a coded reason decided by SQLite; queries over the views pass', () => {
  const route = openRouteConnection(databasePath);
  try {
    for (const [sql, reason] of refused) assert.deepEqual(route.check(sql), { ok: false, reason }, sql.slice(0, 80));
    // Runaway queries are valid queries: the time limit, not the check, stops them.
    for (const [sql] of runaway) assert.equal(route.check(sql).ok, true, sql);
    const accepted: Array<[sql: string, checked: string]> = [
      ['SELECT count(*) FROM v_answers;', 'SELECT count(*) FROM v_answers'],
      ['  select verdict, count(*) from "v_evaluations" group by verdict ;  ', 'select verdict, count(*) from "v_evaluations" group by verdict'],
      ['SELECT id FROM temp.v_answers LIMIT 3 -- the first three', 'SELECT id FROM temp.v_answers LIMIT 3 -- the first three'],
      ['WITH w AS (SELECT id FROM v_workspaces) SELECT count(*) FROM v_answers WHERE workspace_id IN w', 'WITH w AS (SELECT id FROM v_workspaces) SELECT count(*) FROM v_answers WHERE workspace_id IN w'],
      ["SELECT ';' AS semicolon, '--' AS dashes", "SELECT ';' AS semicolon, '--' AS dashes"],
      ['VALUES (1), (2)', 'VALUES (1), (2)'],
      // A CTE named like a hidden table is the CTE, not the table.
      ['WITH users AS (SELECT id, display_name FROM v_users) SELECT * FROM users', 'WITH users AS (SELECT id, display_name FROM v_users) SELECT * FROM users'],
    ];
    for (const [sql, checked] of accepted) assert.deepEqual(route.check(sql), { ok: true, sql: checked }, sql);
  } finally {
    route.close();
  }
});

test('the executor: valid queries answer with the same rows as a direct query; the row limit truncates; long cells are clipped', async () => {
  const count = await executor.run('SELECT count(*) AS answers FROM v_answers');
  assert.ok(count.ok);
  assert.deepEqual(count.columns, ['answers']);
  assert.deepEqual(count.rows, [[raw.prepare('SELECT count(*) FROM conversation_logs').pluck().get()]]);
  assert.equal(count.truncated, false);

  const byPriority = await executor.run(`SELECT priority, count(*) AS n FROM v_evaluations WHERE version_id = ${versionId} AND verdict = 3 GROUP BY priority ORDER BY priority`);
  assert.ok(byPriority.ok);
  const expected = raw
    .prepare('SELECT e.priority, count(*) FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id JOIN sessions s ON s.id = l.session_id WHERE s.version_id = ? AND e.evaluation = 3 GROUP BY e.priority ORDER BY e.priority')
    .raw()
    .all(versionId);
  assert.deepEqual(byPriority.rows, expected);
  assert.ok(byPriority.rows.length > 0);

  const all = await executor.run('SELECT id, question FROM v_answers ORDER BY id');
  assert.ok(all.ok);
  assert.equal(all.rows.length, 200);
  assert.equal(all.truncated, true);
  assert.deepEqual(all.rows.map((row) => row[0]), raw.prepare('SELECT id FROM conversation_logs ORDER BY id LIMIT 200').pluck().all());

  const exact = await executor.run('SELECT id FROM v_answers ORDER BY id LIMIT 200');
  assert.ok(exact.ok);
  assert.equal(exact.rows.length, 200);
  assert.equal(exact.truncated, false, 'exactly the limit is not truncated');

  const long = await executor.run('SELECT hex(zeroblob(3000)) AS zeros, x\'00ff\' AS bytes');
  assert.ok(long.ok);
  assert.equal(long.clippedCells, 1);
  assert.equal(long.rows[0]![0], `${'0'.repeat(2000)}…`);
  assert.equal(long.rows[0]![1], '[blob 2 B]');

  assert.equal(executor.stats().warm, true, 'one warm process serves every query');
});

test('hostile SQL through answerWithSql: each refused or stopped within the time limit, the fallback taken with its stage and reason, nothing changed', async () => {
  const before = checksum();
  const version = dataVersion();
  const killedBefore = executor.stats().killed;
  for (const [sql, reason] of [...refused, ...runaway]) {
    const generate: JsonGenerator = async (_prompt, schema) => (schema === routeOutputSchema ? JSON.stringify({ route: 'sql', reason: 'about the records' }) : JSON.stringify({ sql }));
    const started = performance.now();
    const result = await answerWithSql('How many answers were judged wrong?', { generate, executor });
    const elapsed = performance.now() - started;
    assert.equal(result.outcome, 'fallback', sql.slice(0, 80));
    assert.ok(result.outcome === 'fallback');
    assert.equal(result.reason, reason, sql.slice(0, 80));
    assert.equal(result.stage, runaway.some(([hostile]) => hostile === sql) ? 'execute' : 'check', sql.slice(0, 80));
    assert.ok(elapsed < timeoutMs + killMarginMs, `${sql.slice(0, 60)}: ${Math.round(elapsed)} ms`);
    assert.equal(result.trace.sql, sql);
    assert.deepEqual(result.trace.steps.map((step) => step.step).slice(0, 2), ['route', 'write']);
    assert.equal(result.trace.steps.at(-1)!.code, reason);
  }
  assert.equal(executor.stats().killed - killedBefore, 2, 'the two runaway queries were killed');
  assert.equal(checksum(), before, 'every table, the schema and the user version are unchanged');
  assert.equal(dataVersion(), version, 'no other connection committed anything');
  assert.ok(!fs.existsSync(attachTarget) && !fs.existsSync(vacuumTarget), 'no file was attached or written');

  // After the kills, a fresh process answers the next query.
  const next = await executor.run('SELECT count(*) FROM v_workspaces');
  assert.ok(next.ok);
  assert.deepEqual(next.rows, [[raw.prepare('SELECT count(*) FROM workspaces').pluck().get()]]);
});

test('respawns after kills are bounded; a missing database, a missing worker and a closed executor are coded failures', async () => {
  const bounded = createSqlExecutor({ databasePath, timeoutMs: 300, maxSpawnsPerMinute: 2 });
  try {
    const endless = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n';
    assert.equal(((await bounded.run(endless)) as { reason?: string }).reason, 'timeout');
    assert.equal(((await bounded.run(endless)) as { reason?: string }).reason, 'timeout');
    const started = performance.now();
    const third = await bounded.run('SELECT 1');
    assert.deepEqual({ ...third, executeMs: 0 }, { ok: false, stage: 'execute', reason: 'worker_unavailable', sqliteCode: null, checkMs: null, executeMs: 0 });
    assert.ok(performance.now() - started < 1000, 'refused without starting a third process');
    assert.deepEqual(bounded.stats(), { spawned: 2, killed: 2, warm: false });
  } finally {
    await bounded.close();
  }

  const missingDb = createSqlExecutor({ databasePath: path.join(os.tmpdir(), `evaldesk-no-such-${process.pid}`, 'evaldesk.sqlite') });
  assert.equal(((await missingDb.run('SELECT 1')) as { reason?: string }).reason, 'worker_unavailable');
  assert.deepEqual(await missingDb.check('SELECT 1'), { ok: false, reason: 'worker_unavailable' });
  await missingDb.close();

  const notADatabase = path.join(os.tmpdir(), `evaldesk-not-a-db-${process.pid}.sqlite`);
  fs.writeFileSync(notADatabase, 'this is not SQLite');
  const garbage = createSqlExecutor({ databasePath: notADatabase });
  assert.equal(((await garbage.run('SELECT 1')) as { reason?: string }).reason, 'worker_unavailable');
  await garbage.close();
  fs.rmSync(notADatabase, { force: true });

  const missingWorker = createSqlExecutor({ databasePath, workerPath: path.join(os.tmpdir(), 'no-such-sql-worker.ts') });
  assert.equal(((await missingWorker.run('SELECT 1')) as { reason?: string }).reason, 'worker_unavailable');
  await missingWorker.close();

  const closing = createSqlExecutor({ databasePath });
  assert.deepEqual(await closing.check('SELECT count(*) FROM v_models;'), { ok: true, sql: 'SELECT count(*) FROM v_models' });
  await closing.close();
  assert.equal(((await closing.run('SELECT 1')) as { reason?: string }).reason, 'closed');
});

test('the route decision and the query writer at the service boundary: sql, rag, and anything unusable falls back to RAG', async () => {
  const fixed = (text: string): JsonGenerator => async () => text;
  assert.deepEqual(await decideRoute('How many answers were wrong last week?', fixed('{"route":"sql","reason":"counts of verdicts"}')), { route: 'sql', reason: 'counts of verdicts', failure: null });
  assert.deepEqual(await decideRoute('What does the policy say?', fixed('{"route": "rag", "reason": "document content"}')), { route: 'rag', reason: 'document content', failure: null });
  for (const garbage of ['garbage', '', '{"route":"maybe","reason":"x"}', '{"route":"sql"}', '[1]', 'null', '{"route":"sql","reason":3}', '{"route":"sql","reason":"cut off']) {
    assert.deepEqual(await decideRoute('q', fixed(garbage)), { route: 'rag', reason: null, failure: 'unusable_output' }, garbage);
  }
  const failing: JsonGenerator = async () => {
    throw new Error('the model was unloaded');
  };
  assert.deepEqual(await decideRoute('q', failing), { route: 'rag', reason: null, failure: 'generator_failed' });

  // The prompts carry the question and the schema the grammar is made from.
  const calls: Array<{ prompt: string; schema: unknown }> = [];
  const recording: JsonGenerator = async (prompt, schema) => {
    calls.push({ prompt, schema });
    return schema === routeOutputSchema ? '{"route":"sql","reason":"verdict counts"}' : '{"sql":"SELECT verdict, count(*) AS n FROM v_evaluations GROUP BY verdict ORDER BY verdict"}';
  };
  assert.deepEqual(await writeSql('판정별 개수는?', recording), { ok: true, sql: 'SELECT verdict, count(*) AS n FROM v_evaluations GROUP BY verdict ORDER BY verdict' });
  assert.equal(calls[0]!.schema, sqlOutputSchema);
  assert.ok(calls[0]!.prompt.includes(viewSchemaForPrompt()) && calls[0]!.prompt.endsWith('Question: 판정별 개수는?'));
  assert.deepEqual(await writeSql('q', fixed('{"sql": 42}')), { ok: false, failure: 'unusable_output' });
  assert.deepEqual(await writeSql('q', failing), { ok: false, failure: 'generator_failed' });

  // Answered: rows, the SQL, and a trace of every step that survives JSON.
  const answered = await answerWithSql('How many answers per verdict?', { generate: recording, executor });
  assert.equal(answered.outcome, 'answered');
  assert.ok(answered.outcome === 'answered');
  assert.deepEqual(answered.columns, ['verdict', 'n']);
  assert.deepEqual(answered.rows, raw.prepare('SELECT evaluation, count(*) FROM evaluations GROUP BY evaluation ORDER BY evaluation').raw().all());
  assert.equal(answered.sql, 'SELECT verdict, count(*) AS n FROM v_evaluations GROUP BY verdict ORDER BY verdict');
  assert.deepEqual(
    answered.trace.steps.map((step) => [step.step, step.ok, step.code]),
    [['route', true, null], ['write', true, null], ['check', true, null], ['execute', true, null]],
  );
  assert.ok(answered.trace.steps.every((step) => step.ms >= 0) && answered.trace.totalMs >= answered.trace.steps.reduce((sum, step) => sum + step.ms, 0) - 1);
  assert.deepEqual(JSON.parse(JSON.stringify(answered.trace)), answered.trace);
  assert.deepEqual([answered.trace.route, answered.trace.routeReason, answered.trace.outcome, answered.trace.rowCount, answered.trace.truncated], ['sql', 'verdict counts', 'answered', 3, false]);

  const byRoute = (text: string) => answerWithSql('q', { generate: async (_prompt, schema) => (schema === routeOutputSchema ? text : '{"sql":"SELECT 1"}'), executor });
  assert.deepEqual(pick(await byRoute('{"route":"rag","reason":"documents"}')), ['fallback', 'route', 'model_chose_rag']);
  assert.deepEqual(pick(await byRoute('not json')), ['fallback', 'route', 'unusable_output']);
  assert.deepEqual(pick(await answerWithSql('q', { generate: failing, executor })), ['fallback', 'route', 'generator_failed']);
  const byQuery = (text: string) => answerWithSql('q', { generate: async () => text, executor, skipRouteDecision: true });
  assert.deepEqual(pick(await byQuery('{"sql": "SELECT id FROM v_answers WHERE id < 0"}')), ['fallback', 'execute', 'empty_result']);
  assert.deepEqual(pick(await byQuery('{"sql": null}')), ['fallback', 'write', 'unusable_output']);
  const skipped = await byQuery('{"sql": "SELECT count(*) FROM v_sessions"}');
  assert.equal(skipped.outcome, 'answered');
  assert.deepEqual(skipped.trace.steps.map((step) => step.step), ['write', 'check', 'execute'], 'no route step when the caller chose SQL');
  assert.deepEqual(pick(await answerWithSql('   ', { generate: recording, executor })), ['fallback', 'route', 'empty_question']);

  assert.equal(mayUseSqlRoute({ role: 'admin' }, true), true);
  assert.equal(mayUseSqlRoute({ role: 'admin' }, false), false);
  for (const role of ['manager', 'evaluator', 'viewer'] as const) assert.equal(mayUseSqlRoute({ role }, true), false, role);
});

function pick(result: Awaited<ReturnType<typeof answerWithSql>>) {
  return result.outcome === 'answered' ? ['answered'] : [result.outcome, result.stage, result.reason];
}

test('one run through the real runtime: the route decision under a JSON-schema grammar on the tiny model parses', { timeout: 120_000 }, async () => {
  const fixtures = await ensureFixtures();
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  const request = { modelId: model.id, filePath: fixtures.tinyChat, weightBytes: fs.statSync(fixtures.tinyChat).size };
  const decision = await app.core.internals!.runtime.withModel(request, 2048, (side, signal) => decideRoute('How many answers of version v2 were judged wrong last week, by priority?', createLlamaJsonGenerator(side, { signal, maxTokens: 400, seed: 7 })));
  // The tiny model's weights are random: what it chooses is noise, but the grammar makes it parse.
  assert.equal(decision.failure, null);
  assert.ok(decision.route === 'sql' || decision.route === 'rag');
  assert.equal(typeof decision.reason, 'string');
});
