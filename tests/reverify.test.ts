/**
 * Re-verification (issue 13) on the real runtime: evaluate, export, register the fixture adapter
 * as a version, build a question set from the trained items plus a guard sample, batch-run it,
 * re-judge, and check statuses, regression flags, the score card and the report.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ensureLoraFixtures } from './fixtures/tiny-lora.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { embeddingVerdictThresholds } from '../shared/contract/reverify.ts';
import { openTestApp, rejectsWithCode, tempDir, type TestApp } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

const lora = await ensureLoraFixtures();

const questions = [
  'What is the notice period?',
  '해지 통보 기간은 며칠인가요?',
  '契約の更新手続きは?',
  'Who signs the contract?',
  '연차는 언제 신청하나요?',
  '経費精算の締め日は?',
];

/** A workspace with six judged answers of the base: 2 and 3 with corrections, and some good ones. */
async function judgedWorkspace(app: TestApp) {
  const base = await app.call('models.add', { path: lora.base });
  const workspace = await app.call('workspaces.create', { name: '계약 PoC', category: 'qa', temperature: 0, maxTokens: 12, contextSize: 512, historyTurns: 0 });
  await app.call('runtime.load', { modelId: base.id });
  const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id });
  const logs = [];
  for (const [index, question] of questions.entries()) logs.push(await app.call('chat.ask', { sessionId: session.id, question, requestId: `seed-${index}` }));
  const verdicts = [3, 2, 3, 1, 1, 1] as const;
  for (const [index, log] of logs.entries()) {
    const verdict = verdicts[index]!;
    await app.call('evaluations.save', verdict === 1 ? { logId: log.id, evaluation: 1 } : { logId: log.id, evaluation: verdict, correctAnswer: `Correct answer ${index}: thirty days.`, reason: 'wrong', priority: 1 });
  }
  return { base, workspace, logs };
}

