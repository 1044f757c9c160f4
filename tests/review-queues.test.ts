/**
 * Review queues and agreement by scope (issue 14) on real SQLite files: a queue made of the
 * answers the log browser's filters select (the same filter SQL, the creator's own verdicts), a
 * queue made of a batch run's answers, bad scopes refused with nothing saved; agreement per run
 * and per workspace against hand-computed kappas; exports by the majority rule (ties left out);
 * blind judging switched off for a workspace.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { addUser, callAs, openTestApp, rejectsWithCode, tempDir, type TestApp } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

/** A question set and a completed batch run of `workspaceId` whose answers are `logIds` (plus one unanswered item). */
function seedRun(app: TestApp, workspaceId: number, logIds: number[]): number {
  const raw = app.core.internals!.db.raw;
  const now = new Date().toISOString();
  const user = raw.prepare('SELECT min(id) FROM users').pluck().get() as number;
  const { session_id: session, model_id: model } = raw.prepare('SELECT session_id, model_id FROM conversation_logs WHERE workspace_id = ? LIMIT 1').get(workspaceId) as { session_id: number; model_id: number };
  const set = Number(raw.prepare("INSERT INTO question_sets (workspace_id, name, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").run(workspaceId, `set ${Math.random()}`, user, now, now).lastInsertRowid);
  const run = Number(
    raw.prepare("INSERT INTO batch_runs (set_id, workspace_id, model_id, session_id, parallelism, temperature, seed, status, total, created_by, created_at) VALUES (?, ?, ?, ?, 1, 0, 42, 'completed', ?, ?, ?)").run(set, workspaceId, model, session, logIds.length + 1, user, now).lastInsertRowid,
  );
  const addItem = raw.prepare("INSERT INTO question_set_items (set_id, position, question, tags, origin) VALUES (?, ?, 'q', '[]', 'typed')");
  const addRunItem = raw.prepare('INSERT INTO batch_run_items (run_id, item_id, position, log_id) VALUES (?, ?, ?, ?)');
  for (const [position, logId] of [...logIds, null].entries()) addRunItem.run(run, Number(addItem.run(set, position).lastInsertRowid), position, logId);
  return run;
}

/** Log ids of a queue, in queue order, as the evaluator sees them. */
async function queueLogs(app: TestApp, caller: Awaited<ReturnType<typeof addUser>>, queueId: number): Promise<number[]> {
  return (await callAs(app.core, caller)('reviews.myQueue', { queueId })).entries.map((entry) => entry.logId);
}

