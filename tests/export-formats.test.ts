import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { exportFormatNames, type ConversationLog, type ExportFormat, type ExportManifest } from '../shared/contract/entities.ts';
import type { AbChoice, AbRound } from '../shared/contract/ab.ts';
import { openTestApp, rejectsWithCode, tempDir, type TestApp } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { ensureLoraFixtures } from './fixtures/tiny-lora.ts';

type Json = Record<string, unknown>;

function readLines(file: string): Json[] {
  const text = fs.readFileSync(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as Json);
}

/** Every line of every data file of an export (manifest.files), in file order. */
function allLines(outDir: string, manifest: ExportManifest): Json[] {
  return manifest.files.flatMap((file) => readLines(path.join(outDir, file.name)));
}

const systemPrompt = /^You answer questions for team 1\.$/;
const isMessage = (value: unknown, role: string) => typeof value === 'object' && value !== null && (value as Json)['role'] === role && typeof (value as Json)['content'] === 'string';

/** Blind A/B comparisons between seeded logs: pairs (1,2), (3,4)… with the given choices in turn. */
function seedAb(raw: BetterSqlite3.Database, choices: Array<'a' | 'b' | 'tie' | 'both_bad'>): void {
  const logs = raw.prepare('SELECT id, workspace_id, model_id, user_id, question FROM conversation_logs ORDER BY id').all() as Array<{ id: number; workspace_id: number; model_id: number; user_id: number; question: string }>;
  const insert = raw.prepare("INSERT INTO ab_comparisons (workspace_id, model_id, evaluator_id, question, log_a, log_b, choice, created_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z')");
  choices.forEach((choice, i) => {
    const a = logs[2 * i]!;
    const b = logs[2 * i + 1]!;
    insert.run(a.workspace_id, a.model_id, a.user_id, a.question, a.id, b.id, choice);
  });
}

/** A re-verification set holding the given evaluations. */
function seedQuestionSet(raw: BetterSqlite3.Database, status: 'active' | 'closed', evaluationIds: number[]): void {
  const user = raw.prepare('SELECT id FROM users ORDER BY id LIMIT 1').pluck().get() as number;
  const workspace = raw.prepare('SELECT min(id) FROM workspaces').pluck().get() as number;
  const setId = Number(
    raw
      .prepare("INSERT INTO question_sets (workspace_id, name, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z')")
      .run(workspace, `set-${status}-${Math.random()}`, status, user).lastInsertRowid,
  );
  const insert = raw.prepare("INSERT INTO question_set_items (set_id, position, question, origin, source_evaluation_id, source_verdict) VALUES (?, ?, 'q', 'evaluation', ?, 2)");
  evaluationIds.forEach((id, position) => insert.run(setId, position, id));
}

async function exportAs(app: TestApp, format: ExportFormat, extra: Record<string, unknown> = {}) {
  return app.call('export.run', { format, name: `${format}-${Math.random().toString(36).slice(2, 8)}`, outDir: path.join(tempDir(), format), seed: 3, validRatio: 0.2, ...extra });
}