test('the whole loop: trained items and a guard sample replayed on the version, re-judged, verified and regressed, scored and reported', { timeout: 120_000 }, async () => {
  const app = await openTestApp();
  try {
    const { base, workspace, logs } = await judgedWorkspace(app);
    const dataset = await app.call('export.run', { format: 'mlx', name: 'round-1', outDir: path.join(tempDir(), 'round-1'), filters: { workspaceId: workspace.id, evaluations: [2, 3] } });
    assert.equal(dataset.manifest.counts.total, 3);
    const v1 = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.gguf, datasetId: dataset.datasetId, confirmBaseName: true });
    assert.equal(v1.trainedEvaluations, 3);

    const set = await app.call('questionSets.create', { workspaceId: workspace.id, name: 'v1 re-check', fromEvaluations: { statuses: [2], trainedVersionId: v1.id }, guard: { count: 2, seed: 7 }, items: [{ question: 'A typed question?', tags: ['typed'] }] });
    assert.equal(set.itemCount, 6);
    assert.deepEqual(set.origins, { trained: 3, guard: 2, typed: 1 });
    const again = await app.call('questionSets.create', { workspaceId: workspace.id, name: 'same seed', guard: { count: 2, seed: 7 } });
    const guardsOf = async (id: number) => (await app.call('questionSets.get', { id })).items.filter((item) => item.origin === 'guard').map((item) => item.sourceLogId);
    assert.deepEqual(await guardsOf(again.id), await guardsOf(set.id), 'the same seed draws the same guard sample');
    const { items } = await app.call('questionSets.get', { id: set.id });
    const trained = items.filter((item) => item.origin === 'trained');
    assert.ok(trained.every((item) => item.expectedAnswer?.startsWith('Correct answer')), 'trained items carry the correction as expected answer');

    const runs = await app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [v1.id, null], parallelism: 2, wait: true });
    assert.equal(runs.length, 2);
    for (const run of runs) {
      assert.equal(run.status, 'completed', run.error?.message);
      assert.equal(run.answered, 6);
      assert.equal(run.temperature, 0);
      assert.equal(run.seed, 42);
    }
    const [onV1, onBase] = runs;
    const session = await app.call('sessions.get', { id: onV1!.sessionId });
    assert.equal(session.versionId, v1.id);
    assert.equal(session.settingsSnapshot.temperature, 0);
    assert.equal(session.settingsSnapshot.historyTurns, 0);
    assert.equal(session.settingsSnapshot.seed, 42);

    // Deterministic: the same question on the same version gives the same answer in both runs' batch and a fresh chat.
    const side = await app.call('rejudge.items', { runId: onV1!.id });
    assert.equal(side.length, 6);
    const first = side.find((item) => item.origin === 'trained')!;
    assert.ok(first.earlier && first.current && first.expectedAnswer);
    assert.equal(first.earlier.verdict, 3);
    // The earlier answer's version by name: the base alone has none (each screen labels it in its language).
    assert.deepEqual([first.earlier.modelName, first.earlier.versionId, first.earlier.versionName], [base.displayName, null, null]);
    const chatSession = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: v1.id });
    const alone = await app.call('chat.ask', { sessionId: chatSession.id, question: first.question, requestId: 'alone' });
    assert.equal(first.current.answer, alone.answer, 'a batch answer on a parallel sequence equals the answer asked alone');

    // Re-judging: a trained item judged 1 becomes verified by v1; a guard judged 3 is a regression.
    const verified = await app.call('rejudge.save', { runId: onV1!.id, itemId: first.itemId, evaluation: 1 });
    assert.equal(verified.verified, true);
    const sourceId = items.find((item) => item.id === first.itemId)!.sourceEvaluationId!;
    const raw = app.core.internals!.db.raw;
    assert.deepEqual(raw.prepare('SELECT status, verified_version_id FROM evaluations WHERE id = ?').get(sourceId), { status: 3, verified_version_id: v1.id });
    const guard = side.find((item) => item.origin === 'guard')!;
    const regressed = await app.call('rejudge.save', { runId: onV1!.id, itemId: guard.itemId, evaluation: 3, correctAnswer: guard.expectedAnswer });
    assert.equal(regressed.regression, true);
    assert.equal(regressed.verified, false);
    // Changing one's mind takes the verified state back.
    const undone = await app.call('rejudge.save', { runId: onV1!.id, itemId: first.itemId, evaluation: 2, correctAnswer: 'Still not quite.' });
    assert.equal(undone.verified, false);
    assert.deepEqual(raw.prepare('SELECT status, verified_version_id FROM evaluations WHERE id = ?').get(sourceId), { status: 2, verified_version_id: null });
    await app.call('rejudge.save', { runId: onV1!.id, itemId: first.itemId, evaluation: 1 });
    // The base does not verify what was trained into v1.
    const onBaseFirst = (await app.call('rejudge.items', { runId: onBase!.id })).find((item) => item.itemId === first.itemId)!;
    assert.equal((await app.call('rejudge.save', { runId: onBase!.id, itemId: onBaseFirst.itemId, evaluation: 1 })).verified, false);
    const typed = side.find((item) => item.origin === 'typed')!;
    assert.equal(typed.earlier, null);
    assert.equal((await app.call('rejudge.save', { runId: onV1!.id, itemId: typed.itemId, evaluation: 1 })).regression, false);

    const card = await app.call('scorecards.get', { workspaceId: workspace.id });
    const v1Card = card.versions.find((entry) => entry.versionId === v1.id)!;
    assert.equal(v1Card.verified, 1);
    assert.equal(v1Card.regressed, 1);
    assert.equal(v1Card.trainedInto, 3);
    assert.deepEqual([v1Card.counts.judged, v1Card.counts.good, v1Card.counts.wrong], [3, 2, 1]);
    const baseCard = card.versions.find((entry) => entry.versionId === null)!;
    assert.equal(baseCard.counts.judged, 7, 'six seeded verdicts and one in the base run');
    const runCard = card.runs.find((entry) => entry.runId === onV1!.id)!;
    assert.deepEqual([runCard.answered, runCard.counts.judged, runCard.verified, runCard.regressed], [6, 3, 1, 1]);
    // Tags per version (its runs together), then per run.
    assert.deepEqual(
      card.byTag.map((entry) => [entry.tag, entry.versionName, entry.runId, entry.counts.judged]),
      [
        ['typed', 'v1', null, 1],
        ['typed', 'v1', onV1!.id, 1],
      ],
    );
    assert.equal(JSON.stringify(card).includes('(base)'), false, 'no English base label from the service');
    assert.ok(card.timeline.length >= 2);
    // By priority per version across the workspace: the base's three corrected verdicts had priority 1.
    assert.equal(card.byPriority.find((entry) => entry.runId === null && entry.versionId === null && entry.priority === 1)?.counts.judged, 3);

    const csv = await app.call('scorecards.csv', { workspaceId: workspace.id, table: 'versions' });
    assert.ok(csv.csv.startsWith('\uFEFFmodel,version,parent_version_id,judged'));
    assert.ok(csv.csv.includes(`\r\n${base.displayName},v1,,3,2,0,1,0.6667,1,1,3\r\n`));
    assert.ok(csv.csv.includes(`\r\n${base.displayName},,,7,`), 'the base alone: an empty version cell');

    const report = await app.call('report.create', { workspaceId: workspace.id, language: 'ko', outDir: path.join(tempDir(), 'reports'), pdf: false });
    const html = fs.readFileSync(report.htmlPath, 'utf8');
    assert.match(html, /<html[^>]*lang="ko"/);
    assert.ok(html.includes('계약 PoC'));
    assert.ok(html.includes(first.question.replaceAll('?', '?')), 'the fixed example is in the report');
    assert.equal(report.pdfPath, null);
    // A folder that is a file, or a system folder: a clear error, not an internal one.
    const notAFolder = await rejectsWithCode(app.call('report.create', { workspaceId: workspace.id, outDir: path.join(report.htmlPath, 'below-a-file'), pdf: false }), 'EXPORT_NOT_WRITABLE');
    assert.equal(notAFolder.params?.['reason'], 'not_a_folder');
    await rejectsWithCode(app.call('report.create', { workspaceId: workspace.id, outDir: '/proc/evaldesk-report', pdf: false }), 'EXPORT_NOT_WRITABLE');
    assert.ok(logs.length === 6);
  } finally {
    await app.close();
  }
});

