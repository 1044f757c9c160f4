/**
 * End to end in Chromium (issue 11): every screen in English, Korean and Japanese, at 1400×900 and
 * at the minimum window size (960×600), screenshotted for a person to look at; input-method
 * composition never triggers a shortcut (Enter to send, Ctrl+Enter to save).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { screenshotDir, startUi } from './helpers/browser.ts';
import { openTestApp, type TestApp } from './helpers/app.ts';

const fixtures = await ensureFixtures();
let app: TestApp;
let ui: Awaited<ReturnType<typeof startUi>>;
let page: Page;

before(async () => {
  app = await openTestApp();
  // A workstation in use: a model, a workspace with a document, a session with judged answers.
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  await app.call('runtime.load', { modelId: model.id });
  const workspace = await app.call('workspaces.create', { name: '법무팀 계약 검토 PoC', businessDomain: 'Legal', systemPrompt: 'Answer briefly.', temperature: 0, maxTokens: 40, contextSize: 1024, similarityThreshold: -1, chunkSize: 48, chunkOverlap: 8 });
  await app.call('documents.addText', { workspaceId: workspace.id, docId: 'policy:1', title: '休暇規程', text: '年次有給休暇は三日前までに申請してください。연차는 사흘 전에 신청합니다.' });
  const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
  const first = await app.call('chat.ask', { sessionId: session.id, question: '해지 통보 기간은 며칠인가요?', requestId: 'seed-1' });
  await app.call('chat.ask', { sessionId: session.id, question: '契約の更新手続きは?', requestId: 'seed-2' });
  await app.call('evaluations.save', { logId: first.id, evaluation: 3, reason: '조항 번호가 틀림', correctAnswer: '30일 전에 서면으로 통보해야 합니다.', priority: 1 });
  ui = await startUi(app);
  page = ui.page;
  await page.goto(ui.bridge.url);
  await page.getByTestId('nav-chat').waitFor();
  // The session the seed made is the one the chat screen shows.
  await page.evaluate((id) => localStorage.setItem('evaldesk.sessionId', String(id)), session.id);
  await page.reload();
  await page.getByTestId('nav-chat').waitFor();
});

after(async () => {
  await ui?.close();
  await app?.close();
});

/**
 * Waits until this panel's save has returned. Not "any panel saved": an earlier answer's panel is
 * saved already, and matching it would read the verdict before it is stored.
 */
async function savedState(panel: Locator) {
  for (let polls = 0; (await panel.getAttribute('data-state')) !== 'saved' && polls < 200; polls++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await panel.getAttribute('data-state'), 'saved');
}

const screens = ['home', 'workspaces', 'models', 'downloads', 'chat', 'ab', 'logs', 'documents', 'export', 'reverify', 'reviews', 'users', 'audit', 'settings'] as const;

test('every screen in three languages at 1400×900 and at the minimum window size', { timeout: 180_000 }, async () => {
  fs.mkdirSync(screenshotDir, { recursive: true });
  for (const size of [{ width: 1400, height: 900 }, { width: 960, height: 600 }]) {
    await page.setViewportSize(size);
    for (const language of ['en', 'ko', 'ja'] as const) {
      await page.getByTestId('language').selectOption(language);
      for (const screen of screens) {
        await page.getByTestId(`nav-${screen}`).click();
        await page.waitForTimeout(150);
        // Nothing on a screen may overflow the window sideways.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `${screen} (${language}, ${size.width}×${size.height}) overflows sideways by ${overflow}px`);
        await page.screenshot({ path: path.join(screenshotDir, `screen-${screen}-${language}-${size.width}x${size.height}.png`) });
      }
    }
  }
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.getByTestId('language').selectOption('en');
});

test('input-method composition never fires a shortcut: Enter does not send, Ctrl+Enter does not save', { timeout: 60_000 }, async () => {
  await page.getByTestId('nav-chat').click();
  const question = page.getByTestId('question');
  await question.click();
  const cdp = await page.context().newCDPSession(page);
  const enterWhileComposing = async (modifiers = 0) => {
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229, nativeVirtualKeyCode: 229, modifiers });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229, modifiers });
  };
  const before = await page.getByTestId('exchange').count();
  // Typing 연차 with a Korean IME: Enter confirms the syllable, it must not send the question.
  await cdp.send('Input.imeSetComposition', { text: '연', selectionStart: 1, selectionEnd: 1 });
  await cdp.send('Input.imeSetComposition', { text: '연차', selectionStart: 2, selectionEnd: 2 });
  await enterWhileComposing();
  await cdp.send('Input.insertText', { text: '연차' });
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('streaming-answer').count(), 0, 'nothing was sent while composing');
  assert.equal(await question.inputValue(), '연차');
  // After the composition, Enter sends.
  await question.press('Enter');
  await page.getByTestId('exchange').nth(before).waitFor();

  // In the correction of a verdict 3, Ctrl+Enter while composing Japanese must not save.
  const panel = page.getByTestId('evaluation-panel').last();
  await panel.focus();
  await page.keyboard.press('3');
  const correction = page.getByTestId('correct-answer').last();
  await correction.waitFor();
  await correction.fill('');
  await cdp.send('Input.imeSetComposition', { text: 'さんじゅう', selectionStart: 5, selectionEnd: 5 });
  await enterWhileComposing(2 /* Ctrl */);
  await page.waitForTimeout(300);
  assert.notEqual(await panel.getAttribute('data-state'), 'saved', 'Ctrl+Enter during composition did not save');
  await cdp.send('Input.insertText', { text: '三十日' });
  await correction.press('Control+Enter');
  await savedState(panel);
  const saved = await app.call('logs.get', { id: Number(await page.getByTestId('exchange').last().getAttribute('data-log-id')) });
  assert.equal(saved.evaluations[0]?.correctAnswer, '三十日');
});

