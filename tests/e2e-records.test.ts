/**
 * Structured records in the UI (issue 15): a JSONL file with a coaching note, a board post and a
 * broken line goes through the import dialog (the broken line shown by number, nothing imported
 * until the person confirms), the documents appear with their source types and sync history, and
 * the chat's "Limit sources" filter keeps answers to the coaching note while it is set. Real
 * runtime, embedder and retrieval on the tiny fixture model. Screens in English, Korean and
 * Japanese go to test-results/screens.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { openTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { startUi } from './helpers/browser.ts';

const fixtures = await ensureFixtures();

const coachingNote = {
  doc_id: 'coaching_note:5',
  title: '3주차 코칭노트',
  content: '코칭노트 3주차: N2SQL 프로젝트는 데이터 정제를 먼저 끝내야 합니다.',
  source_type: 'coaching_note',
  event_type: 'create',
  doc_schema: 'coaching_note.v2',
  project_name: 'N2SQL',
  week_number: 3,
  updated_at: '2026-03-05T09:00:00+09:00',
};
const boardPost = {
  doc_id: 'board_post:12',
  title: '대시보드 진행률 팁',
  content: '게시글: 주간 진행률은 대시보드에서 확인합니다.',
  source_type: 'board_post',
  event_type: 'create',
  doc_schema: 'board_post.v2',
  board_name: '팁공유',
  updated_at: '2026-02-27T15:12:00+00:00',
};

let app: TestApp;
let ui: Awaited<ReturnType<typeof startUi>>;
let workspaceId: number;
let file: string;

before(async () => {
  app = await openTestApp();
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  await app.call('runtime.load', { modelId: model.id });
  // Threshold -1: unlimited, every passage is context, so only the filter can leave one out.
  const workspace = await app.call('workspaces.create', { name: '코칭 기록', temperature: 0, maxTokens: 4, contextSize: 1024, chunkSize: 256, chunkOverlap: 16, similarityThreshold: -1, topN: 10 });
  workspaceId = workspace.id;
  file = path.join(tempDir('evaldesk-e2e-records-'), 'records.jsonl');
  fs.writeFileSync(file, [JSON.stringify(coachingNote), '{"doc_id": "broken", "content": ', JSON.stringify(boardPost)].join('\n'));
  ui = await startUi(app);
});

after(async () => {
  await ui?.close();
  await app?.close();
});

test('records imported through the dialog, then the chat limited to coaching notes by its filter', { timeout: 180_000 }, async () => {
  const { page } = ui;
  await page.goto(ui.bridge.url);
  await page.getByTestId('nav-documents').click();
  await page.getByTestId('documents-workspace').selectOption({ label: '코칭 기록' });

  // The preview: two records, the broken line by its number, nothing imported yet.
  await page.getByTestId('documents-import-records').click();
  await page.getByTestId('records-path').fill(file);
  await page.getByTestId('records-preview').click();
  await page.getByTestId('records-preview-result').waitFor();
  assert.deepEqual(await page.getByTestId('records-sample').locator('tbody tr td:nth-child(2)').allInnerTexts(), ['coaching_note:5', 'board_post:12']);
  assert.deepEqual(await page.getByTestId('records-problem').allInnerTexts(), ['Line 2: not valid JSON']);
  assert.equal(await page.getByTestId('records-confirm').innerText(), 'Import 2 valid records, skip the others');
  assert.equal((await app.call('documents.list', { workspaceId })).length, 0, 'nothing is imported before the person confirms');
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`records-preview-${language}`);
  }
  await page.getByTestId('language').selectOption('en');

  await page.getByTestId('records-confirm').click();
  await page.getByTestId('records-outcomes').waitFor();
  assert.deepEqual(await page.getByTestId('records-outcome').evaluateAll((items) => items.map((item) => item.getAttribute('data-result'))), ['added', 'added']);
  await page.keyboard.press('Escape');

  // The documents with their source types, and one doc_id's history.
  await page.getByTestId('document-row').nth(1).waitFor();
  const rows = page.getByTestId('document-row');
  const typeOf = async (title: string) => rows.filter({ hasText: title }).getByTestId('document-source-type').innerText();
  assert.equal(await typeOf('3주차 코칭노트'), 'coaching_note');
  assert.equal(await typeOf('대시보드 진행률 팁'), 'board_post');
  await rows.filter({ hasText: '3주차 코칭노트' }).getByTestId('document-record-history').click();
  await page.getByTestId('record-event').first().waitFor();
  assert.deepEqual(await page.getByTestId('record-event').evaluateAll((items) => items.map((item) => [item.getAttribute('data-event'), item.getAttribute('data-result')])), [['create', 'added']]);
  assert.match(await page.getByTestId('record-metadata').innerText(), /project_name\s+N2SQL/);
  await page.waitForTimeout(400); // the dialog's fade-in, for the screenshot
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`records-history-${language}`);
  }
  await page.getByTestId('language').selectOption('en');
  await page.keyboard.press('Escape');

  // The chat: a question typed first stays in its box while the filter is set.
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('chat-workspace').selectOption({ label: '코칭 기록' });
  await page.getByTestId('chat-model').selectOption({ label: 'tiny-llama-chat' });
  await page.getByTestId('session-start').click();
  await page.getByTestId('session-info').waitFor();
  const question = page.getByTestId('question');
  await question.fill('What should the project finish first?');
  await page.getByTestId('filter-open').click();
  const form = page.getByTestId('filter-form');
  await form.waitFor();
  await form.getByTestId('filter-source-types').click();
  const options = form.getByRole('option');
  await options.first().waitFor();
  assert.deepEqual((await options.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim()), ['board_post 1 document', 'coaching_note 1 document']);
  await options.filter({ hasText: 'coaching_note' }).click();
  // An inverted date range or a day that does not exist is refused with a message, not applied.
  await form.getByTestId('filter-from').fill('2026-04-01');
  await form.getByTestId('filter-to').fill('2026-03-01');
  await form.getByText('The start date is after the end date.').waitFor();
  await form.getByTestId('filter-to').fill('2026-02-30');
  await form.getByText('Write the date as YYYY-MM-DD, e.g. 2026-03-01.').waitFor();
  await form.getByTestId('filter-apply').click();
  assert.ok(await form.isVisible(), 'nothing was applied');
  assert.equal(await page.getByTestId('filter-chips').count(), 0);
  await form.getByTestId('filter-from').fill('');
  await form.getByTestId('filter-to').fill('');
  // Enter while an input method is composing confirms the composition, never the form.
  await form.getByTestId('filter-add-field').click();
  await form.getByTestId('filter-field').fill('project_name');
  await form.getByTestId('filter-value').fill('N2SQL');
  await form.getByTestId('filter-value').evaluate((input) => input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true })));
  assert.ok(await form.isVisible(), 'the composing Enter left the form open');
  await form.getByTestId('filter-value').press('Enter');
  await form.waitFor({ state: 'hidden' });
  assert.deepEqual(await page.getByTestId('filter-chip').allInnerTexts(), ['Source type: coaching_note', 'project_name = N2SQL']);
  assert.equal(await page.getByTestId('filter-count').innerText(), '2');
  assert.equal(await question.inputValue(), 'What should the project finish first?', 'the question is still there');
  assert.equal(await question.evaluate((element) => element === document.activeElement), true, 'and the cursor is back in it');
  // One chip taken out, from the keyboard: the other condition stays.
  await page.getByRole('button', { name: 'Remove project_name = N2SQL' }).focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(await page.getByTestId('filter-chip').allInnerTexts(), ['Source type: coaching_note']);

  await page.getByTestId('send').click();
  await page.getByTestId('exchange').first().waitFor();
  assert.match(await page.getByTestId('answer-filter').innerText(), /Search limited to: Source type: coaching_note/);
  const [limited] = (await app.call('logs.query', { filters: { workspaceId } })).rows;
  const detail = await app.call('logs.get', { id: limited!.id });
  assert.deepEqual([...new Set(detail.log.sources.map((source) => source.docId))], ['coaching_note:5'], 'only the coaching note was retrieved');
  assert.deepEqual(detail.log.toolCalls.find((call) => call.toolName === 'retrieve')?.arguments['filter'], { sourceTypes: ['coaching_note'] });
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`records-chat-filter-${language}`);
  }
  await page.getByTestId('language').selectOption('en');
  // The form itself, as a person sees it with the filter set.
  await page.getByTestId('filter-open').click();
  await form.waitFor();
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`records-chat-filter-form-${language}`);
  }
  await page.getByTestId('language').selectOption('en');
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'hidden' });

  // The filter is part of what the person set for this session: a reload (as after a restart) keeps it.
  await page.reload();
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('exchange').first().waitFor();
  await page.getByTestId('filter-chip').first().waitFor();
  assert.deepEqual(await page.getByTestId('filter-chip').allInnerTexts(), ['Source type: coaching_note']);

  // Cleared in one click: the next question draws on every document again.
  await page.getByTestId('filter-clear').click();
  assert.equal(await page.getByTestId('filter-chips').count(), 0);
  for (let i = 0; i < 50 && (await app.call('drafts.get', { key: `filter:${limited!.sessionId}` })) !== null; i++) await page.waitForTimeout(100);
  assert.equal(await app.call('drafts.get', { key: `filter:${limited!.sessionId}` }), null, 'a cleared filter is not brought back');
  await question.fill('And the dashboard?');
  await page.getByTestId('send').click();
  await page.getByTestId('exchange').nth(1).waitFor();
  const open = (await app.call('logs.query', { filters: { workspaceId } })).rows.find((row) => row.question === 'And the dashboard?')!;
  const openDetail = await app.call('logs.get', { id: open.id });
  assert.deepEqual([...new Set(openDetail.log.sources.map((source) => source.docId))].sort(), ['board_post:12', 'coaching_note:5']);
  assert.equal(openDetail.log.toolCalls.find((call) => call.toolName === 'retrieve')?.arguments['filter'], undefined);

  // The log's trace says the first answer's search was limited.
  await page.getByTestId('nav-logs').click();
  await page.getByTestId('log-row').filter({ hasText: 'What should the project finish first?' }).click();
  await page.getByTestId('tool-calls').waitFor();
  await page.getByTestId('tool-calls').locator('summary').click();
  assert.equal(await page.getByTestId('tool-call-filter').innerText(), 'Search limited to: Source type: coaching_note');
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`records-log-filter-${language}`);
  }
  await page.getByTestId('language').selectOption('en');
});

test('records uploaded from the browser: an update event re-indexes the record; a file that is not UTF-8 is refused with the way out', { timeout: 120_000 }, async () => {
  const { page } = ui;
  await page.getByTestId('nav-documents').click();
  await page.getByTestId('documents-workspace').selectOption({ label: '코칭 기록' });
  await page.getByTestId('documents-import-records').click();
  const dialog = page.getByTestId('records-import');
  await dialog.getByText('Upload a file').click();
  assert.equal(await page.getByTestId('records-picked').innerText(), 'No file chosen');
  assert.equal(await page.getByTestId('records-preview').isDisabled(), true, 'nothing to preview before a file is picked');

  // A Korean file in CP949 (what Excel on a Korean Windows saves): only the path route detects it.
  const iconv = (await import('iconv-lite')).default;
  const legacy = iconv.encode(`${JSON.stringify({ ...boardPost, event_type: 'update', content: '게시글: 진행률은 매주 금요일에 갱신합니다.' })}\n`, 'cp949');
  await dialog.locator('input[type=file]').setInputFiles({ name: 'board.jsonl', mimeType: 'application/json', buffer: legacy });
  assert.match(await page.getByTestId('records-error').innerText(), /not UTF-8\. Give its path instead/);
  assert.equal(await page.getByTestId('records-picked').innerText(), 'No file chosen', 'nothing half-read was kept');

  const update = { ...boardPost, event_type: 'update', content: '게시글: 진행률은 매주 금요일에 갱신합니다.', updated_at: '2026-03-10T10:00:00+09:00' };
  await dialog.locator('input[type=file]').setInputFiles({ name: 'board.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(`${JSON.stringify(update)}\n`) });
  assert.equal(await page.getByTestId('records-picked').innerText(), 'board.ndjson');
  assert.equal(await page.getByTestId('records-error').count(), 0, 'the earlier refusal is gone with the new file');
  await page.getByTestId('records-preview').click();
  await page.getByTestId('records-preview-result').waitFor();
  assert.deepEqual(await page.getByTestId('records-sample').locator('tbody tr td:nth-child(4)').allInnerTexts(), ['update']);
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`records-upload-${language}`);
  }
  await page.getByTestId('language').selectOption('en');
  await page.getByTestId('records-confirm').click();
  await page.getByTestId('records-outcomes').waitFor();
  assert.deepEqual(await page.getByTestId('records-outcome').evaluateAll((items) => items.map((item) => item.getAttribute('data-result'))), ['updated']);
  const history = await app.call('documents.recordHistory', { workspaceId, docId: 'board_post:12' });
  assert.deepEqual(history.events.map((event) => [event.eventType, event.result]), [['update', 'updated'], ['create', 'added']]);
  assert.equal((await app.call('documents.list', { workspaceId })).length, 2, 'replaced under the same doc_id, not added beside it');
  await page.keyboard.press('Escape');
});
