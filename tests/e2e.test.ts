import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { WebBridge } from '../electron/adapters/web/web-bridge.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { startUi } from './helpers/browser.ts';
import { openTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

/**
 * End to end through the real renderer (built by `npm run build:renderer`) in Chromium, the local
 * web bridge, and the real services and llama.cpp runtime behind it.
 */
const fixtures = await ensureFixtures();
let app: TestApp;
let ui: Awaited<ReturnType<typeof startUi>>;
let bridge: WebBridge;
let page: Page;
const shot = (name: string) => ui.shot(name, { fullPage: true });

before(async () => {
  app = await openTestApp();
  ui = await startUi(app);
  ({ bridge, page } = ui);
});

after(async () => {
  await ui?.close();
  await app?.close();
});

test('the whole loop in the UI: workspace, model, streamed answer, verdict 3 with correction, MLX export', async () => {
  const tokenFrames: string[] = [];
  page.on('websocket', (socket) => socket.on('framereceived', (frame) => typeof frame.payload === 'string' && frame.payload.includes('"chat.token"') && tokenFrames.push(frame.payload)));
  await page.goto(bridge.url);

  // A first start lands on the checklist; creating the workspace is one click away.
  await page.getByTestId('checklist-workspace').click();
  await page.getByTestId('workspace-name').fill('법무팀 계약 검토 PoC');
  await page.getByTestId('workspace-domain').fill('Legal');
  await page.getByTestId('workspace-system-prompt').fill('You are the legal team assistant. Answer briefly.');
  await page.getByTestId('workspace-max-tokens').fill('200');
  // Temperature 0: the random-weight fixture then answers the same way every run.
  await page.getByTestId('workspace-temperature').fill('0');
  await page.getByTestId('workspace-save').click();
  await page.getByTestId('workspace-item').first().waitFor();
  await shot('01-workspaces');

  await page.getByTestId('nav-models').click();
  await page.getByTestId('model-path').fill(fixtures.notAModel);
  await page.getByTestId('model-add').click();
  assert.match(await page.getByTestId('models-error').innerText(), /not a GGUF model file/);
  await page.getByTestId('model-path').fill(fixtures.tinyChat);
  await page.getByTestId('model-add').click();
  await page.getByTestId('model-row').first().waitFor();
  await page.getByTestId('model-load').click();
  await page.getByTestId('model-unload').waitFor();
  assert.equal(await page.getByTestId('backend').innerText(), 'CPU');
  await shot('02-models');

  await page.getByTestId('nav-chat').click();
  await page.getByTestId('session-start').click();
  await page.getByTestId('session-info').waitFor();
  const question = page.getByTestId('question');
  await question.fill('해지 통보 기간은 며칠인가요?');
  await question.press('Enter');
  await page.getByTestId('streaming-answer').waitFor({ state: 'attached' });
  await page.getByTestId('exchange').first().waitFor();
  assert.ok(tokenFrames.length >= 5, `tokens streamed to the browser (${tokenFrames.length} frames)`);
  // The exact answer as logged (innerText would normalise whitespace in gibberish output).
  const answer = (await app.call('logs.get', { id: 1 })).log.answer;
  assert.equal(await question.inputValue(), '', 'the question box is cleared after a successful ask');
  await shot('03-chat-answer');

  // Keyboard-first evaluation: focus is on the panel after the answer; 3 opens the correction.
  await page.getByTestId('evaluation-panel').first().focus();
  await page.keyboard.press('3');
  const correction = page.getByTestId('correct-answer');
  await correction.waitFor();
  assert.equal(await correction.inputValue(), answer, 'the correction starts from the model answer');
  assert.ok(await correction.evaluate((element) => element === document.activeElement), 'focus moved to the correction');
  await correction.fill('해지 통보는 30일 전에 서면으로 해야 합니다.');
  await page.getByTestId('reason').fill('기간이 틀림');
  await page.getByTestId('priority').selectOption('1');
  await shot('04-evaluation');
  await page.keyboard.press('Control+Enter');
  await page.getByTestId('evaluation-state').filter({ hasText: 'Saved' }).waitFor();
  const saved = await app.call('logs.get', { id: 1 });
  assert.equal(saved.evaluations[0]?.evaluation, 3);
  assert.equal(saved.evaluations[0]?.correctAnswer, '해지 통보는 30일 전에 서면으로 해야 합니다.');
  assert.equal(saved.evaluations[0]?.priority, 1);

  // A second, good answer so the export has a train and a valid example.
  await question.fill('What documents are needed?');
  await page.getByTestId('send').click();
  await page.getByTestId('exchange').nth(1).waitFor();
  await page.getByTestId('evaluation-panel').nth(1).focus();
  await page.keyboard.press('1');
  await page.keyboard.press('Control+Enter');
  await page.getByTestId('evaluation-state').nth(1).filter({ hasText: 'Saved' }).waitFor();

  await page.getByTestId('nav-logs').click();
  await page.getByTestId('log-row').first().waitFor();
  assert.match(await page.getByTestId('log-total').innerText(), /2 logs/);
  await page.getByTestId('log-row').first().click();
  await page.getByTestId('log-detail').waitFor();
  await shot('05-logs');

  await page.getByTestId('nav-export').click();
  const outDir = path.join(tempDir(), 'mlx-from-ui');
  await page.getByTestId('export-name').fill('ui-export');
  await page.getByTestId('export-out-dir').fill(outDir);
  await page.getByTestId('export-run').click();
  await page.getByTestId('export-result').waitFor();
  await shot('06-export');
  const lines = ['train.jsonl', 'valid.jsonl'].flatMap((file) => fs.readFileSync(path.join(outDir, file), 'utf8').trim().split('\n'));
  const messages = lines.map((line) => (JSON.parse(line) as { messages: Array<{ role: string; content: string }> }).messages);
  assert.equal(messages.length, 2);
  const corrected = messages.find((m) => m[1]!.content === '해지 통보 기간은 며칠인가요?')!;
  assert.deepEqual(corrected.map((m) => m.role), ['system', 'user', 'assistant']);
  assert.equal(corrected[0]!.content, 'You are the legal team assistant. Answer briefly.');
  assert.equal(corrected[2]!.content, '해지 통보는 30일 전에 서면으로 해야 합니다.');
  const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.counts.perEvaluation, { '1': 1, '2': 0, '3': 1 });
});

