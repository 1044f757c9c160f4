/**
 * End to end in Chromium (issue 11): a first run from an empty data folder to a cited answer
 * without typing a path or an id: the checklist, "Get models" (a local server standing in for
 * Hugging Face), the embedder chosen, a workspace, documents picked in the file browser, a
 * question, its citation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { WebBridge } from '../electron/adapters/web/web-bridge.ts';
import { publishFixtureModels, startFakeHub, type FakeHub } from './fixtures/fake-hub.ts';
import { startUi } from './helpers/browser.ts';
import { openTestApp, type TestApp } from './helpers/app.ts';

let hub: FakeHub;
let app: TestApp;
let ui: Awaited<ReturnType<typeof startUi>>;
let bridge: WebBridge;
let page: Page;
const shot = (name: string) => ui.shot(`first-run-${name}`);

before(async () => {
  hub = await startFakeHub();
  await publishFixtureModels(hub);
  app = await openTestApp();
  // The one thing a test must set: where "Hugging Face" is.
  await app.call('settings.update', { hubUrl: hub.url });
  ui = await startUi(app);
  ({ bridge, page } = ui);
});

after(async () => {
  await ui?.close();
  await app?.close();
  await hub?.close();
});

test('first run: empty data folder to a cited answer, choosing everything with the mouse', { timeout: 180_000 }, async () => {
  // Documents the user already has, in a folder the file browser can reach.
  const samples = path.join(app.dataDir, 'samples');
  fs.mkdirSync(samples);
  fs.writeFileSync(path.join(samples, '就業規則.md'), '# 第3条 休暇\n年次有給休暇は入社6か月後に10日付与されます。申請は3日前までに行ってください。\n');
  fs.writeFileSync(path.join(samples, '연차규정.txt'), '연차휴가는 최소 사흘 전에 신청해야 합니다. 팀장의 승인이 필요합니다.\n');

  await page.goto(bridge.url);
  await page.getByTestId('checklist').waitFor();
  assert.equal(await page.getByTestId('step-model').getAttribute('data-done'), 'false');
  await shot('01-checklist');

  // Get models: the multilingual embedder first, then a chat model.
  await page.getByTestId('checklist-get-models').click();
  const e5 = page.locator('[data-testid="catalog-item"][data-id="multilingual-e5-small"]');
  await e5.getByTestId('catalog-download').click();
  await page.locator('[data-testid="catalog-item"][data-id="multilingual-e5-small"][data-state="installed"]').waitFor({ timeout: 60_000 });
  const qwen = page.locator('[data-testid="catalog-item"][data-id="qwen2.5-1.5b-instruct"]');
  await qwen.getByTestId('catalog-download').click();
  await page.locator('[data-testid="catalog-item"][data-id="qwen2.5-1.5b-instruct"][data-state="installed"]').waitFor({ timeout: 60_000 });
  await shot('02-downloads');
  assert.equal((await app.call('settings.get', {})).embedder, 'onnx:multilingual-e5-small', 'the first embedder became the default');

  // The checklist shows the model and the embedder done; the workspace is one click away.
  await page.getByTestId('nav-home').click();
  assert.equal(await page.getByTestId('step-model').getAttribute('data-done'), 'true');
  assert.equal(await page.getByTestId('step-embedder').getAttribute('data-done'), 'true');
  await page.getByTestId('checklist-workspace').click();
  await page.getByTestId('workspace-name').fill('인사 규정 PoC');
  await page.getByTestId('workspace-temperature').fill('0');
  await page.getByTestId('workspace-save').click();
  await page.getByTestId('workspace-item').first().waitFor();

  // Settings: the embedder picker lists what was installed.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('embedder-select').click();
  await page.getByRole('option', { name: /multilingual-e5-small · q8/ }).waitFor();
  await page.keyboard.press('Escape');
  await shot('03-settings');
  // Runtime fields, the caching switch among them, change only when saved.
  await page.getByTestId('settings-caching').uncheck();
  assert.equal((await app.call('settings.get', {})).caching, true, 'not saved before Save');
  await page.getByTestId('settings-runtime-save').click();
  await page.getByText('Runtime settings saved', { exact: false }).first().waitFor();
  assert.equal((await app.call('settings.get', {})).caching, false);
  await page.getByTestId('settings-caching').check();
  await page.getByTestId('settings-runtime-save').click();
  for (let i = 0; i < 50 && !(await app.call('settings.get', {})).caching; i++) await page.waitForTimeout(100);
  assert.equal((await app.call('settings.get', {})).caching, true);

  // Load the model.
  await page.getByTestId('nav-models').click();
  await page.getByTestId('model-load').click();
  await page.getByTestId('model-unload').waitFor();

  // Documents, picked in the file browser (the data folder's samples/ folder), never typed.
  await page.getByTestId('nav-documents').click();
  await page.getByTestId('documents-browse').click();
  const dialog = page.getByTestId('file-browser');
  await dialog.waitFor();
  await dialog.getByText('Data folder').click();
  await dialog.locator('[data-testid="file-browser-entry"][data-kind="folder"]', { hasText: 'samples' }).getByRole('button', { name: /Open samples/ }).click();
  for (const name of ['就業規則.md', '연차규정.txt']) await dialog.getByRole('checkbox', { name }).check();
  await shot('04-file-browser');
  await page.getByTestId('file-browser-choose').click();
  assert.equal((await page.getByTestId('document-paths').inputValue()).split('\n').length, 2);
  await page.getByTestId('documents-add').click();
  await page.locator('[data-testid="document-row"][data-status="ready"]').nth(1).waitFor({ timeout: 60_000 });
  await shot('05-documents');

  // Ask, and open the citation.
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('session-start').click();
  await page.getByTestId('session-info').waitFor();
  await page.getByTestId('question').fill('年次有給休暇は何日付与されますか？');
  await page.getByTestId('send').click();
  await page.getByTestId('citation').first().waitFor({ timeout: 60_000 });
  await page.getByTestId('citation').first().click();
  await page.getByTestId('passage-dialog').waitFor();
  assert.match(await page.getByTestId('passage-text').innerText(), /年次有給休暇/);
  await shot('06-cited-answer');
  await page.keyboard.press('Escape');
});
