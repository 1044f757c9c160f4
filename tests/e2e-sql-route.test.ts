/**
 * The admin SQL route in the UI (issue 15): the admin turns the option on in the workspace form,
 * asks about EvalDesk's own records in the chat and sees the answer as a table with the SQL
 * beside it; the log detail lists the recorded steps. The model's side (route decision and query)
 * is fixed at the service boundary; the query runs for real on the read-only views. Screens in
 * English, Korean and Japanese go to test-results/screens.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { routeOutputSchema } from '../electron/services/sql-route/route.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { openTestApp, type TestApp } from './helpers/app.ts';
import { startUi } from './helpers/browser.ts';
import { seedLogs } from './helpers/seed.ts';

const fixtures = await ensureFixtures();
const query = 'SELECT verdict, count(*) AS answers FROM v_evaluations GROUP BY verdict ORDER BY verdict';

let app: TestApp;
let ui: Awaited<ReturnType<typeof startUi>>;

before(async () => {
  app = await openTestApp({
    sqlRouteGenerator: async (_prompt, schema) => (schema === routeOutputSchema ? JSON.stringify({ route: 'sql', reason: 'counts of verdicts' }) : JSON.stringify({ sql: query })),
  });
  // 40 answers in "Workspace 1": verdicts 1, 2, 3 and none in turn.
  seedLogs(app.core.internals!.db.raw, { logs: 40 });
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  await app.call('runtime.load', { modelId: model.id });
  ui = await startUi(app);
});

after(async () => {
  await ui?.close();
  await app?.close();
});

test('an admin question answered by the SQL route: the table and the SQL in the chat, the steps in the log', { timeout: 120_000 }, async () => {
  const { page } = ui;
  await page.goto(ui.bridge.url);
  await page.getByTestId('nav-workspaces').click();
  await page.getByTestId('workspace-item').filter({ hasText: 'Workspace 1' }).click();
  await page.getByTestId('workspace-sql-route').check();
  await page.getByTestId('workspace-save').click();
  await page.getByTestId('workspace-item').filter({ hasText: 'Workspace 1' }).waitFor();
  await ui.shot('sql-route-workspace-en');

  await page.getByTestId('nav-chat').click();
  await page.getByTestId('chat-workspace').selectOption({ label: 'Workspace 1' });
  await page.getByTestId('chat-model').selectOption({ label: 'tiny-llama-chat' });
  await page.getByTestId('session-start').click();
  await page.getByTestId('session-info').waitFor();
  await page.getByTestId('question').fill('How many answers got each verdict?');
  await page.getByTestId('send').click();
  const table = page.getByTestId('sql-answer');
  await table.waitFor();
  const rows = await table.locator('tbody tr').allInnerTexts();
  assert.deepEqual(rows.map((row) => row.split('\t').map((cell) => cell.trim())), [['1', '10'], ['2', '10'], ['3', '10']]);
  assert.equal(await page.getByTestId('sql-answer-query').innerText(), query);
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`sql-route-answer-${language}`);
  }
  await page.getByTestId('language').selectOption('en');

  await page.getByTestId('nav-logs').click();
  await page.getByTestId('log-row').first().click();
  await page.getByTestId('tool-calls').waitFor();
  await page.getByTestId('tool-calls').locator('summary').click();
  assert.deepEqual(await page.getByTestId('tool-call').evaluateAll((items) => items.map((item) => [item.getAttribute('data-tool'), item.getAttribute('data-success')])), [
    ['route', 'true'],
    ['sql', 'true'],
  ]);
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`sql-route-steps-${language}`);
  }
  await page.getByTestId('language').selectOption('en');
});