test('what is typed survives a reload: the question box and an unsaved correction come back', async () => {
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('question').fill('A question I have not sent yet');
  await page.getByTestId('evaluation-panel').first().focus();
  await page.keyboard.press('2');
  await page.getByTestId('correct-answer').fill('A correction I did not save');
  // Autosave is debounced: wait until both drafts reached the main process, then "crash" the page.
  for (let i = 0; i < 100; i++) {
    const [question, evaluation] = await Promise.all([app.call('drafts.get', { key: 'question:1' }), app.call('drafts.get', { key: 'evaluation:1' })]);
    if (question?.value === 'A question I have not sent yet' && (evaluation?.value as { correctAnswer?: string } | undefined)?.correctAnswer === 'A correction I did not save') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await page.reload();
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('exchange').first().waitFor();
  assert.equal(await page.getByTestId('question').inputValue(), 'A question I have not sent yet');
  await page.getByTestId('correct-answer').waitFor();
  assert.equal(await page.getByTestId('correct-answer').first().inputValue(), 'A correction I did not save');
  await shot('07-restored-draft');

  // The workspace editor keeps an unsaved system prompt the same way.
  await page.getByTestId('nav-workspaces').click();
  await page.getByTestId('workspace-system-prompt').fill('A long system prompt being written…');
  for (let i = 0; i < 100; i++) {
    const draft = await app.call('drafts.get', { key: 'workspace:1' });
    if ((draft?.value as { systemPrompt?: string } | undefined)?.systemPrompt === 'A long system prompt being written…') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await page.reload();
  await page.getByTestId('nav-workspaces').click();
  await page.getByTestId('workspace-system-prompt').filter({ hasText: 'A long system prompt being written…' }).waitFor();
  await page.getByTestId('workspace-save').click();
  await page.getByText('Saved', { exact: true }).waitFor();
  assert.equal((await app.call('workspaces.get', { id: 1 })).systemPrompt, 'A long system prompt being written…');
  assert.equal(await app.call('drafts.get', { key: 'workspace:1' }), null, 'the draft is gone once saved');
  await page.getByTestId('nav-chat').click();
});

test('bad input in the UI: an empty question cannot be sent, and the Korean and Japanese UI render', async () => {
  await page.getByTestId('question').fill('   ');
  assert.equal(await page.getByTestId('send').isDisabled(), true);
  await page.getByTestId('language').selectOption('ko');
  await page.getByTestId('nav-chat').filter({ hasText: '질문 및 평가' }).waitFor();
  await shot('08-korean');
  await page.getByTestId('language').selectOption('ja');
  await page.getByTestId('nav-chat').filter({ hasText: '質問と評価' }).waitFor();
  await shot('09-japanese');
  await page.getByTestId('language').selectOption('en');
});

test('documents in the UI: add a file, see it indexed, ask, see the citation and open the passage', async () => {
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  await app.call('workspaces.update', { id: 1, patch: { similarityThreshold: -1, topN: 2 } });
  const folder = tempDir('evaldesk-e2e-docs-');
  const file = path.join(folder, '就業規則.md');
  fs.writeFileSync(file, '# 第3条 休暇\n年次有給休暇は入社6か月後に10日付与されます。申請は3日前までに行ってください。\n');
  fs.writeFileSync(path.join(folder, 'broken.docx'), 'not a word file');

  await page.getByTestId('nav-documents').click();
  await page.getByTestId('document-paths').fill(folder);
  await page.getByTestId('documents-add').click();
  await page.getByTestId('document-row').first().waitFor();
  // The broken file has its own row, failed, with the reason shown once.
  const failed = page.locator('[data-testid="document-row"][data-status="failed"]');
  await failed.first().waitFor();
  assert.match(await failed.first().innerText(), /not a Word/);
  assert.equal(await page.getByTestId('document-failure').count(), 0, 'no second copy of the error above the table');
  assert.match(await page.getByTestId('documents').innerText(), /就業規則/);
  await shot('10-documents');

  // A new session picks up the retrieval settings.
  await page.getByTestId('nav-chat').click();
  const before = await page.getByTestId('session-info').innerText();
  await page.getByTestId('session-start').click();
  // Type once the new session is in place (it loads its own saved question, if any).
  await page.getByTestId('session-info').filter({ hasNotText: before }).waitFor();
  await page.getByTestId('question').fill('有給休暇は何日ですか？');
  await page.getByTestId('send').click();
  await page.getByTestId('citation').first().waitFor();
  await page.getByTestId('citation').first().click();
  await page.getByTestId('passage-dialog').waitFor();
  assert.match(await page.getByTestId('passage-text').innerText(), /年次有給休暇は入社6か月後に10日付与されます/);
  await shot('11-citation');
  await page.keyboard.press('Escape');
  await page.getByTestId('passage-dialog').waitFor({ state: 'detached' });
});

test('the log browser stays usable with 100,000 logs: virtualized rows, pages loaded while scrolling, SQL filters', async () => {
  seedLogs(app.core.internals!.db.raw, { logs: 100_000, workspaces: 3, models: 2 });
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('nav-logs').click();
  await page.getByTestId('log-total').filter({ hasText: /100,0\d\d logs|1000\d\d logs/ }).waitFor();
  await page.getByTestId('log-row').first().waitFor();
  const list = page.getByTestId('log-list');
  for (let i = 0; i < 6; i++) {
    await list.hover();
    await page.mouse.wheel(0, 6000);
    await page.waitForTimeout(150);
  }
  const rendered = await page.getByTestId('log-row').count();
  assert.ok(rendered > 0 && rendered < 120, `only the visible rows are in the DOM (${rendered})`);
  const scrolledTo = await list.evaluate((element) => element.scrollTop);
  assert.ok(scrolledTo > 20_000, `scrolled past the first page (${scrolledTo}px), so later pages were loaded`);
  await page.getByTestId('filter-text').fill('締め日');
  await page.getByTestId('log-total').filter({ hasText: /^(?!100,0).*logs$/ }).waitFor();
  await page.getByTestId('filter-evaluation').selectOption('3');
  await page.getByTestId('log-row').first().waitFor();
  await shot('12-logs-100k');
});