test('question sets: typed, imported from CSV, TSV in UTF-16 and JSONL with mapping; malformed lines by number, imported only when confirmed', async () => {
  const app = await openTestApp();
  try {
    const workspace = await app.call('workspaces.create', { name: 'import' });
    const set = await app.call('questionSets.create', { workspaceId: workspace.id, name: 'typed', items: [{ question: '첫 질문?', expectedAnswer: '답', tags: ['hr'] }] });
    assert.equal(set.itemCount, 1);
    const dir = tempDir();

    // CSV with a BOM, quoted cells holding commas, quotes and a line break; line 5 has too many cells.
    const csv = '\uFEFF질문,정답,태그\r\n"What is ""notice""?","Thirty days, in writing",legal;hr\r\n"多行の\n質問","はい",\r\n,missing question,\r\nA,B,C,D\r\n';
    fs.writeFileSync(path.join(dir, 'set.csv'), csv);
    const preview = await app.call('questionSets.previewImport', { path: path.join(dir, 'set.csv') });
    assert.equal(preview.format, 'csv');
    assert.deepEqual(preview.columns, ['질문', '정답', '태그']);
    assert.deepEqual(preview.mapping, { question: '질문', expectedAnswer: '정답', tags: '태그' }, 'Korean column names are recognised');
    assert.equal(preview.validCount, 2);
    assert.deepEqual(preview.sample[0], { line: 2, question: 'What is "notice"?', expectedAnswer: 'Thirty days, in writing', tags: ['legal', 'hr'] });
    assert.equal(preview.sample[1]!.question, '多行の\n質問');
    assert.deepEqual(preview.problems.map((p) => [p.line, p.code]), [[5, 'MISSING_QUESTION'], [6, 'MALFORMED_LINE']]);
    assert.deepEqual(preview.problems[1], { line: 6, code: 'MALFORMED_LINE', detail: 'column_count', expected: 3, found: 4 }, 'a code with numbers, no sentence');
    const mapping = { question: '질문', expectedAnswer: '정답', tags: '태그' };
    const refused = await rejectsWithCode(app.call('questionSets.import', { setId: set.id, path: path.join(dir, 'set.csv'), mapping }), 'CONFLICT');
    assert.equal(refused.params?.['reason'], 'import_problems');
    assert.equal(refused.params?.['firstLine'], 5);
    assert.equal((await app.call('questionSets.get', { id: set.id })).items.length, 1, 'nothing imported before the user confirms');
    const imported = await app.call('questionSets.import', { setId: set.id, path: path.join(dir, 'set.csv'), mapping, acceptProblems: true });
    assert.equal(imported.imported, 2);
    assert.equal(imported.set.itemCount, 3);

    // Excel's "Unicode text": UTF-16LE with a BOM, tab separated, saved as .txt.
    const tsv = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Question\tAnswer\n경비 정산은?\t매달 말일\n', 'utf16le')]);
    fs.writeFileSync(path.join(dir, 'excel.txt'), tsv);
    const excel = await app.call('questionSets.previewImport', { path: path.join(dir, 'excel.txt') });
    assert.deepEqual([excel.format, excel.encoding, excel.validCount], ['tsv', 'UTF-16LE', 1]);
    assert.equal(excel.sample[0]!.expectedAnswer, '매달 말일');

    // JSONL with a broken line, a non-object and arrays of tags; sent as text, as a browser reads a file.
    const jsonl = '{"prompt":"Q1","completion":"A1","tags":["x","y"]}\n{broken\n[1,2]\n{"prompt":"Q2"}\n';
    const jsonPreview = await app.call('questionSets.previewImport', { text: jsonl, format: 'jsonl', mapping: { question: 'prompt', expectedAnswer: 'completion', tags: 'tags' } });
    assert.equal(jsonPreview.validCount, 2);
    assert.deepEqual(jsonPreview.problems.map((p) => [p.line, p.code]), [[2, 'MALFORMED_LINE'], [3, 'NOT_AN_OBJECT']]);
    assert.deepEqual(jsonPreview.sample[0]!.tags, ['x', 'y']);

    // Bad input: a mapping without the question column, an empty file, a binary file, a missing file, an empty set.
    const noColumn = await rejectsWithCode(app.call('questionSets.import', { setId: set.id, path: path.join(dir, 'set.csv'), mapping: { question: 'question' } }), 'VALIDATION');
    assert.equal(noColumn.params?.['column'], 'question');
    fs.writeFileSync(path.join(dir, 'empty.csv'), '');
    await rejectsWithCode(app.call('questionSets.import', { setId: set.id, path: path.join(dir, 'empty.csv'), mapping }), 'EMPTY_INPUT');
    fs.writeFileSync(path.join(dir, 'binary.csv'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8, 0x80, 0x81]));
    await rejectsWithCode(app.call('questionSets.previewImport', { path: path.join(dir, 'binary.csv') }), 'DOCUMENT_UNREADABLE');
    await rejectsWithCode(app.call('questionSets.previewImport', { path: path.join(dir, 'nope.csv') }), 'NOT_FOUND');
    await rejectsWithCode(app.call('questionSets.previewImport', { path: 'relative.csv' }), 'VALIDATION');
    const empty = await rejectsWithCode(app.call('questionSets.create', { workspaceId: workspace.id, name: 'nothing', fromEvaluations: { evaluations: [3] } }), 'EMPTY_INPUT');
    assert.equal(empty.params?.['reason'], 'empty_question_set');
    await rejectsWithCode(app.call('questionSets.create', { workspaceId: workspace.id, name: 'typed', items: [{ question: 'dup name' }] }), 'CONFLICT');
    assert.equal((await app.call('questionSets.create', { workspaceId: workspace.id, name: 'to fill later' })).itemCount, 0, 'a set without a source starts empty');
    await rejectsWithCode(app.call('questionSets.create', { workspaceId: workspace.id, name: 'blank', items: [{ question: '   ' }] }), 'VALIDATION');
  } finally {
    await app.close();
  }
});