test('a queue of the answers the log browser filters select, and of a batch run; bad scopes are refused and save nothing', { timeout: 120_000 }, async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    // Two workspaces, two models; every third question is about the VPN; the lead judged every eighth answer.
    seedLogs(raw, { logs: 48, workspaces: 2, models: 2, verdict: (i) => (i % 8 === 0 ? 3 : null), question: (i) => (i % 3 === 0 ? `VPN 토큰 재발급 방법 #${i}` : `Travel policy question #${i}`) });
    const [w1, w2] = raw.prepare('SELECT id FROM workspaces ORDER BY id').pluck().all() as number[];
    const [m1] = raw.prepare('SELECT id FROM models ORDER BY id').pluck().all() as number[];
    const lead = raw.prepare('SELECT min(id) FROM users').pluck().get() as number;
    const rows = raw
      .prepare('SELECT l.id, l.model_id, l.question, l.answer, l.asked_at, (SELECT count(*) FROM evaluations e WHERE e.log_id = l.id AND e.evaluator_id = ?) AS judged FROM conversation_logs l WHERE l.workspace_id = ? ORDER BY l.id')
      .all(lead, w1!) as Array<{ id: number; model_id: number; question: string; answer: string; asked_at: string; judged: number }>;
    assert.equal(rows.length, 24);
    // The search text is looked for in the question and the answer, as in the log browser.
    const mentions = (row: { question: string; answer: string }, text: string) => row.question.includes(text) || row.answer.includes(text);
    const eva = await addUser(app, { username: 'eva', memberOf: [w1!] });
    const kai = await addUser(app, { username: 'kai', memberOf: [w1!] });
    const manager = await addUser(app, { username: 'mina', role: 'manager', memberOf: [w1!] });
    const queueCount = () => raw.prepare('SELECT count(*) FROM review_queues').pluck().get() as number;
    const create = (scope: Record<string, unknown>, as = app.call) => as('reviews.createQueue', { workspaceId: w1!, name: `q ${queueCount()}`, evaluatorIds: [eva.user.id, kai.user.id], evaluatorsPerItem: 2, scope: scope as never });

    // Model, text and "not judged yet" (by the lead, who creates the queue), oldest first.
    const filters = { modelId: m1!, text: 'VPN', evaluation: 0 as const };
    const expected = rows.filter((row) => row.model_id === m1 && mentions(row, 'VPN') && row.judged === 0).map((row) => row.id);
    assert.ok(expected.length >= 2 && expected.length < rows.length, `a filter that selects some answers: ${expected.length}`);
    const byFilters = await create({ filters });
    assert.equal(byFilters.items, expected.length);
    assert.deepEqual(await queueLogs(app, eva, byFilters.id), expected);
    assert.deepEqual(await queueLogs(app, kai, byFilters.id), expected, 'two evaluators per answer: both get every answer');
    // The log browser, asked the same, lists the same answers.
    const browsed = await app.call('logs.query', { filters: { ...filters, workspaceId: w1! }, sort: 'oldest', limit: 500 });
    assert.deepEqual(browsed.rows.map((row) => row.id), expected);

    // Verdict filters read the verdicts of whoever creates the queue: the manager judged nothing.
    const asManager = callAs(app.core, manager);
    const managerQueue = await create({ filters }, asManager);
    assert.equal(managerQueue.items, rows.filter((row) => row.model_id === m1 && mentions(row, 'VPN')).length);
    assert.ok(managerQueue.items > byFilters.items);
    const judgedByLead = await create({ filters: { evaluation: 3 } });
    assert.deepEqual(await queueLogs(app, eva, judgedByLead.id), rows.filter((row) => row.judged === 1).map((row) => row.id));

    // A date range (the answers were asked a second apart) and the limit: the newest of the matches.
    const within = rows.filter((row) => row.asked_at >= rows[2]!.asked_at && row.asked_at <= rows[7]!.asked_at).map((row) => row.id);
    const dated = await create({ filters: { from: rows[2]!.asked_at, to: rows[7]!.asked_at } });
    assert.deepEqual(await queueLogs(app, eva, dated.id), within);
    const limited = await create({ filters: { from: rows[2]!.asked_at, to: rows[7]!.asked_at }, limit: 2 });
    assert.deepEqual(await queueLogs(app, eva, limited.id), within.slice(-2));

    // A batch run's answers (the unanswered item has none), alone and narrowed by filters.
    const runLogs = [rows[1]!.id, rows[2]!.id, rows[3]!.id, rows[5]!.id];
    const run = seedRun(app, w1!, runLogs);
    const byRun = await create({ runId: run, limit: 100_000 });
    assert.equal(byRun.items, 4);
    assert.deepEqual(await queueLogs(app, eva, byRun.id), runLogs);
    const runAndText = await create({ runId: run, filters: { text: 'VPN' } });
    assert.deepEqual(await queueLogs(app, eva, runAndText.id), runLogs.filter((id) => mentions(rows.find((row) => row.id === id)!, 'VPN')));

    // Refused, nothing saved: a workspace in the filters (the queue's is the workspace), bad filter
    // values, filters or a run matching nothing, a run of another workspace, SQL in the search text.
    const before = queueCount();
    const assignments = raw.prepare('SELECT count(*) FROM review_assignments').pluck().get();
    await rejectsWithCode(create({ filters: { workspaceId: w2 } }), 'VALIDATION');
    await rejectsWithCode(create({ filters: { evaluation: 5 } }), 'VALIDATION');
    await rejectsWithCode(create({ filters: { from: 'yesterday' } }), 'VALIDATION');
    await rejectsWithCode(create({ filters: { text: 'x'.repeat(501) } }), 'VALIDATION');
    await rejectsWithCode(create({ filters: { modelId: -1 } }), 'VALIDATION');
    await rejectsWithCode(create({ filters: 'VPN' }), 'VALIDATION');
    await rejectsWithCode(create({ runId: 0 }), 'VALIDATION');
    assert.equal((await rejectsWithCode(create({ filters: { text: 'nothing matches this' } }), 'EMPTY_INPUT')).params?.['reason'], 'empty_queue');
    await rejectsWithCode(create({ filters: { text: "%' OR 1=1 --" } }), 'EMPTY_INPUT');
    await rejectsWithCode(create({ filters: { text: '"VPN" OR NEAR(a b)' } }), 'EMPTY_INPUT');
    await rejectsWithCode(create({ runId: 999_999 }), 'EMPTY_INPUT');
    const otherRun = seedRun(app, w2!, [(raw.prepare('SELECT min(id) FROM conversation_logs WHERE workspace_id = ?').pluck().get(w2!) as number)]);
    await rejectsWithCode(create({ runId: otherRun }), 'EMPTY_INPUT');
    await rejectsWithCode(create({ filters: { text: 'VPN' } }, callAs(app.core, eva)), 'FORBIDDEN');
    assert.equal(queueCount(), before);
    assert.equal(raw.prepare('SELECT count(*) FROM review_assignments').pluck().get(), assignments);
  } finally {
    await app.close();
  }
});