test('SFT formats: every line has the documented fields of mlx-lm, Alpaca and ShareGPT, with dataset_info.json for LLaMA-Factory', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 40 });

    const completions = await exportAs(app, 'mlx-completions');
    assert.deepEqual(fs.readdirSync(completions.outDir).sort(), ['manifest.json', 'train.jsonl', 'valid.jsonl']);
    const completionLines = allLines(completions.outDir, completions.manifest);
    assert.equal(completionLines.length, completions.manifest.counts.total);
    for (const line of completionLines) {
      assert.deepEqual(Object.keys(line), ['prompt', 'completion']);
      assert.match(line['prompt'] as string, /#\d+$/);
      assert.match(line['completion'] as string, /^(Model answer number|Corrected answer for)/);
    }

    const text = await exportAs(app, 'mlx-text');
    for (const line of allLines(text.outDir, text.manifest)) {
      assert.deepEqual(Object.keys(line), ['text']);
      // The seeded model's file does not exist: the documented plain fallback.
      assert.match(line['text'] as string, /^System: You answer questions for team 1\.\n\nUser: .+\n\nAssistant: .+$/s);
    }
    assert.deepEqual(text.manifest.textRendering, { '1': 'plain' });
    assert.match(text.manifest.layout!, /chat template/);

    const alpaca = await exportAs(app, 'alpaca', { testRatio: 0.1 });
    for (const line of allLines(alpaca.outDir, alpaca.manifest)) {
      assert.deepEqual(Object.keys(line), ['instruction', 'input', 'output', 'system', 'history']);
      assert.equal(line['input'], '');
      assert.match(line['system'] as string, systemPrompt);
      assert.deepEqual(line['history'], []);
    }
    const sharegpt = await exportAs(app, 'sharegpt');
    for (const line of allLines(sharegpt.outDir, sharegpt.manifest)) {
      assert.deepEqual(Object.keys(line), ['conversations', 'system']);
      const turns = line['conversations'] as Json[];
      assert.deepEqual(turns.map((turn) => turn['from']), ['human', 'gpt']);
      assert.ok(turns.every((turn) => Object.keys(turn).join() === 'from,value' && typeof turn['value'] === 'string'));
    }

    for (const [result, formatting] of [[alpaca, 'alpaca'], [sharegpt, 'sharegpt']] as const) {
      const info = JSON.parse(fs.readFileSync(path.join(result.outDir, 'dataset_info.json'), 'utf8')) as Record<string, Json>;
      assert.deepEqual(Object.keys(info), result.manifest.llamaFactory!.datasets);
      assert.equal(Object.keys(info).length, result.manifest.files.length);
      for (const entry of Object.values(info)) {
        assert.ok(fs.existsSync(path.join(result.outDir, entry['file_name'] as string)), `${entry['file_name']} exists`);
        assert.equal(entry['formatting'], formatting);
        assert.equal(entry['ranking'], false);
        // Every declared column is a field of the lines.
        const first = readLines(path.join(result.outDir, entry['file_name'] as string))[0]!;
        for (const column of Object.values(entry['columns'] as Record<string, string>)) assert.ok(column in first, `column ${column}`);
      }
      if (formatting === 'sharegpt') assert.deepEqual(Object.values(info)[0]!['tags'], { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' });
    }
    assert.deepEqual(alpaca.manifest.warnings, [], 'only mlx-lm formats have the batch-size rule');
  } finally {
    await app.close();
  }
});

