/**
 * Several evaluators per answer (issue 14) on real SQLite files: a review queue with two
 * evaluators per answer, blind judging, an offline pack round trip between data folders (the
 * lead's and an expert's "workstations"), idempotent and refused imports, a newer verdict kept,
 * agreement checked against a hand-computed kappa, adjudication, and exports by rule.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { addUser, callAs, openTestApp, rejectsWithCode, tempDir, type TestApp } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

/** A lead's workspace of six unjudged answers, with a pack-ready uid. */
async function leadWorkspace(app: TestApp) {
  const raw = app.core.internals!.db.raw;
  seedLogs(raw, { logs: 6, workspaces: 1, models: 1, verdict: () => null });
  const workspaceId = raw.prepare('SELECT max(id) FROM workspaces').pluck().get() as number;
  raw.prepare('UPDATE workspaces SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL').run();
  const logIds = raw.prepare('SELECT id FROM conversation_logs WHERE workspace_id = ? ORDER BY id').pluck().all(workspaceId) as number[];
  return { workspaceId, logIds };
}

const correction = (verdict: 1 | 2 | 3, text: string) => (verdict === 1 ? {} : { correctAnswer: text, reason: 'r' });

test('a queue with two evaluators per answer, blind judging, a pack round trip between two data folders, agreement, adjudication and exports by rule', { timeout: 120_000 }, async () => {
  const lead = await openTestApp();
  const expert = await openTestApp();
  const other = await openTestApp();
  try {
    const { workspaceId, logIds } = await leadWorkspace(lead);
    const eva = await addUser(lead, { username: 'eva', memberOf: [workspaceId] });
    const kai = await addUser(lead, { username: 'kai', memberOf: [workspaceId] });
    const asEva = callAs(lead.core, eva);
    const asKai = callAs(lead.core, kai);

    const outsider = await addUser(lead, { username: 'outsider' });
    await rejectsWithCode(lead.call('reviews.createQueue', { workspaceId, name: 'q', evaluatorIds: [eva.user.id, outsider.user.id], evaluatorsPerItem: 2 }), 'VALIDATION');
    await rejectsWithCode(lead.call('reviews.createQueue', { workspaceId, name: 'q', evaluatorIds: [eva.user.id], evaluatorsPerItem: 2 }), 'VALIDATION');
    const queue = await lead.call('reviews.createQueue', { workspaceId, name: '1차 검수', evaluatorIds: [eva.user.id, kai.user.id], evaluatorsPerItem: 2 });
    assert.equal(queue.items, 6);
    assert.deepEqual(queue.progress.map((p) => [p.username, p.assigned, p.done]), [['eva', 6, 0], ['kai', 6, 0]]);

    // Eva judges on the lead's machine; Kai cannot see her verdicts before saving his own.
    const evaVerdicts = [1, 1, 2, 3, 1, 2] as const;
    const kaiVerdicts = [1, 2, 2, 3, 1, 3] as const;
    for (const [index, logId] of logIds.entries()) await asEva('evaluations.save', { logId, evaluation: evaVerdicts[index]!, ...correction(evaVerdicts[index]!, `eva fix ${index}`) });
    const mine = await asEva('reviews.myQueue', { queueId: queue.id });
    assert.deepEqual([mine.done, mine.total], [6, 6]);
    const blind = await asKai('logs.get', { id: logIds[0]! });
    assert.deepEqual([blind.evaluations.length, blind.hiddenEvaluations], [0, 1], 'blind until Kai saves his own');

    // Kai takes his part home as a pack and judges it in his own EvalDesk.
    const pack = await lead.call('packs.export', { queueId: queue.id, evaluatorId: kai.user.id, outDir: tempDir() });
    assert.equal(pack.items, 6);
    const opened = await expert.call('packs.open', { path: pack.path });
    assert.equal(opened.items, 6);
    assert.equal((await expert.call('packs.open', { path: pack.path })).alreadyOpen, true, 'opening the same pack twice changes nothing');
    const localLogs = (await expert.call('chat.history', { sessionId: opened.sessionId })).map((log) => log.id);
    assert.equal(localLogs.length, 6);
    for (const [index, logId] of localLogs.entries()) await expert.call('evaluations.save', { logId, evaluation: kaiVerdicts[index]!, ...correction(kaiVerdicts[index]!, `kai fix ${index}`) });
    const results = await expert.call('packs.exportResults', { workspaceId: opened.workspaceId, outDir: tempDir() });
    assert.deepEqual([results.items, results.judged], [6, 6]);

    // Refused: an edited pack, a cut-off pack, an assignment pack given as results, a pack of another workspace.
    const tampered = path.join(tempDir(), 'tampered.json');
    fs.writeFileSync(tampered, fs.readFileSync(results.path, 'utf8').replace('"evaluation": 3', '"evaluation": 1'));
    assert.equal((await rejectsWithCode(lead.call('packs.importResults', { path: tampered }), 'VALIDATION')).params?.['reason'], 'pack_tampered');
    const truncated = path.join(tempDir(), 'truncated.json');
    fs.writeFileSync(truncated, fs.readFileSync(results.path, 'utf8').slice(0, 300));
    assert.equal((await rejectsWithCode(lead.call('packs.importResults', { path: truncated }), 'VALIDATION')).params?.['reason'], 'pack_unreadable');
    assert.equal((await rejectsWithCode(lead.call('packs.importResults', { path: pack.path }), 'VALIDATION')).params?.['reason'], 'pack_not_result');
    const foreign = await leadWorkspace(other);
    const foreignUser = await addUser(other, { username: 'kai', memberOf: [foreign.workspaceId] });
    const foreignQueue = await other.call('reviews.createQueue', { workspaceId: foreign.workspaceId, name: 'x', evaluatorIds: [foreignUser.user.id] });
    const foreignPack = await other.call('packs.export', { queueId: foreignQueue.id, evaluatorId: foreignUser.user.id, outDir: tempDir() });
    const foreignOpened = await expert.call('packs.open', { path: foreignPack.path });
    await expert.call('evaluations.save', { logId: (await expert.call('chat.history', { sessionId: foreignOpened.sessionId }))[0]!.id, evaluation: 1 });
    const foreignResults = await expert.call('packs.exportResults', { workspaceId: foreignOpened.workspaceId, outDir: tempDir() });
    assert.equal((await rejectsWithCode(lead.call('packs.importResults', { path: foreignResults.path }), 'CONFLICT')).params?.['reason'], 'pack_other_workspace');
    const before = lead.core.internals!.db.raw.prepare('SELECT count(*) FROM evaluations').pluck().get();

    // The real import, then the same pack again.
    const imported = await lead.call('packs.importResults', { path: results.path });
    assert.deepEqual(imported, { imported: 6, unchanged: 0, olderThanStored: 0, alreadyImported: false });
    assert.equal(lead.core.internals!.db.raw.prepare('SELECT count(*) FROM evaluations').pluck().get(), Number(before) + 6);
    assert.equal((await lead.call('packs.importResults', { path: results.path })).alreadyImported, true);
    const afterKai = await asKai('logs.get', { id: logIds[0]! });
    assert.deepEqual([afterKai.evaluations.length, afterKai.hiddenEvaluations], [2, 0], 'with his own verdict saved, Kai sees both');

    // Kai changes one verdict on the lead's machine; an older result pack does not undo it.
    await asKai('evaluations.save', { logId: logIds[5]!, evaluation: 2, correctAnswer: 'kai changed his mind', reason: 'r' });
    const again = await expert.call('packs.exportResults', { workspaceId: opened.workspaceId, outDir: tempDir() });
    assert.deepEqual(await lead.call('packs.importResults', { path: again.path }), { imported: 0, unchanged: 5, olderThanStored: 1, alreadyImported: false });
    const kept = lead.core.internals!.db.raw.prepare('SELECT evaluation FROM evaluations WHERE log_id = ? AND evaluator_id = ?').pluck().get(logIds[5], kai.user.id);
    assert.equal(kept, 2, 'the newer verdict stays');

    // Agreement: Eva 1 1 2 3 1 2, Kai 1 2 2 3 1 2 now. Observed 5/6; expected (3·2 + 2·3 + 1·1)/36 = 13/36;
    // kappa = (5/6 − 13/36) / (1 − 13/36) = 17/23.
    const agreement = await lead.call('reviews.agreement', { workspaceId, queueId: queue.id });
    assert.equal(agreement.items, 6);
    assert.equal(agreement.evaluators, 2);
    assert.equal(agreement.pairs.length, 1);
    assert.ok(Math.abs(agreement.pairs[0]!.kappa! - 17 / 23) < 1e-9, `kappa ${agreement.pairs[0]!.kappa}`);
    assert.equal(agreement.pairs[0]!.items, 6);
    assert.deepEqual(agreement.disagreements.map((d) => d.logId), [logIds[1]]);
    assert.ok(agreement.alpha !== null && agreement.alpha > 0.5 && agreement.alpha < 1);

    // Exports: the disputed answer is left out until a manager settles it.
    const exportWith = async (name: string, rule: 'final' | 'majority') => lead.call('export.run', { format: 'openai', name, outDir: path.join(tempDir(), name), filters: { workspaceId }, verdictRule: rule, dedupeQuestions: false });
    const disputed = await exportWith('disputed', 'final');
    assert.deepEqual(disputed.manifest.guards?.verdicts, { rule: 'final', severalEvaluators: 6, adjudicated: 0, excluded: 1 });
    assert.equal(disputed.manifest.counts.total, 5);
    await rejectsWithCode(asEva('reviews.adjudicate', { logId: logIds[1]!, evaluation: 2, correctAnswer: 'settled' }), 'FORBIDDEN');
    await lead.call('reviews.adjudicate', { logId: logIds[1]!, evaluation: 2, correctAnswer: '정리된 정답', reason: 'adjudicated' });
    const settled = await exportWith('settled', 'final');
    assert.deepEqual(settled.manifest.guards?.verdicts, { rule: 'final', severalEvaluators: 6, adjudicated: 1, excluded: 0 });
    assert.equal(settled.manifest.counts.total, 6);
    const lines = fs.readdirSync(settled.outDir).filter((file) => file.endsWith('.jsonl')).flatMap((file) => fs.readFileSync(path.join(settled.outDir, file), 'utf8').trim().split('\n'));
    assert.ok(lines.some((line) => line.includes('정리된 정답')), 'the final verdict’s correction is the target');
    assert.equal((await lead.call('reviews.agreement', { workspaceId })).adjudicated, 1);
    const audited = lead.core.internals!.db.raw.prepare("SELECT event FROM event_logs WHERE event IN ('review.queue_created', 'pack.exported', 'pack.imported', 'evaluation.adjudicated')").pluck().all();
    assert.deepEqual([...new Set(audited)].sort(), ['evaluation.adjudicated', 'pack.exported', 'pack.imported', 'review.queue_created']);
  } finally {
    await Promise.all([lead.close(), expert.close(), other.close()]);
  }
});