test('agreement per run and over the whole workspace, against hand-computed kappas', { timeout: 60_000 }, async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 8, workspaces: 1, models: 1, verdict: () => null });
    const workspaceId = raw.prepare('SELECT max(id) FROM workspaces').pluck().get() as number;
    const logIds = raw.prepare('SELECT id FROM conversation_logs WHERE workspace_id = ? ORDER BY id').pluck().all(workspaceId) as number[];
    const eva = await addUser(app, { username: 'eva', memberOf: [workspaceId] });
    const kai = await addUser(app, { username: 'kai', memberOf: [workspaceId] });
    const judge = async (who: typeof eva, verdicts: Array<1 | 2 | 3 | null>) => {
      for (const [index, verdict] of verdicts.entries()) {
        if (verdict !== null) await callAs(app.core, who)('evaluations.save', { logId: logIds[index]!, evaluation: verdict, ...(verdict === 1 ? {} : { correctAnswer: `${who.user.username} ${index}`, reason: 'r' }) });
      }
    };
    // Answers 0-2 are a run's; 3-4 are not; 5 only Eva judged; 6-7 nobody did.
    await judge(eva, [1, 2, 3, 1, 1, 2, null, null]);
    await judge(kai, [1, 2, 2, 1, 1, null, null, null]);
    const run = seedRun(app, workspaceId, logIds.slice(0, 3));

    // Run: Eva 1 2 3, Kai 1 2 2. Observed 2/3; expected (1·1 + 1·2 + 1·0)/9 = 1/3; kappa = (2/3 − 1/3)/(2/3) = 1/2.
    const perRun = await app.call('reviews.agreement', { workspaceId, runId: run });
    assert.deepEqual([perRun.items, perRun.judgedItems, perRun.evaluators], [3, 3, 2]);
    assert.equal(perRun.pairs.length, 1);
    assert.ok(Math.abs(perRun.pairs[0]!.kappa! - 1 / 2) < 1e-9, `run kappa ${perRun.pairs[0]!.kappa}`);
    assert.equal(perRun.pairs[0]!.items, 3);
    assert.deepEqual(perRun.disagreements.map((d) => d.logId), [logIds[2]]);

    // Workspace: Eva 1 2 3 1 1 (and 2 alone), Kai 1 2 2 1 1. Observed 4/5; Eva's marginals 3,1,1 and
    // Kai's 3,2,0 give expected (9 + 2)/25; kappa = (20/25 − 11/25)/(14/25) = 9/14.
    const whole = await app.call('reviews.agreement', { workspaceId });
    assert.deepEqual([whole.items, whole.judgedItems, whole.evaluators], [5, 6, 2], 'the answer only Eva judged counts as judged, not as paired');
    assert.ok(Math.abs(whole.pairs[0]!.kappa! - 9 / 14) < 1e-9, `workspace kappa ${whole.pairs[0]!.kappa}`);
    assert.equal(whole.pairs[0]!.items, 5);
    assert.ok(whole.alpha !== null && perRun.alpha !== null && whole.alpha > perRun.alpha, 'more agreement outside the run');
    assert.deepEqual(whole.disagreements.map((d) => d.logId), [logIds[2]]);

    // A run of another workspace measures nothing here; bad ids are refused.
    const other = await app.call('workspaces.create', { name: 'Other' });
    const empty = await app.call('reviews.agreement', { workspaceId: other.id, runId: run });
    assert.deepEqual([empty.items, empty.judgedItems, empty.alpha, empty.pairs.length], [0, 0, null, 0]);
    await rejectsWithCode(app.call('reviews.agreement', { workspaceId, runId: 0 }), 'VALIDATION');
    const notAnId = await app.raw('reviews.agreement', { workspaceId, runId: 'all' });
    assert.equal(notAnId.ok ? 'ok' : notAnId.error.code, 'VALIDATION');
    await rejectsWithCode(callAs(app.core, eva)('reviews.agreement', { workspaceId, runId: run }), 'FORBIDDEN');
  } finally {
    await app.close();
  }
});