test('preference formats: TRL DPO, OpenAI DPO, Alpaca/ShareGPT ranking from corrections and A/B winners; KTO labels by verdict', async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 60 });
    // 10 A/B choices: 4 winners of A, 3 of B, ties and both-bad rank nothing.
    seedAb(raw, ['a', 'b', 'a', 'tie', 'b', 'a', 'both_bad', 'b', 'a', 'tie']);
    const correctedPairs = raw.prepare('SELECT count(*) FROM evaluations WHERE evaluation > 1 AND correct_answer IS NOT NULL').pluck().get() as number;

    const dpo = await exportAs(app, 'trl-dpo');
    assert.equal(dpo.manifest.kind, 'preference');
    assert.deepEqual(dpo.manifest.counts.perSource, { evaluations: correctedPairs, ab: 7 });
    const dpoLines = allLines(dpo.outDir, dpo.manifest);
    assert.equal(dpoLines.length, correctedPairs + 7);
    for (const line of dpoLines) {
      // The names TRL's DPOTrainer reads in the conversational preference type.
      assert.deepEqual(Object.keys(line), ['prompt', 'chosen', 'rejected']);
      const prompt = line['prompt'] as Json[];
      assert.equal(prompt.length, 2);
      assert.ok(isMessage(prompt[0], 'system') && isMessage(prompt[1], 'user'));
      assert.match((prompt[0] as Json)['content'] as string, systemPrompt);
      for (const field of ['chosen', 'rejected']) {
        const answer = line[field] as Json[];
        assert.equal(answer.length, 1);
        assert.ok(isMessage(answer[0], 'assistant'));
      }
    }
    const fromCorrections = dpoLines.filter((line) => ((line['chosen'] as Json[])[0]!['content'] as string).startsWith('Corrected answer'));
    assert.equal(fromCorrections.length, correctedPairs);
    assert.ok(fromCorrections.every((line) => ((line['rejected'] as Json[])[0]!['content'] as string).startsWith('Model answer number')));
    // A/B pair 1 (logs 1 and 2) chose A: log 1's answer is chosen.
    const fromAb = dpoLines.filter((line) => !fromCorrections.includes(line));
    const firstAb = fromAb.find((line) => ((line['prompt'] as Json[])[1]!['content'] as string).endsWith('#1'))!;
    assert.match((firstAb['chosen'] as Json[])[0]!['content'] as string, /^Model answer number 1\./);
    assert.match((firstAb['rejected'] as Json[])[0]!['content'] as string, /^Model answer number 2\./);
    // Pair 2 (logs 3 and 4) chose B.
    const secondAb = fromAb.find((line) => ((line['prompt'] as Json[])[1]!['content'] as string).endsWith('#3'))!;
    assert.match((secondAb['chosen'] as Json[])[0]!['content'] as string, /^Model answer number 4\./);

    const openai = await exportAs(app, 'openai-dpo', { preferenceSources: ['ab'] });
    assert.deepEqual(fs.readdirSync(openai.outDir).sort(), ['manifest.json', 'training.jsonl', 'validation.jsonl']);
    const openaiLines = allLines(openai.outDir, openai.manifest);
    assert.equal(openaiLines.length, 7);
    for (const line of openaiLines) {
      assert.deepEqual(Object.keys(line), ['input', 'preferred_output', 'non_preferred_output']);
      const messages = (line['input'] as Json)['messages'] as Json[];
      assert.deepEqual(Object.keys(line['input'] as Json), ['messages']);
      assert.ok(isMessage(messages[0], 'system') && isMessage(messages[1], 'user'));
      for (const field of ['preferred_output', 'non_preferred_output']) {
        assert.equal((line[field] as Json[]).length, 1);
        assert.ok(isMessage((line[field] as Json[])[0], 'assistant'));
      }
    }

    const alpaca = await exportAs(app, 'alpaca-preference');
    for (const line of allLines(alpaca.outDir, alpaca.manifest)) assert.deepEqual(Object.keys(line), ['instruction', 'input', 'chosen', 'rejected', 'system', 'history']);
    const sharegpt = await exportAs(app, 'sharegpt-preference', { preferenceSources: ['evaluations'] });
    for (const line of allLines(sharegpt.outDir, sharegpt.manifest)) {
      assert.deepEqual(Object.keys(line), ['conversations', 'chosen', 'rejected', 'system']);
      assert.deepEqual((line['conversations'] as Json[]).map((turn) => turn['from']), ['human']);
      assert.deepEqual(Object.keys(line['chosen'] as Json), ['from', 'value']);
      assert.equal((line['rejected'] as Json)['from'], 'gpt');
    }
    for (const result of [alpaca, sharegpt]) {
      const info = JSON.parse(fs.readFileSync(path.join(result.outDir, 'dataset_info.json'), 'utf8')) as Record<string, Json>;
      for (const entry of Object.values(info)) {
        assert.equal(entry['ranking'], true);
        assert.ok(fs.existsSync(path.join(result.outDir, entry['file_name'] as string)));
        assert.equal((entry['columns'] as Json)['chosen'], 'chosen');
        assert.equal((entry['columns'] as Json)['rejected'], 'rejected');
      }
    }

    const kto = await exportAs(app, 'trl-kto', { preferenceSources: ['evaluations'] });
    const ktoLines = allLines(kto.outDir, kto.manifest);
    // Every evaluated log's model answer (45 evaluations of 60 logs), and the correction of each of the 30 verdicts 2 and 3.
    assert.equal(ktoLines.length, 75);
    const verdictOf = new Map((raw.prepare('SELECT l.answer, e.evaluation FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id').all() as Array<{ answer: string; evaluation: number }>).map((row) => [row.answer, row.evaluation]));
    for (const line of ktoLines) {
      // The names TRL's KTOTrainer reads in the unpaired preference type.
      assert.deepEqual(Object.keys(line), ['prompt', 'completion', 'label']);
      assert.equal(typeof line['label'], 'boolean');
      const completion = line['completion'] as Json[];
      assert.ok(completion.length === 1 && isMessage(completion[0], 'assistant'));
      const content = completion[0]!['content'] as string;
      if (content.startsWith('Corrected answer')) assert.equal(line['label'], true, 'a correction is a desirable completion');
      else assert.equal(line['label'], verdictOf.get(content) === 1);
    }
    // Lines per verdict of the evaluation they came from: a 2 or a 3 gives its answer and its correction.
    assert.deepEqual(kto.manifest.counts.perEvaluation, { '1': 15, '2': 30, '3': 30 });
    assert.equal(kto.manifest.labels!.true, 45);
    assert.equal(kto.manifest.labels!.false, 30);
    // With the A/B choices: 7 with a winner (chosen true, the other false) and 1 both bad (both false); the 2 ties give none.
    const ktoAll = await exportAs(app, 'trl-kto');
    assert.deepEqual(ktoAll.manifest.counts.perSource, { evaluations: 75, ab: 16 });
    assert.deepEqual([ktoAll.manifest.labels!.true, ktoAll.manifest.labels!.false], [45 + 7, 30 + 7 + 2]);
  } finally {
    await app.close();
  }
});