test('judging with the keyboard: a 3 without a correct answer asks once; the log browser moves with j/k and judges with 1/2/3', { timeout: 60_000 }, async () => {
  await page.getByTestId('nav-chat').click();
  const panel = page.getByTestId('evaluation-panel').last();
  await panel.focus();
  await page.keyboard.press('3');
  const correction = page.getByTestId('correct-answer').last();
  await correction.fill('');
  await correction.press('Control+Enter');
  await page.getByTestId('confirm-empty').waitFor();
  assert.notEqual(await panel.getAttribute('data-state'), 'saved', 'nothing saved before the answer to the question');
  await page.getByTestId('confirm-empty-save').click();
  await savedState(panel);
  await page.screenshot({ path: path.join(screenshotDir, 'judging-saved.png') });
  assert.match(await page.getByTestId('eval-progress').innerText(), /of/);

  await page.getByTestId('nav-logs').click();
  await page.getByTestId('log-row').first().waitFor();
  await page.getByTestId('logs-screen').focus();
  await page.keyboard.press('j');
  await page.getByTestId('log-detail').waitFor();
  const firstId = await page.locator('[data-testid="log-detail"] h3').innerText();
  await page.keyboard.press('j');
  await page.locator('[data-testid="log-detail"] h3').filter({ hasNotText: firstId }).waitFor();
  await page.keyboard.press('k');
  await page.locator('[data-testid="log-detail"] h3').filter({ hasText: firstId }).waitFor();
  await page.getByTestId('logs-screen').focus();
  await page.keyboard.press('1');
  await page.locator('[data-testid="log-detail"] [data-testid="verdict-1"][aria-pressed="true"]').waitFor();
  await page.keyboard.press('Control+Enter');
  // The log was judged 3 in the chat, so its panel already read "saved"; and once saved the browser
  // moves on to the next unjudged log, so the panel may be gone before it could be read. The
  // stored verdict is what must change: poll it (bounded).
  const id = Number(firstId.replace('#', ''));
  let stored: number | undefined;
  for (let waited = 0; waited < 15_000 && stored !== 1; waited += 100) {
    stored = (await app.call('logs.get', { id })).evaluations[0]?.evaluation;
    if (stored !== 1) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(stored, 1);
});

test('"Sync watched now" says what it did', { timeout: 30_000 }, async () => {
  await page.getByTestId('nav-documents').click();
  await page.getByTestId('documents-sync').click();
  assert.match(await page.getByTestId('sync-summary').innerText(), /No watched documents|Checked the watched files/);
});

test('a trained adapter registered as a version appears under its base model', { timeout: 60_000 }, async () => {
  const { ensureLoraFixtures } = await import('./fixtures/tiny-lora.ts');
  const lora = await ensureLoraFixtures();
  await page.getByTestId('nav-models').click();
  // The loaded model says how its prompts are built: its own template, tokenized as one text.
  assert.match(await page.getByTestId('prompt-format').innerText(), /chat template, tokenized as one text/);
  await page.getByTestId('version-register').first().click();
  await page.getByTestId('version-dialog').waitFor();
  await page.getByTestId('version-adapter').fill(lora.mlx);
  await page.getByTestId('version-save').click();
  await page.getByTestId('version-row').first().waitFor();
  await page.getByTestId('version-dialog').waitFor({ state: 'detached' });
  assert.match(await page.getByTestId('version-tree').first().innerText(), /v1[\s\S]*MLX ×1/);
  await page.screenshot({ path: path.join(screenshotDir, 'models-versions.png') });

  // Ask the version: a session bound to v1, its adapter applied on the loaded base.
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('chat-version').selectOption({ label: 'v1' });
  const before = await page.getByTestId('session-info').innerText();
  await page.getByTestId('session-start').click();
  await page.getByTestId('session-info').filter({ hasNotText: before }).waitFor();
  assert.match(await page.getByTestId('session-info').innerText(), /· v1$/);
  await page.getByTestId('question').fill('What changed in v1?');
  await page.getByTestId('question').press('Enter');
  await page.locator('[data-testid="exchange"]').last().filter({ hasText: 'What changed in v1?' }).waitFor();
  await page.screenshot({ path: path.join(screenshotDir, 'chat-version.png') });
});

test('blind A/B in the UI: two answers, a choice by key, the reveal and the tally', { timeout: 60_000 }, async () => {
  // Runs after the version test above registered v1 on the loaded base.
  await page.getByTestId('nav-ab').click();
  await page.getByTestId('ab-first').selectOption('');
  await page.getByTestId('ab-second').selectOption({ label: 'v1' });
  await page.getByTestId('ab-question').fill('해지 통보 기간은?');
  await page.getByTestId('ab-ask').click();
  await page.getByTestId('ab-choices').waitFor();
  assert.equal(await page.getByTestId('ab-reveal-a').count(), 0, 'identities hidden before the choice');
  await page.getByTestId('ab-screen').focus();
  await page.keyboard.press('a');
  await page.getByTestId('ab-reveal-a').waitFor();
  const names = [await page.getByTestId('ab-reveal-a').textContent(), await page.getByTestId('ab-reveal-b').textContent()].sort();
  // The service sends the model's name with no version name; the screen labels the base in English here (versions.baseLabel).
  assert.deepEqual(names, ['tiny-llama-chat (base)', 'v1'].sort());
  await page.getByTestId('ab-tally').waitFor();
  assert.match(await page.getByTestId('ab-tally').innerText(), /1 : 0|0 : 1/);
  await page.screenshot({ path: path.join(screenshotDir, 'ab-reveal.png') });
});
