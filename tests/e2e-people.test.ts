/**
 * Several people, end to end in Chromium (issue 14): the admin signs in, creates an evaluator,
 * makes two evaluators members of a workspace and sets up a review queue with two evaluators per
 * answer; each evaluator signs in in their own browser context, sees only their workspace and
 * their queue and judges the same answer with the keyboard, differently; a manager sees the
 * disagreement in the agreement panel and settles it. Screens in English, Korean and Japanese
 * go to /tmp/review-shots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { openTestApp, type TestApp } from './helpers/app.ts';
import { startUi } from './helpers/browser.ts';
import { seedLogs } from './helpers/seed.ts';

const shots = '/tmp/review-shots';
const adminPassword = 'long enough password 1';
const evaluatorPassword = 'correct horse battery 9';
const managerPassword = 'manager keeps order 7';

let app: TestApp;
let ui: Awaited<ReturnType<typeof startUi>>;
let admin: Page;
let kaiId: number;
const contexts: BrowserContext[] = [];

async function shot(page: Page, name: string) {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function signIn(page: Page, username: string, password: string) {
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('nav-reviews').waitFor();
}

async function newPerson(): Promise<Page> {
  const context = await ui.browser.newContext({ viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('[page error]', error.message));
  await page.goto(ui.bridge.url);
  await page.getByTestId('signin-form').waitFor();
  return page;
}

before(async () => {
  app = await openTestApp();
  // Two workspaces of unjudged answers; the evaluators will be members of the first only.
  seedLogs(app.core.internals!.db.raw, { logs: 6, workspaces: 2, models: 1, verdict: () => null, question: (i) => ['연차 휴가는 며칠인가요?', '経費の締め日は?', 'How do I reset the VPN token?'][i % 3]! + ` #${i}` });
  await app.call('auth.enableMultiUser', { username: 'lead', displayName: 'Lead', password: adminPassword });
  const kai = await app.call('users.create', { username: 'kai', displayName: 'Kai', role: 'evaluator', securityLevel: 1, password: evaluatorPassword });
  kaiId = kai.user.id;
  // The manager settles disputes; managers see every workspace (issue 14's roles).
  await app.call('users.create', { username: 'mia', displayName: 'Mia', role: 'manager', securityLevel: 2, password: managerPassword });
  ui = await startUi(app);
  admin = ui.page;
  await admin.goto(ui.bridge.url);
  await admin.getByTestId('signin-form').waitFor();
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await ui?.close();
  await app?.close();
});

test('the admin creates an evaluator, adds two members and a queue with 2 evaluators per answer', { timeout: 90_000 }, async () => {
  await signIn(admin, 'lead', adminPassword);
  await admin.getByTestId('nav-users').click();
  await admin.getByTestId('user-add').click();
  await admin.getByTestId('user-username').fill('eva');
  await admin.getByTestId('user-display-name').fill('Eva');
  await admin.getByTestId('user-role').selectOption('evaluator');
  await admin.getByTestId('user-password').fill(evaluatorPassword);
  await admin.getByTestId('user-save').click();
  await admin.getByTestId('recovery-codes-done').click();
  await admin.locator('[data-testid="user-row"][data-username="eva"]').waitFor();
  const evaId = Number(await admin.locator('[data-testid="user-row"][data-username="eva"]').getAttribute('data-user-id'));

  await admin.getByTestId('nav-workspaces').click();
  await admin.getByTestId('workspace-item').filter({ hasText: 'Workspace 1' }).click();
  for (const [username, id] of [['eva', evaId], ['kai', kaiId]] as const) {
    await admin.getByTestId('member-add-select').selectOption(String(id));
    await admin.getByTestId('member-add').click();
    await admin.locator(`[data-testid="member-row"][data-username="${username}"]`).waitFor();
  }

  await admin.getByTestId('nav-reviews').click();
  await admin.getByTestId('reviews-workspace').selectOption({ label: 'Workspace 1' });
  await admin.getByTestId('queues-empty').waitFor();
  await admin.getByTestId('queue-new').click();
  await admin.getByTestId('queue-name').fill('1차 검수');
  await admin.locator('[data-testid="queue-evaluator"][data-username="eva"]').check();
  await admin.locator('[data-testid="queue-evaluator"][data-username="kai"]').check();
  await admin.getByTestId('queue-per-item').fill('2');
  await admin.getByTestId('queue-limit').fill('3');
  await shot(admin, 'new-queue-en');
  await admin.getByTestId('queue-save').click();
  await admin.getByTestId('queue-row').waitFor();
  const counts = await admin.getByTestId('queue-progress-count').allInnerTexts();
  assert.deepEqual(counts, ['0 of 3', '0 of 3']);
  await shot(admin, 'reviews-admin-en');

  await admin.getByTestId('user-menu').click();
  await admin.getByTestId('user-menu-sign-out').click();
  await admin.getByTestId('signin-form').waitFor();
});

test('each evaluator sees only their workspace and queue and judges the same answer with the keyboard', { timeout: 90_000 }, async () => {
  const eva = await newPerson();
  await signIn(eva, 'eva', evaluatorPassword);
  await eva.getByTestId('nav-reviews').click();
  const options = await eva.getByTestId('reviews-workspace').locator('option').allInnerTexts();
  assert.deepEqual(options, ['Workspace 1']);
  assert.equal(await eva.getByTestId('nav-users').count(), 0);
  await eva.getByTestId('queue-row').waitFor();
  assert.equal(await eva.getByTestId('queue-row').count(), 1);
  await eva.getByTestId('my-queue-progress').filter({ hasText: '0 of 3 done' }).waitFor();
  await eva.getByTestId('queue-entry').first().click();
  await eva.getByTestId('evaluation-panel').waitFor();
  assert.equal(await eva.getByTestId('hidden-verdicts').count(), 0, 'nobody else has judged yet');
  await eva.getByTestId('evaluation-panel').focus();
  await eva.keyboard.press('1');
  await eva.keyboard.press('Control+Enter');
  await eva.getByTestId('my-queue-progress').filter({ hasText: '1 of 3 done' }).waitFor();
  await eva.locator('[data-testid="queue-entry"][data-done="true"]').first().waitFor();
  await shot(eva, 'my-queue-en');

  const kai = await newPerson();
  await signIn(kai, 'kai', evaluatorPassword);
  await kai.getByTestId('nav-reviews').click();
  await kai.getByTestId('my-queue-progress').filter({ hasText: '0 of 3 done' }).waitFor();
  await kai.getByTestId('queue-entry').first().click();
  // Blind judging: Eva's verdict is hidden until Kai saves his own.
  await kai.getByTestId('hidden-verdicts').filter({ hasText: '1 other verdict is hidden until you save yours.' }).waitFor();
  await kai.getByTestId('evaluation-panel').focus();
  await kai.keyboard.press('3');
  await kai.getByTestId('correct-answer').waitFor();
  await kai.getByTestId('correct-answer').fill('The right answer, written by Kai.');
  await kai.keyboard.press('Control+Enter');
  await kai.getByTestId('my-queue-progress').filter({ hasText: '1 of 3 done' }).waitFor();
  for (const language of ['ko', 'ja'] as const) {
    await kai.getByTestId('language').selectOption(language);
    await kai.getByTestId('my-queue').waitFor();
    await shot(kai, `my-queue-${language}`);
  }
  await kai.getByTestId('language').selectOption('en');
});

test('the manager sees the disagreement in the agreement panel and adjudicates it', { timeout: 90_000 }, async () => {
  const manager = await newPerson();
  await signIn(manager, 'mia', managerPassword);
  await manager.getByTestId('nav-reviews').click();
  await manager.getByTestId('reviews-workspace').selectOption({ label: 'Workspace 1' });
  await manager.getByTestId('agreement-panel').waitFor();
  await manager.getByTestId('disagreement-row').waitFor();
  assert.equal(await manager.getByTestId('disagreement-row').count(), 1);
  const verdicts = await manager.getByTestId('disagreement-verdict').allInnerTexts();
  assert.deepEqual(verdicts.sort(), ['Eva: 1', 'Kai: 3']);
  assert.deepEqual(await manager.getByTestId('queue-progress-count').allInnerTexts(), ['1 of 3', '1 of 3']);
  assert.equal(await manager.getByTestId('kappa-row').count(), 1);
  await shot(manager, 'agreement-en');

  await manager.getByTestId('adjudicate').click();
  await manager.getByTestId('adjudicate-verdict-2').check();
  await manager.getByTestId('adjudicate-correction').fill('Final correction by the manager.');
  await manager.getByTestId('adjudicate-reason').fill('partly right');
  await shot(manager, 'adjudicate-en');
  await manager.getByTestId('adjudicate-save').click();
  await manager.getByTestId('final-verdict').filter({ hasText: 'Final: 2' }).waitFor();
  assert.match(await manager.getByTestId('agreement-summary').innerText(), /1 adjudicated/);

  for (const language of ['ko', 'ja'] as const) {
    await manager.getByTestId('language').selectOption(language);
    await manager.getByTestId('agreement-panel').waitFor();
    await shot(manager, `reviews-manager-${language}`);
    await manager.getByTestId('queue-new').click();
    await manager.getByTestId('queue-dialog').getByTestId('queue-name').waitFor();
    await shot(manager, `new-queue-${language}`);
    await manager.keyboard.press('Escape');
    await manager.getByTestId('queue-name').waitFor({ state: 'detached' });
  }
  await manager.getByTestId('language').selectOption('en');
});

test('prompt templates with variables, the history compared side by side, and the values asked before a session', { timeout: 90_000 }, async () => {
  await signIn(admin, 'lead', adminPassword);
  await admin.getByTestId('nav-workspaces').click();
  await admin.getByTestId('workspace-item').filter({ hasText: 'Workspace 1' }).click();
  await admin.getByTestId('prompt-templates').waitFor();
  await admin.getByTestId('template-add').click();
  await admin.getByTestId('template-name').fill('Team answers');
  await admin.getByTestId('template-body').fill('You answer for the {{team}} team. Today is {{today}}.');
  await admin.getByTestId('template-problems').waitFor();
  await admin.getByTestId('variable-add').click();
  await admin.getByTestId('variable-name').fill('team');
  await admin.getByTestId('variable-required').check();
  await admin.getByTestId('template-default').check();
  await admin.getByTestId('template-problems').waitFor({ state: 'detached' });
  await shot(admin, 'template-dialog-en');
  await admin.getByTestId('template-save').click();
  await admin.getByTestId('template-row').filter({ hasText: 'Team answers' }).waitFor();

  await admin.getByTestId('template-edit').click();
  await admin.getByTestId('template-body').fill('You answer briefly for the {{team}} team. Today is {{today}}.');
  await admin.getByTestId('template-save').click();
  await admin.getByTestId('template-dialog').waitFor({ state: 'detached' });
  await admin.locator('[data-testid="prompt-version"]').nth(1).waitFor();
  const versions = admin.getByTestId('prompt-version-compare');
  await versions.nth(0).check();
  await versions.nth(1).check();
  await admin.getByTestId('prompt-compare').waitFor();
  assert.ok((await admin.locator('[data-testid="prompt-compare"] ins').count()) > 0, 'the newer version adds a word');
  await admin.getByTestId('prompt-compare').scrollIntoViewIfNeeded();
  for (const language of ['en', 'ko', 'ja'] as const) {
    await admin.getByTestId('language').selectOption(language);
    await admin.getByTestId('prompt-compare').waitFor();
    await shot(admin, `prompt-history-${language}`);
  }
  await admin.getByTestId('language').selectOption('en');

  await admin.getByTestId('nav-chat').click();
  await admin.getByTestId('session-start').click();
  await admin.getByTestId('variable-team').waitFor();
  assert.ok(await admin.getByTestId('variables-start').isDisabled(), 'a required variable without a value');
  await admin.getByTestId('variable-team').fill('법무');
  await shot(admin, 'session-variables-en');
  await admin.getByTestId('variables-start').click();
  await admin.getByTestId('variable-team').waitFor({ state: 'detached' });
});