test('guards: active re-verification items stay out unless asked for; NFKC/whitespace duplicates collapse to the newest', async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    // Logs 1-10 all verdict 1; odd and even logs ask the same question in different Unicode/whitespace spellings.
    const spellings = ['How do I reset the VPN token? (topic {n})', '  How  do I reset\u3000the ＶＰＮ token?\n(topic {n}) '];
    seedLogs(raw, { logs: 10, verdict: () => 1, question: (i) => spellings[i % 2]!.replace('{n}', String(Math.ceil(i / 2))) });

    const deduped = await exportAs(app, 'mlx');
    assert.equal(deduped.manifest.counts.total, 5);
    assert.equal(deduped.manifest.guards!.duplicates.collapsed, 5);
    assert.deepEqual(deduped.manifest.warnings.filter((w) => w.code === 'DUPLICATE_QUESTIONS_COLLAPSED'), [{ code: 'DUPLICATE_QUESTIONS_COLLAPSED', count: 5 }]);
    // The newest evaluation of each pair is the even log (the higher id).
    const answers = allLines(deduped.outDir, deduped.manifest).map((line) => ((line['messages'] as Json[])[2]!['content'] as string).match(/number (\d+)/)![1]);
    assert.deepEqual(answers.map(Number).sort((a, b) => a - b), [2, 4, 6, 8, 10]);
    const kept = await exportAs(app, 'mlx', { dedupeQuestions: false });
    assert.equal(kept.manifest.counts.total, 10);
    assert.equal(kept.manifest.guards!.duplicates.enabled, false);

    // Evaluations 1-3 are items of an active set, 4 of a closed one.
    seedQuestionSet(raw, 'active', [1, 2, 3]);
    seedQuestionSet(raw, 'closed', [4]);
    const guarded = await exportAs(app, 'mlx', { dedupeQuestions: false });
    assert.equal(guarded.manifest.counts.total, 7);
    assert.deepEqual(guarded.manifest.guards!.activeReverification, { included: false, matched: 3, excluded: 3 });
    assert.ok(guarded.manifest.warnings.some((w) => w.code === 'ACTIVE_REVERIFICATION_EXCLUDED' && w.count === 3));
    const items = raw.prepare('SELECT evaluation_id FROM dataset_items WHERE dataset_id = ? ORDER BY evaluation_id').pluck().all(guarded.datasetId);
    assert.deepEqual(items, [4, 5, 6, 7, 8, 9, 10]);
    const included = await exportAs(app, 'mlx', { dedupeQuestions: false, includeActiveReverification: true });
    assert.equal(included.manifest.counts.total, 10);
    assert.deepEqual(included.manifest.guards!.activeReverification, { included: true, matched: 3, excluded: 0 });

    // Everything held back: a clear EXPORT_EMPTY that says why.
    seedQuestionSet(raw, 'active', [4, 5, 6, 7, 8, 9, 10]);
    const empty = await rejectsWithCode(exportAs(app, 'mlx'), 'EXPORT_EMPTY');
    assert.match(empty.message, /active re-verification/);
  } finally {
    await app.close();
  }
});