test('a run on a version whose adapter file disappeared, or with no model loaded, says so; a cancelled run resumes without repeating a question', { timeout: 120_000 }, async () => {
  const app = await openTestApp();
  try {
    const adapterCopy = path.join(tempDir(), 'adapter.gguf');
    fs.copyFileSync(lora.gguf, adapterCopy);
    const base = await app.call('models.add', { path: lora.base });
    const version = await app.call('versions.register', { baseModelId: base.id, name: 'gone', adapterPath: adapterCopy, confirmBaseName: true });
    const workspace = await app.call('workspaces.create', { name: 'runs', temperature: 0.9, maxTokens: 24, contextSize: 512 });
    const items = Array.from({ length: 12 }, (_, i) => ({ question: `${questions[i % questions.length]} (${i})` }));
    const set = await app.call('questionSets.create', { workspaceId: workspace.id, name: 'set', items });

    const noJudge = await rejectsWithCode(app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], assist: 'judge' }), 'VALIDATION');
    assert.equal(noJudge.params?.['field'], 'judgeModelId');
    await rejectsWithCode(app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], assist: 'judge', judgeModelId: 999 }), 'NOT_FOUND');
    assert.equal((await app.call('runs.list', { workspaceId: workspace.id })).length, 0, 'a refused start creates no run');
    const notLoaded = await app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], wait: true });
    assert.equal(notLoaded[0]!.status, 'failed');
    assert.equal(notLoaded[0]!.error?.code, 'MODEL_NOT_LOADED');
    await app.call('runtime.load', { modelId: base.id });
    const resumedAfterLoad = await app.call('runs.resume', { id: notLoaded[0]!.id, wait: true });
    assert.equal(resumedAfterLoad.status, 'completed');
    assert.equal(resumedAfterLoad.answered, 12);

    // The stored adapter is content-addressed in the data folder: remove it to stand in for a lost file.
    fs.rmSync(version.adapters[0]!.filePath);
    await rejectsWithCode(app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [version.id] }), 'ADAPTER_INVALID');

    // Cancel mid-run, then resume: every question answered exactly once.
    const [run] = await app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], parallelism: 3 });
    const raw = app.core.internals!.db.raw;
    for (let polls = 0; (raw.prepare('SELECT count(log_id) FROM batch_run_items WHERE run_id = ?').pluck().get(run!.id) as number) < 4 && polls < 3000; polls++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(await app.call('jobs.cancel', { jobId: run!.jobId }), { cancelled: true });
    let paused = await app.call('runs.get', { id: run!.id });
    // Sleeps between polls: the calls resolve in microtasks, and a loop of them would starve llama.cpp.
    for (let polls = 0; paused.status === 'running' && polls < 2000; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      paused = await app.call('runs.get', { id: run!.id });
    }
    assert.equal(paused.status, 'paused');
    assert.equal(paused.error?.code, 'CANCELLED');
    assert.ok(paused.answered < 12);
    const done = await app.call('runs.resume', { id: run!.id, wait: true });
    assert.equal(done.status, 'completed');
    const linked = raw.prepare('SELECT item_id, log_id FROM batch_run_items WHERE run_id = ?').all(run!.id) as Array<{ item_id: number; log_id: number | null }>;
    assert.equal(linked.length, 12);
    assert.ok(linked.every((row) => row.log_id !== null), 'none skipped');
    assert.equal(new Set(linked.map((row) => row.log_id)).size, 12, 'none answered twice');
    const session = await app.call('sessions.get', { id: done.sessionId });
    assert.equal(session.settingsSnapshot.temperature, 0, 'the run is deterministic although the workspace samples at 0.9');
    // While a run holds the model, the chat is told it is busy.
    const [busy] = await app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], parallelism: 1 });
    const chat = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id });
    await rejectsWithCode(app.call('chat.ask', { sessionId: chat.id, question: 'now?', requestId: 'busy' }), 'MODEL_BUSY');
    await app.call('jobs.cancel', { jobId: busy!.jobId });
  } finally {
    await app.close();
  }
});

