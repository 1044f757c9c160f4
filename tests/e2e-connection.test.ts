/**
 * End to end in Chromium: the web bridge goes away under an open tab (issue 10). The page says
 * so, pauses its actions, keeps what was typed, and recovers by itself when the bridge comes back
 * with the same token; a bridge restarted with another token gets a clear "open the new address".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startWebBridge, type WebBridge } from '../electron/adapters/web/web-bridge.ts';
import { projectRoot } from '../electron/core/paths.ts';
import { launchBrowser, screenshotDir } from './helpers/browser.ts';
import { openTestApp, type TestApp } from './helpers/app.ts';

const rendererDir = path.join(projectRoot, 'out', 'renderer');
const token = 'connection-test-token-0123456789abcdef';
let app: TestApp;
let bridge: WebBridge;
let browser: Browser;
let page: Page;

const startBridge = (port: number, withToken = token) => startWebBridge({ dispatch: app.core.dispatch, events: app.core.events, resolveCaller: app.core.resolveCaller, rendererDir, port, token: withToken });

before(async () => {
  assert.ok(fs.existsSync(path.join(rendererDir, 'index.html')), 'build the renderer first: npm run build:renderer');
  app = await openTestApp();
  bridge = await startBridge(0);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

after(async () => {
  await browser?.close();
  await bridge?.close();
  await app?.close();
});

async function shot(name: string) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

test('connection lost: a banner, actions paused, typing kept; recovery when the bridge returns; a new token says what to open', { timeout: 120_000 }, async () => {
  const port = bridge.port;
  await page.goto(bridge.url);
  await page.getByTestId('checklist-workspace').click();
  await page.getByTestId('workspace-name').fill('Contracts PoC');

  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await bridge.close();
    const banner = page.getByTestId('connection-banner');
    await banner.waitFor({ timeout: 15_000 });
    assert.equal(await banner.getAttribute('data-state'), 'reconnecting');
    assert.equal(await page.locator('.main').getAttribute('inert'), '', 'the screens are inert while the backend is gone');
    await shot(`connection-lost-${language}`);
    // Clicking does nothing while inert; what was typed is still there.
    await page.getByTestId('workspace-save').click({ force: true, timeout: 2_000 }).catch(() => {});
    assert.equal(await page.getByTestId('workspace-name').inputValue(), 'Contracts PoC');

    bridge = await startBridge(port);
    await banner.waitFor({ state: 'detached', timeout: 20_000 });
  }

  await page.getByTestId('language').selectOption('en');
  await page.getByTestId('workspace-save').click();
  await page.getByTestId('workspace-item').first().waitFor();
  assert.equal((await app.call('workspaces.list', {}))[0]?.name, 'Contracts PoC');

  // Restarted with another token: the page cannot reconnect, and says what to do.
  await bridge.close();
  bridge = await startBridge(port, 'another-token-0123456789abcdefghijkl');
  const banner = page.getByTestId('connection-banner');
  await page.locator('[data-testid="connection-banner"][data-state="unauthorized"]').waitFor({ timeout: 20_000 });
  assert.match(await banner.innerText(), /restarted with a new address/);
  await shot('connection-new-address-en');
});