test("length guard: examples are rendered and tokenized with the chosen model's own tokenizer against its context length", async () => {
  const fixtures = await ensureFixtures();
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    // Every 4th question is far longer than the fixture's 2,048-token context.
    seedLogs(raw, { logs: 24, verdict: () => 1, question: (i) => (i % 4 === 0 ? `long ${'zq'.repeat(3000)} #${i}` : `short question #${i}`) });
    const seedModel = raw.prepare("SELECT id FROM models WHERE fingerprint = 'seed'").pluck().get() as number;
    raw.prepare('UPDATE conversation_logs SET model_id = ? WHERE model_id = ?').run(model.id, seedModel);

    const reported = await exportAs(app, 'mlx', { lengthCheckModelId: model.id });
    const check = reported.manifest.guards!.length!;
    assert.equal(check.modelId, model.id);
    assert.equal(check.contextLength, 2048);
    assert.equal(check.rendering, 'chat-template');
    assert.equal(check.checked, 24);
    assert.equal(check.tooLong, 6);
    assert.ok(check.longestTokens > 2048);
    assert.equal(reported.manifest.counts.total, 24, 'reported, not skipped');
    assert.ok(reported.manifest.warnings.some((w) => w.code === 'EXAMPLES_TOO_LONG' && w.count === 6 && !w.skipped));

    const skipped = await exportAs(app, 'trl-kto', { lengthCheckModelId: model.id, skipTooLong: true });
    assert.equal(skipped.manifest.counts.total, 18);
    assert.deepEqual(skipped.manifest.skipped.reasons, { too_long: 6 });
    assert.ok(allLines(skipped.outDir, skipped.manifest).every((line) => !((line['prompt'] as Json[])[1]!['content'] as string).startsWith('long')));

    // The {text} form renders the answering model's own ChatML template.
    const text = await exportAs(app, 'mlx-text');
    assert.deepEqual(text.manifest.textRendering, { [String(model.id)]: 'chat-template' });
    for (const line of allLines(text.outDir, text.manifest)) {
      assert.match(line['text'] as string, /^<\|im_start\|>system\nYou answer questions for team 1\.<\|im_end\|>\n<\|im_start\|>user\n.+<\|im_end\|>\n<\|im_start\|>assistant\nModel answer number \d+\..*<\|im_end\|>\n$/s);
    }

    await rejectsWithCode(exportAs(app, 'mlx', { lengthCheckModelId: 9999 }), 'NOT_FOUND');
    await rejectsWithCode(exportAs(app, 'mlx', { lengthCheckModelId: seedModel }), 'MODEL_MISSING');
    await rejectsWithCode(exportAs(app, 'mlx', { skipTooLong: true }), 'VALIDATION');
  } finally {
    await app.close();
  }
});

test('bad input: a preference export with no pairs is EXPORT_EMPTY, an unknown format is refused, nothing is left behind', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 12, verdict: () => 1 });
    const base = tempDir();
    for (const format of ['trl-dpo', 'openai-dpo', 'alpaca-preference', 'sharegpt-preference'] as const) {
      const error = await rejectsWithCode(app.call('export.run', { format, name: 'none', outDir: path.join(base, format) }), 'EXPORT_EMPTY');
      assert.match(error.message, /No preference pairs/);
    }
    assert.deepEqual(fs.readdirSync(base), []);
    const unknown = await app.raw('export.run', { format: 'parquet', name: 'x' });
    assert.equal(unknown.ok, false);
    assert.equal((await app.call('datasets.list', {})).length, 0);
    assert.ok(exportFormatNames.length >= 11);
  } finally {
    await app.close();
  }
});