test('assisted judging: a judge model under a JSON grammar (the loaded one or another beside it) and embedding similarity suggest verdicts; agreement with the human is scored per run; a resumed run suggests only what is left', { timeout: 180_000 }, async () => {
  const app = await openTestApp();
  try {
    const fixtures = await ensureFixtures();
    const base = await app.call('models.add', { path: lora.base });
    const otherJudge = await app.call('models.add', { path: fixtures.tinyNoChat });
    const workspace = await app.call('workspaces.create', { name: '보조 평가', maxTokens: 16, contextSize: 512 });
    const items = questions.map((question, index) => ({ question, ...(index < 5 && { expectedAnswer: `Expected ${index}: thirty days.` }) }));
    const set = await app.call('questionSets.create', { workspaceId: workspace.id, name: 'assisted', items });
    await app.call('runtime.load', { modelId: base.id });

    const [bySameModel] = await app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], assist: 'judge', judgeModelId: base.id, wait: true });
    assert.equal(bySameModel!.status, 'completed', bySameModel!.error?.message);
    assert.equal(bySameModel!.judgeModelId, base.id);
    assert.equal(bySameModel!.suggested, questions.length, 'every answer was looked at');
    const judged = await app.call('rejudge.items', { runId: bySameModel!.id });
    for (const item of judged) {
      assert.ok(item.suggestion, `a grammar-constrained judge always gives a verdict (item ${item.position})`);
      assert.equal(item.suggestion.source, 'judge');
      assert.ok([1, 2, 3].includes(item.suggestion.verdict));
      assert.ok(item.suggestion.reason === null || [...item.suggestion.reason].length <= 160, "the reason is one bounded line");
    }

    // The human confirms some suggestions and overrides the others: the card says how often they agree.
    let agreed = 0;
    for (const [index, item] of judged.entries()) {
      const verdict = index % 2 === 0 ? item.suggestion!.verdict : ((item.suggestion!.verdict % 3) + 1) as 1 | 2 | 3;
      if (verdict === item.suggestion!.verdict) agreed++;
      await app.call('rejudge.save', { runId: bySameModel!.id, itemId: item.itemId, evaluation: verdict, ...(verdict !== 1 && { correctAnswer: 'fixed' }) });
    }
    const card = await app.call('scorecards.get', { workspaceId: workspace.id });
    assert.equal(card.runs.find((run) => run.runId === bySameModel!.id)!.judgeAgreement, agreed / judged.length);

    // A judge that is not the loaded model is loaded beside it for the run and freed after; the chat model stays.
    const [byOtherModel] = await app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], assist: 'judge', judgeModelId: otherJudge.id, wait: true });
    assert.equal(byOtherModel!.status, 'completed', byOtherModel!.error?.message);
    assert.equal(byOtherModel!.suggested, questions.length);
    assert.ok((await app.call('rejudge.items', { runId: byOtherModel!.id })).every((item) => item.suggestion?.source === 'judge'));
    assert.equal((await app.call('runtime.status', {})).modelId, base.id);

    // Resumed after the suggestions were interrupted: only the items not looked at are judged again.
    const raw = app.core.internals!.db.raw;
    const before = raw.prepare('SELECT item_id, suggested_at FROM batch_run_items WHERE run_id = ? ORDER BY position').all(byOtherModel!.id) as Array<{ item_id: number; suggested_at: string }>;
    raw.prepare('UPDATE batch_run_items SET suggested_at = NULL, suggested_verdict = NULL WHERE run_id = ? AND position >= 4').run(byOtherModel!.id);
    raw.prepare("UPDATE batch_runs SET status = 'paused' WHERE id = ?").run(byOtherModel!.id);
    const resumed = await app.call('runs.resume', { id: byOtherModel!.id, wait: true });
    assert.equal(resumed.status, 'completed');
    assert.equal(resumed.suggested, questions.length);
    const after = raw.prepare('SELECT item_id, suggested_at, suggested_verdict FROM batch_run_items WHERE run_id = ? ORDER BY position').all(byOtherModel!.id) as Array<{ item_id: number; suggested_at: string; suggested_verdict: number }>;
    assert.deepEqual(after.slice(0, 4).map((row) => row.suggested_at), before.slice(0, 4).map((row) => row.suggested_at), 'items already looked at are kept');
    assert.ok(after.slice(4).every((row) => row.suggested_verdict !== null));

    // Embedding similarity against the expected answer; an item without one gets no suggestion.
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
    const [byEmbedding] = await app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], assist: 'embedding', wait: true });
    assert.equal(byEmbedding!.status, 'completed', byEmbedding!.error?.message);
    assert.equal(byEmbedding!.suggested, questions.length);
    for (const item of await app.call('rejudge.items', { runId: byEmbedding!.id })) {
      if (!item.expectedAnswer) {
        assert.equal(item.suggestion, null, 'nothing to compare with');
        continue;
      }
      const { score, verdict, source } = item.suggestion!;
      assert.equal(source, 'embedding');
      assert.ok(score !== null && score >= -1 && score <= 1);
      assert.equal(verdict, score >= embeddingVerdictThresholds.good ? 1 : score >= embeddingVerdictThresholds.insufficient ? 2 : 3);
    }
  } finally {
    await app.close();
  }
});

