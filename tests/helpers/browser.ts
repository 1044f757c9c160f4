import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (ENGINEERING.md): Playwright cannot download its own browser here. */
export function chromiumPath(): string {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((candidate) => candidate && fs.existsSync(candidate));
  if (!found) throw new Error('No Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH.');
  return found;
}

/** Playwright gives a non-persistent launch its own fresh profile folder. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Screenshots go to test-results/screens (ignored by git) so a person can look at them. */
export const screenshotDir = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screens');

/**
 * The end-to-end set-up the UI tests share: the built renderer served by a real web bridge over
 * the given app core, and a fresh Chromium page at 1400×900 that reports page errors.
 */
export async function startUi(app: { core: import('../../electron/core/app-core.ts').AppCore }) {
  const { startWebBridge } = await import('../../electron/adapters/web/web-bridge.ts');
  const { projectRoot } = await import('../../electron/core/paths.ts');
  const rendererDir = path.join(projectRoot, 'out', 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error('Build the renderer first: npm run build:renderer');
  const bridge = await startWebBridge({ dispatch: app.core.dispatch, events: app.core.events, resolveCaller: app.core.resolveCaller, rendererDir });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => console.error('[page error]', error.message));
  return {
    bridge,
    browser,
    page,
    /** Saves a screenshot of the page under test-results/screens for a person to look at. */
    async shot(name: string, options: { fullPage?: boolean } = {}) {
      fs.mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), ...options });
    },
    async close() {
      await browser.close();
      await bridge.close();
    },
  };
}