test('KTO from real blind A/B choices and evaluations: every line labelled by the documented rule, every example traceable to its comparison or evaluation', { timeout: 120_000 }, async () => {
  const lora = await ensureLoraFixtures();
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    const base = await app.call('models.add', { path: lora.base });
    const v1 = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.peft, confirmBaseName: true });
    const workspace = await app.call('workspaces.create', { name: 'kto', systemPrompt: 'You answer contract questions.', temperature: 0, maxTokens: 12, contextSize: 512, historyTurns: 0 });
    await app.call('runtime.load', { modelId: base.id });

    // Four blind comparisons of the base and v1, decided a, b, both bad and tie.
    const choices = ['a', 'b', 'both_bad', 'tie'] as const;
    const rounds: Array<AbRound & { choice: AbChoice }> = [];
    for (const [index, choice] of choices.entries()) {
      const round = await app.call('ab.ask', { workspaceId: workspace.id, modelId: base.id, first: null, second: v1.id, question: `Which notice period applies to case ${index}?`, requestId: `kto-${index}` });
      assert.notEqual(round.a.answer.trim(), round.b.answer.trim());
      await app.call('ab.choose', { comparisonId: round.comparisonId, choice });
      rounds.push({ ...round, choice });
    }
    // Three judged answers of the base: 1, and 2 and 3 with corrections.
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id });
    const judged: Array<{ log: ConversationLog; verdict: 1 | 2 | 3; evaluationId: number }> = [];
    for (const [index, verdict] of ([1, 2, 3] as const).entries()) {
      const log = await app.call('chat.ask', { sessionId: session.id, question: `Who signs contract ${index}?`, requestId: `kto-eval-${index}` });
      const evaluation = await app.call('evaluations.save', verdict === 1 ? { logId: log.id, evaluation: 1 } : { logId: log.id, evaluation: verdict, correctAnswer: `The director signs contract ${index}.` });
      judged.push({ log, verdict, evaluationId: evaluation.id });
    }

    const kto = await exportAs(app, 'trl-kto', { filters: { workspaceId: workspace.id } });
    const lines = allLines(kto.outDir, kto.manifest);
    for (const line of lines) {
      // TRL's conversational unpaired preference: prompt (system, user), completion (one assistant message), label.
      assert.deepEqual(Object.keys(line), ['prompt', 'completion', 'label']);
      const prompt = line['prompt'] as Json[];
      assert.ok(prompt.length === 2 && isMessage(prompt[0], 'system') && isMessage(prompt[1], 'user'));
      assert.equal((prompt[0] as Json)['content'], 'You answer contract questions.');
      const completion = line['completion'] as Json[];
      assert.ok(completion.length === 1 && isMessage(completion[0], 'assistant'));
      assert.equal(typeof line['label'], 'boolean');
    }
    const labelled = (question: string) =>
      lines
        .filter((line) => ((line['prompt'] as Json[])[1] as Json)['content'] === question)
        .map((line) => [((line['completion'] as Json[])[0] as Json)['content'], line['label']])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    const sorted = (pairs: Array<[string, boolean]>) => pairs.sort((x, y) => x[0].localeCompare(y[0]));
    const [chosenA, chosenB, bothBad, tie] = rounds as [(typeof rounds)[number], (typeof rounds)[number], (typeof rounds)[number], (typeof rounds)[number]];
    assert.deepEqual(labelled(chosenA.question), sorted([[chosenA.a.answer, true], [chosenA.b.answer, false]]), 'A chosen: A true, B false');
    assert.deepEqual(labelled(chosenB.question), sorted([[chosenB.b.answer, true], [chosenB.a.answer, false]]), 'B chosen: B true, A false');
    assert.deepEqual(labelled(bothBad.question), sorted([[bothBad.a.answer, false], [bothBad.b.answer, false]]), 'both bad: both false');
    assert.deepEqual(labelled(tie.question), [], 'a tie gives no example');
    const [good, insufficient, wrong] = judged as [(typeof judged)[number], (typeof judged)[number], (typeof judged)[number]];
    assert.deepEqual(labelled(good.log.question), [[good.log.answer, true]]);
    assert.deepEqual(labelled(insufficient.log.question), sorted([[insufficient.log.answer, false], ['The director signs contract 1.', true]]), 'a 2: its answer false, its correction true');
    assert.deepEqual(labelled(wrong.log.question), sorted([[wrong.log.answer, false], ['The director signs contract 2.', true]]));
    assert.equal(lines.length, 11);
    assert.deepEqual(kto.manifest.counts.perSource, { evaluations: 5, ab: 6 });
    assert.deepEqual(kto.manifest.labels, { rule: kto.manifest.labels!.rule, true: 5, false: 6 });
    // The rule for ties and both-bad choices is written in the manifest, in its layout too.
    assert.match(kto.manifest.labels!.rule, /both bad: both false; tie: no example/);
    assert.match(kto.manifest.layout!, /tie: no example/);

    // Every source is a dataset item: the three evaluations and the three comparisons that gave lines (not the tie),
    // each in the split its lines were written to.
    const items = raw.prepare('SELECT evaluation_id, ab_comparison_id, split FROM dataset_items WHERE dataset_id = ? ORDER BY evaluation_id, ab_comparison_id').all(kto.datasetId) as Array<{ evaluation_id: number | null; ab_comparison_id: number | null; split: string }>;
    assert.deepEqual(items.filter((item) => item.evaluation_id !== null).map((item) => item.evaluation_id), judged.map((entry) => entry.evaluationId).sort((x, y) => x - y));
    assert.deepEqual(items.filter((item) => item.ab_comparison_id !== null).map((item) => item.ab_comparison_id).sort((x, y) => x! - y!), [chosenA, chosenB, bothBad].map((round) => round.comparisonId).sort((x, y) => x - y));
    const fileOf = (split: string) => (split === 'train' ? 'train.jsonl' : 'valid.jsonl');
    for (const item of items.filter((entry) => entry.ab_comparison_id !== null)) {
      const round = rounds.find((entry) => entry.comparisonId === item.ab_comparison_id)!;
      const questions = readLines(path.join(kto.outDir, fileOf(item.split))).map((line) => ((line['prompt'] as Json[])[1] as Json)['content']);
      assert.equal(questions.filter((question) => question === round.question).length, 2, `comparison ${round.comparisonId} lies in ${item.split}`);
    }

    // Sources one at a time; DPO pairs from A/B winners are dataset items too.
    assert.equal((await exportAs(app, 'trl-kto', { filters: { workspaceId: workspace.id }, preferenceSources: ['ab'] })).manifest.counts.total, 6);
    assert.equal((await exportAs(app, 'trl-kto', { filters: { workspaceId: workspace.id }, preferenceSources: ['evaluations'] })).manifest.counts.total, 5);
    const dpo = await exportAs(app, 'trl-dpo', { filters: { workspaceId: workspace.id }, preferenceSources: ['ab'] });
    assert.equal(dpo.manifest.counts.total, 2);
    assert.deepEqual(
      raw.prepare('SELECT ab_comparison_id FROM dataset_items WHERE dataset_id = ? ORDER BY ab_comparison_id').pluck().all(dpo.datasetId),
      [chosenA.comparisonId, chosenB.comparisonId].sort((x, y) => x - y),
    );
    // Marking a dataset with A/B items as trained touches only its evaluations.
    assert.equal((await app.call('export.markTrained', { datasetId: kto.datasetId })).updated, 3);

    // Bad input: no judged answer and no decided comparison in the filters; no source at all.
    const empty = await app.call('workspaces.create', { name: 'empty' });
    const nothing = await rejectsWithCode(exportAs(app, 'trl-kto', { filters: { workspaceId: empty.id } }), 'EXPORT_EMPTY');
    assert.match(nothing.message, /No evaluated answers or decided A\/B choices/);
    const noSource = await app.raw('export.run', { format: 'trl-kto', name: 'none', outDir: path.join(tempDir(), 'none'), preferenceSources: [] });
    assert.equal(noSource.ok, false);
  } finally {
    await app.close();
  }
});
