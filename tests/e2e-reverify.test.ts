/**
 * Re-verification end to end in Chromium (issue 13): a question set made in the UI from the
 * corrections trained into a version plus a seeded guard sample, an import with a malformed line,
 * a batch run of the version and the base, re-judging with the keyboard (never while an input
 * method composes), the diff against the expected answer, the score card's charts and CSV, and
 * the PoC report, opened and screenshotted, in English, Korean and Japanese.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureLoraFixtures } from './fixtures/tiny-lora.ts';
import { openTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { screenshotDir, startUi } from './helpers/browser.ts';

const lora = await ensureLoraFixtures();
let app: TestApp;
let ui: Awaited<ReturnType<typeof startUi>>;
let page: Page;
let versionId: number;
const files = tempDir('evaldesk-reverify-files-');

const corrections = [
  { question: '해지 통보 기간은 며칠인가요?', correct: '계약 해지는 30일 전에 서면으로 통보해야 합니다.', verdict: 3 as const },
  { question: '契約の更新手続きは?', correct: '契約は満了の一か月前までに書面で更新を申し出ます。', verdict: 2 as const },
  { question: 'What is the notice period?', correct: 'Thirty days, in writing, before the end of the month.', verdict: 3 as const },
];
const goodOnes = ['연차는 언제 신청하나요?', '有給休暇の申請期限は?', 'Who approves overtime?'];

before(async () => {
  app = await openTestApp();
  const model = await app.call('models.add', { path: lora.base });
  await app.call('runtime.load', { modelId: model.id });
  const workspace = await app.call('workspaces.create', { name: '법무팀 재검증 PoC', businessDomain: 'Legal', systemPrompt: 'Answer briefly.', temperature: 0, maxTokens: 24, contextSize: 1024 });
  const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
  let n = 0;
  for (const item of corrections) {
    const log = await app.call('chat.ask', { sessionId: session.id, question: item.question, requestId: `seed-${n++}` });
    await app.call('evaluations.save', { logId: log.id, evaluation: item.verdict, reason: 'wrong period', correctAnswer: item.correct, priority: 1 });
  }
  for (const question of goodOnes) {
    const log = await app.call('chat.ask', { sessionId: session.id, question, requestId: `seed-${n++}` });
    await app.call('evaluations.save', { logId: log.id, evaluation: 1 });
  }
  // The corrections are exported, trained (the fixture adapter stands in) and come back as v1.
  const dataset = await app.call('export.run', { format: 'mlx', name: 'round-1', outDir: path.join(files, 'round-1'), filters: { evaluations: [2, 3] } });
  const version = await app.call('versions.register', { baseModelId: model.id, name: 'v1', adapterPath: lora.mlx, datasetId: dataset.datasetId });
  versionId = version.id;
  assert.equal(version.trainedEvaluations, corrections.length);

  ui = await startUi(app);
  page = ui.page;
  await page.goto(ui.bridge.url);
  await page.getByTestId('nav-reverify').waitFor();
});

after(async () => {
  await ui?.close();
  await app?.close();
});

const judgedText = () => page.getByTestId('rejudge-progress').innerText();

test('a question set from the trained corrections plus a seeded guard sample, made in the UI', { timeout: 60_000 }, async () => {
  await page.getByTestId('nav-reverify').click();
  await page.getByTestId('set-create').click();
  await page.getByTestId('set-name').waitFor();
  await page.getByTestId('set-name').fill('v1 재검증');
  await page.getByTestId('set-trained-version').selectOption(String(versionId));
  await page.getByTestId('set-guard-count').fill('2');
  await ui.shot('reverify-create-en');
  await page.getByTestId('set-save').click();
  await page.getByTestId('set-detail').or(page.getByTestId('set-error')).waitFor();
  assert.equal(await page.getByTestId('set-error').count(), 0, (await page.getByTestId('set-error').first().textContent({ timeout: 1000 }).catch(() => null)) ?? undefined);
  assert.equal(await page.getByTestId('set-item').count(), corrections.length + 2);
  assert.equal(await page.locator('[data-testid="set-item"] [data-origin="trained"]').count(), corrections.length);
  assert.equal(await page.locator('[data-testid="set-item"] [data-origin="guard"]').count(), 2);
  assert.match(await page.getByTestId('sets-table').innerText(), /v1 재검증/);
});

test('importing a file: malformed lines by number, the rest only once confirmed; UTF-16 from the browser', { timeout: 60_000 }, async () => {
  const csv = path.join(files, 'extra.csv');
  fs.writeFileSync(csv, '\uFEFFquestion,expected,tags\n"Is overtime paid?","Yes, at 150%.",hr\n"broken line,"no close\n"年休は何日?","20日",hr;leave\n');
  await page.getByTestId('set-import').click();
  await page.getByTestId('import-path').fill(csv);
  await page.getByTestId('import-preview').click();
  await page.getByTestId('import-preview-result').waitFor();
  const problems = await page.getByTestId('import-problems').innerText();
  assert.match(problems, /Line 3/, problems);
  assert.equal(await page.getByTestId('import-map-question').inputValue(), 'question');
  await ui.shot('reverify-import-en');
  const confirm = page.getByTestId('import-confirm');
  assert.match(await confirm.innerText(), /Import 2 valid lines, skip 1/);
  await confirm.click();
  await page.locator('.notice', { hasText: 'Imported 2 questions.' }).waitFor();
  // The set's items are reloaded after the notice: wait for them before counting.
  await page.locator('[data-testid="set-item"] [data-origin="imported"]').nth(1).waitFor();
  assert.equal(await page.locator('[data-testid="set-item"] [data-origin="imported"]').count(), 2);

  // Excel's "Unicode text": UTF-16LE with a BOM, tab-separated, picked in the browser.
  await page.getByTestId('set-import').click();
  await page.getByTestId('import-form').getByText('Upload a file').click();
  const tsv = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('question\texpected\n휴가 신청은?\t사흘 전까지\n', 'utf16le')]);
  await page.locator('[data-testid="import-form"] input[type="file"]').setInputFiles({ name: 'unicode.txt', mimeType: 'text/plain', buffer: tsv });
  await page.getByText('unicode.txt').waitFor();
  await page.getByTestId('import-preview').click();
  await page.getByTestId('import-sample').filter({ hasText: '휴가 신청은?' }).waitFor();
  await page.getByTestId('import-confirm').click();
  await page.locator('.notice', { hasText: 'Imported 1 question.' }).waitFor();
  await page.getByTestId('set-item').nth(corrections.length + 2 + 3 - 1).waitFor();
  assert.equal(await page.getByTestId('set-item').count(), corrections.length + 2 + 3);
});

test('a run of v1 and the base: progress to completion', { timeout: 120_000 }, async () => {
  await page.getByTestId('set-run').click();
  await page.getByTestId('run-start').waitFor();
  assert.equal(await page.getByTestId('run-temperature').inputValue(), '0');
  assert.equal(await page.getByTestId('run-seed').inputValue(), '42');
  assert.ok(await page.getByTestId('run-version').first().isChecked(), 'the newest version is picked');
  await page.getByTestId('run-version-base').check();
  await page.getByTestId('run-start').click();
  await page.getByTestId('runs-table').waitFor();
  await page.getByTestId('run-row').first().waitFor();
  await page.locator('[data-testid="run-row"][data-status="completed"]').nth(1).waitFor({ timeout: 100_000 });
  assert.match(await page.getByTestId('run-answered').first().innerText(), /8 of 8 answered/);
  await ui.shot('reverify-runs-en');
});

test('re-judging with the keyboard: 1 saves, j moves, 3 opens the correction; IME composition is ignored', { timeout: 60_000 }, async () => {
  const row = page.locator(`[data-testid="run-row"][data-version-id="${versionId}"]`);
  const runId = Number(await row.getAttribute('data-run-id'));
  await row.getByTestId('run-rejudge').click();
  await page.getByTestId('rejudge-item').waitFor();
  assert.equal(await judgedText(), '0 of 8 judged');
  // The first is a trained correction: its earlier verdict and the expert's answer are beside it.
  assert.match(await page.getByTestId('rejudge-expected').innerText(), new RegExp(corrections[0]!.correct));
  await page.getByTestId('rejudge-earlier-verdict').waitFor();

  // An input method composing (Korean, Japanese) must not judge.
  await page.getByTestId('evaluation-panel').evaluate((element) => {
    element.dispatchEvent(new KeyboardEvent('keydown', { key: '1', code: 'Digit1', isComposing: true, bubbles: true }));
  });
  await page.waitForTimeout(200);
  assert.equal(await judgedText(), '0 of 8 judged');

  await page.keyboard.press('1');
  await page.getByTestId('rejudge-progress').filter({ hasText: '1 of 8 judged' }).waitFor();
  // The count updates when the save returns; the move to the next question follows it.
  await page.getByTestId('rejudge-position').filter({ hasText: 'Question 2 of 8' }).waitFor();
  await page.keyboard.press('j');
  await page.getByTestId('rejudge-position').filter({ hasText: 'Question 3 of 8' }).waitFor();
  await page.keyboard.press('k');
  await page.getByTestId('rejudge-position').filter({ hasText: 'Question 2 of 8' }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.getByTestId('rejudge-position').filter({ hasText: 'Question 3 of 8' }).waitFor();

  // The diff of the new answer against the expected one.
  const diff = page.getByTestId('answer-diff');
  await diff.waitFor();
  assert.ok((await diff.locator('ins, del').count()) > 0, 'a random model answer differs from the correction');

  await page.keyboard.press('3');
  const correction = page.getByTestId('correct-answer');
  await correction.waitFor();
  const third = (await app.call('rejudge.items', { runId }))[2]!;
  assert.equal(await correction.inputValue(), third.current!.answer, 'the correction starts from the new answer');
  await correction.fill(corrections[2]!.correct);
  // Typing in the correction never judges or moves.
  await correction.press('j');
  assert.match(await page.getByTestId('rejudge-position').innerText(), /Question 3 of 8/);
  await correction.fill(corrections[2]!.correct);
  await correction.press('Control+Enter');
  await page.getByTestId('rejudge-progress').filter({ hasText: '2 of 8 judged' }).waitFor();
  await page.getByTestId('rejudge-row').nth(2).locator('.verdict-dot.v3').waitFor();
  await page.getByTestId('rejudge-row').first().click();
  await page.getByTestId('rejudge-verified').waitFor();
  await ui.shot('reverify-rejudge-en');
});

test('the score card: a chart per version over time, bars per version, CSV and the PoC report', { timeout: 90_000 }, async () => {
  await page.getByTestId('reverify-tab-scorecard').click();
  await page.locator('[data-testid="scorecard-chart-timeline"] svg').first().waitFor();
  await page.locator('[data-testid="scorecard-chart-versions"] svg').first().waitFor();
  assert.match(await page.getByTestId('score-table-versions').innerText(), /v1/);

  const download = page.waitForEvent('download');
  await page.getByTestId('score-csv-versions').click();
  const file = await download;
  assert.match(file.suggestedFilename(), /\.csv$/);
  const csv = fs.readFileSync(await file.path(), 'utf8');
  assert.match(csv, /v1/);

  await page.getByTestId('report-create').click();
  await page.getByTestId('report-result').waitFor({ timeout: 60_000 });
  const htmlPath = (await page.getByTestId('report-result').locator('code').first().innerText()).trim();
  assert.ok(fs.existsSync(htmlPath), htmlPath);
  await ui.shot('reverify-scorecard-en');
  await page.locator('.content').evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
  await ui.shot('reverify-scorecard-tables-en');
  await page.locator('.content').evaluate((element) => element.scrollTo({ top: 0 }));

  const report = await ui.browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await report.goto(pathToFileURL(htmlPath).href);
    assert.match(await report.locator('body').innerText(), /v1/);
    await report.screenshot({ path: path.join(screenshotDir, 'reverify-report-en.png'), fullPage: true });
  } finally {
    await report.close();
  }
});

test('the re-verification screens in Korean and Japanese at 1400×900', { timeout: 90_000 }, async () => {
  for (const language of ['ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await page.getByTestId('reverify-tab-sets').click();
    await page.getByTestId('set-row').first().click();
    await page.getByTestId('set-detail').waitFor();
    await ui.shot(`reverify-sets-${language}`);
    await page.getByTestId('reverify-tab-runs').click();
    await page.getByTestId('runs-table').waitFor();
    await ui.shot(`reverify-runs-${language}`);
    await page.getByTestId('reverify-tab-rejudge').click();
    await page.getByTestId('rejudge-item').waitFor();
    assert.match(await judgedText(), language === 'ko' ? /8개 중 2개 평가됨/ : /8 件中 2 件評価済み/);
    await ui.shot(`reverify-rejudge-${language}`);
    await page.getByTestId('reverify-tab-scorecard').click();
    await page.locator('[data-testid="scorecard-chart-timeline"] svg').first().waitFor();
    // The base is labelled by the screen in its language: the service sends the model name only.
    const versionsTable = await page.getByTestId('score-table-versions').innerText();
    assert.ok(versionsTable.includes(language === 'ko' ? '(기본 모델)' : '（ベースモデル）'), versionsTable);
    assert.equal(versionsTable.includes('(base)'), false, `no English base label in ${language}`);
    await ui.shot(`reverify-scorecard-${language}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `the score card (${language}) overflows sideways by ${overflow}px`);
  }
  await page.getByTestId('language').selectOption('en');
});