test('the score card totals kept by triggers equal a direct count after saves, changes, deletions and cascades', async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 600, workspaces: 2, models: 2, verdict: (i) => ([1, 2, 3, null] as const)[i % 4]! });
    const direct = () =>
      raw
        .prepare(
          `SELECT l.workspace_id, l.model_id, COALESCE(s.version_id, 0) AS version_key, substr(l.asked_at, 1, 10) AS day, COALESCE(e.priority, 0) AS priority_key, s.category,
             COUNT(*) AS judged, SUM(e.evaluation = 1) AS good, SUM(e.evaluation = 2) AS insufficient, SUM(e.evaluation = 3) AS wrong
           FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id JOIN sessions s ON s.id = l.session_id GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
        )
        .all();
    const kept = () => raw.prepare('SELECT * FROM verdict_totals WHERE judged <> 0 ORDER BY 1, 2, 3, 4, 5, 6').all();
    // Every session has the category its workspace had when it started (set by the database).
    assert.equal(raw.prepare('SELECT COUNT(*) FROM sessions WHERE category IS NULL').pluck().get(), 0);
    assert.deepEqual(kept(), direct(), 'after the seed');

    // Through the API: new verdicts, changed verdicts and priorities.
    const logs = raw.prepare('SELECT l.id, e.id AS evaluation FROM conversation_logs l LEFT JOIN evaluations e ON e.log_id = l.id ORDER BY l.id LIMIT 80').all() as Array<{ id: number; evaluation: number | null }>;
    for (const [index, log] of logs.entries()) {
      const verdict = ((index * 7) % 3) + 1;
      await app.call('evaluations.save', verdict === 1 ? { logId: log.id, evaluation: 1 } : { logId: log.id, evaluation: verdict as 2 | 3, correctAnswer: 'fixed', priority: ((index % 3) + 1) as 1 | 2 | 3 });
    }
    assert.deepEqual(kept(), direct(), 'after saves through the API');
    // Directly in SQL: a verdict change, a deleted evaluation, and a deleted log (the evaluation goes by cascade).
    raw.prepare('UPDATE evaluations SET evaluation = 3, priority = 2 WHERE id IN (SELECT id FROM evaluations ORDER BY id DESC LIMIT 25)').run();
    raw.prepare('DELETE FROM evaluations WHERE id IN (SELECT id FROM evaluations ORDER BY id LIMIT 10)').run();
    const logWithVerdict = raw.prepare('SELECT log_id FROM evaluations ORDER BY id DESC LIMIT 1').pluck().get() as number;
    raw.prepare('DELETE FROM conversation_log_sources WHERE log_id = ?').run(logWithVerdict);
    raw.prepare('DELETE FROM conversation_logs WHERE id = ?').run(logWithVerdict);
    assert.deepEqual(kept(), direct(), 'after SQL changes and a cascade');

    const workspaceId = raw.prepare('SELECT min(id) FROM workspaces').pluck().get() as number;
    const card = await app.call('scorecards.get', { workspaceId });
    const judgedHere = raw.prepare('SELECT COUNT(*) FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id WHERE l.workspace_id = ?').pluck().get(workspaceId) as number;
    assert.equal(card.versions.reduce((sum, version) => sum + version.counts.judged, 0), judgedHere);
    assert.equal(card.byPriority.reduce((sum, row) => sum + row.counts.judged, 0), judgedHere);
    assert.equal(card.timeline.reduce((sum, row) => sum + row.counts.judged, 0), judgedHere);
  } finally {
    await app.close();
  }
});