test('exports by the majority rule: a clear majority decides, ties stay out, the final verdict wins; the manifest counts them', { timeout: 60_000 }, async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 6, workspaces: 1, models: 1, verdict: () => null });
    const workspaceId = raw.prepare('SELECT max(id) FROM workspaces').pluck().get() as number;
    const logIds = raw.prepare('SELECT id FROM conversation_logs WHERE workspace_id = ? ORDER BY id').pluck().all(workspaceId) as number[];
    const [a, b, c] = [await addUser(app, { username: 'ana', memberOf: [workspaceId] }), await addUser(app, { username: 'ben', memberOf: [workspaceId] }), await addUser(app, { username: 'cho', memberOf: [workspaceId] })];
    const save = (who: typeof a, index: number, verdict: 1 | 2 | 3) =>
      callAs(app.core, who)('evaluations.save', { logId: logIds[index]!, evaluation: verdict, ...(verdict === 1 ? {} : { correctAnswer: `${who.user.username} fixes ${index}`, reason: 'r' }) });
    // 0: 1 1 1 agreed · 1: 2 2 3 majority 2 (Ben's correction is the newer) · 2: 1 2 3 tie ·
    // 3: 3 1 tie of two · 4: 1 1 3, adjudicated to 2 · 5: one evaluator only.
    for (const who of [a, b, c]) await save(who, 0, 1);
    await save(a, 1, 2);
    await save(b, 1, 2);
    await save(c, 1, 3);
    await save(a, 2, 1);
    await save(b, 2, 2);
    await save(c, 2, 3);
    await save(a, 3, 3);
    await save(b, 3, 1);
    await save(a, 4, 1);
    await save(b, 4, 1);
    await save(c, 4, 3);
    await save(a, 5, 1);
    await app.call('reviews.adjudicate', { logId: logIds[4]!, evaluation: 2, correctAnswer: '판정된 정답 4', reason: 'settled' });

    const exportWith = (rule: 'final' | 'majority') => app.call('export.run', { format: 'openai', name: rule, outDir: path.join(tempDir(), rule), filters: { workspaceId }, verdictRule: rule, dedupeQuestions: false });
    const targets = (outDir: string) =>
      fs
        .readdirSync(outDir)
        .filter((file) => file.endsWith('.jsonl'))
        .flatMap((file) => fs.readFileSync(path.join(outDir, file), 'utf8').trim().split('\n'))
        .map((line) => (JSON.parse(line) as { messages: Array<{ content: string }> }).messages.at(-1)!.content);

    const final = await exportWith('final');
    assert.deepEqual(final.manifest.guards?.verdicts, { rule: 'final', severalEvaluators: 5, adjudicated: 1, excluded: 3 });
    assert.equal(final.manifest.counts.total, 3, 'agreed 0, adjudicated 4, single 5');

    const majority = await exportWith('majority');
    assert.deepEqual(majority.manifest.guards?.verdicts, { rule: 'majority', severalEvaluators: 5, adjudicated: 1, excluded: 2 });
    assert.equal(majority.manifest.counts.total, 4, 'and the clear majority of 1');
    const written = targets(majority.outDir);
    assert.equal(written.length, 4);
    assert.ok(written.includes('ben fixes 1'), 'the majority verdict with its newest correction');
    assert.ok(!written.some((text) => text === 'ana fixes 1' || text === 'cho fixes 1' || /fixes [23]$/.test(text)), 'no minority, no tie');
    assert.ok(written.includes('판정된 정답 4'), 'the final verdict beats the majority');
  } finally {
    await app.close();
  }
});

test('with blind judging switched off for a workspace, an evaluator sees the others’ verdicts before saving their own', { timeout: 60_000 }, async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 2, workspaces: 1, models: 1, verdict: () => null });
    const workspaceId = raw.prepare('SELECT max(id) FROM workspaces').pluck().get() as number;
    const [first, second] = raw.prepare('SELECT id FROM conversation_logs WHERE workspace_id = ? ORDER BY id').pluck().all(workspaceId) as number[];
    const eva = await addUser(app, { username: 'eva', memberOf: [workspaceId] });
    const kai = await addUser(app, { username: 'kai', memberOf: [workspaceId] });
    const asKai = callAs(app.core, kai);
    await callAs(app.core, eva)('evaluations.save', { logId: first!, evaluation: 3, correctAnswer: 'eva fix', reason: 'wrong' });
    await callAs(app.core, eva)('evaluations.save', { logId: second!, evaluation: 1 });

    const blind = await asKai('logs.get', { id: first! });
    assert.deepEqual([blind.evaluations.length, blind.hiddenEvaluations], [0, 1], 'blind by default');

    const updated = await app.call('workspaces.update', { id: workspaceId, patch: { blindEvaluation: false } });
    assert.equal(updated.blindEvaluation, false);
    const open = await asKai('logs.get', { id: first! });
    assert.deepEqual([open.evaluations.length, open.hiddenEvaluations], [1, 0]);
    assert.deepEqual([open.evaluations[0]!.evaluatorId, open.evaluations[0]!.evaluation, open.evaluations[0]!.correctAnswer], [eva.user.id, 3, 'eva fix']);
    assert.equal(raw.prepare('SELECT count(*) FROM evaluations WHERE evaluator_id = ?').pluck().get(kai.user.id), 0, 'Kai has saved nothing');

    // Switched back on, the verdicts hide again.
    await app.call('workspaces.update', { id: workspaceId, patch: { blindEvaluation: true } });
    assert.equal((await asKai('logs.get', { id: second! })).hiddenEvaluations, 1);
  } finally {
    await app.close();
  }
});
