import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Session, WebContents } from 'electron';
import { ipcChannels } from '../electron/adapters/ipc/channels.ts';
import { registerIpcAdapter } from '../electron/adapters/ipc/ipc-adapter.ts';
import { appSchemePrivileges, contentTypeFor, createAppRequestHandler, resolveAppRequest } from '../electron/main/app-protocol.ts';
import { appEntryUrl, appProtocol, buildContentSecurityPolicy, createUrlTrust, externalLinkAllowed } from '../electron/main/security-policy.ts';
import { guardWebContents, lockDownSession } from '../electron/main/web-contents-guards.ts';
import { fakeIpcMain } from './helpers/fake-ipc.ts';
import { openTestApp, tempDir } from './helpers/app.ts';

/**
 * The desktop shell's security rules. No Electron binary can run here (ENGINEERING.md), so the
 * policy, the app:// request resolution and the guards are tested as the plain modules they are
 * (the guards against fake webContents/session objects with Electron's event shapes), and the
 * Electron-only wiring in electron/main/index.ts is checked as source text.
 */

const repoRoot = path.resolve(import.meta.dirname, '..');
const read = (relative: string) => fs.readFileSync(path.join(repoRoot, relative), 'utf8');

const prodTrust = createUrlTrust({ appScheme: appProtocol.scheme, appHost: appProtocol.host });
const devTrust = createUrlTrust({ appScheme: appProtocol.scheme, appHost: appProtocol.host, devUrl: 'http://localhost:5173' });

/** URLs that must never count as EvalDesk's own page, in any mode. */
const hostileUrls = [
  'app://evaldesk/../x',
  'app://evaldesk/%2e%2e/x',
  'app://evaldesk/%2E%2E%2Fx',
  'app://evaldesk/..%2fx',
  'app://evaldesk/.%2e/x',
  'app://evaldesk/%2e./x',
  'app://evaldesk/assets/..%5c..%5cx',
  'app://evaldesk/assets/..\\..\\x',
  'app://evaldesk/.\t./x',
  'app://evaldesk/./index.html',
  'app://evaldesk/%00',
  'app://evaldesk/%E0%A4%A',
  'app://evaldesk/C:/Windows/win.ini',
  'app://other/index.html',
  'app://evaldesk.evil.com/index.html',
  'app://evaldesk:8080/index.html',
  'app://user:pw@evaldesk/index.html',
  'app:evaldesk/index.html',
  'file:///app/out/renderer/index.html',
  'file:///app/out/renderer-x/index.html',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'https://huggingface.co/',
  'http://localhost:5173.evil.com/',
  'http://localhost:51730/',
  'http://localhost:5173@evil.com/',
  'http://user:pw@localhost:5173/',
  'https://localhost:5173/',
  'http://127.0.0.1:5173/',
  'ws://localhost:5173/',
  '',
  'not a url',
];

describe('URL trust', () => {
  test('accepts the app protocol pages', () => {
    for (const url of [appEntryUrl, 'app://evaldesk/', 'app://evaldesk/assets/index-3f2a.js', 'app://evaldesk/index.html#token=abc', 'app://evaldesk/index.html?x=1']) {
      assert.equal(prodTrust.isTrustedUrl(url), true, url);
      assert.equal(devTrust.isTrustedUrl(url), true, url);
    }
    assert.equal(appEntryUrl, 'app://evaldesk/index.html');
  });

  test('refuses path escapes, other schemes, hosts, ports and look-alike origins', () => {
    for (const url of hostileUrls) {
      assert.equal(prodTrust.isTrustedUrl(url), false, `prod trusted ${JSON.stringify(url)}`);
      assert.equal(devTrust.isTrustedUrl(url), false, `dev trusted ${JSON.stringify(url)}`);
    }
  });

  test('trusts the dev server only by its exact origin, and only when one is configured', () => {
    for (const url of ['http://localhost:5173', 'http://localhost:5173/', 'http://localhost:5173/src/main.tsx?t=1']) {
      assert.equal(devTrust.isTrustedUrl(url), true, url);
      assert.equal(prodTrust.isTrustedUrl(url), false, url);
    }
    assert.equal(devTrust.devOrigin, 'http://localhost:5173');
    assert.equal(prodTrust.devOrigin, null);
  });

  test('refuses a dev URL that is not a loopback http(s) origin', () => {
    for (const devUrl of ['https://evil.com', 'http://localhost.evil.com:5173', 'file:///tmp/index.html', 'javascript:alert(1)', 'http://u:p@localhost:5173', 'nonsense']) {
      assert.throws(() => createUrlTrust({ appScheme: 'app', appHost: 'evaldesk', devUrl }), /dev URL/, devUrl);
    }
  });
});

describe('external links', () => {
  test('opens only https links to the allow-listed hosts', () => {
    for (const url of ['https://huggingface.co/', 'https://huggingface.co/ggml-org/models?sort=trending', 'https://node-llama-cpp.withcat.ai/guide/']) {
      assert.equal(externalLinkAllowed(url), true, url);
    }
    for (const url of [
      'https://huggingface.co.evil.com/',
      'https://huggingface.co%2eevil.com/',
      'https://evil.huggingface.co/',
      'https://user:pw@huggingface.co/',
      'https://user@huggingface.co/',
      'http://huggingface.co/',
      'https://huggingface.co:8443/',
      'https://evil.com/?next=https://huggingface.co/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'app://evaldesk/index.html',
      'not a url',
    ]) {
      assert.equal(externalLinkAllowed(url), false, url);
    }
  });
});

describe('app:// request resolution', () => {
  const root = path.join(tempDir('evaldesk-security-'), 'out', 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.mkdirSync(path.join(root, '..', 'renderer-x'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>EvalDesk</title>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'export {};');
  fs.writeFileSync(path.join(root, '..', 'renderer-x', 'secret.txt'), 'sibling secret');
  fs.writeFileSync(path.join(root, '..', 'secret.txt'), 'parent secret');

  const isInsideRoot = (file: string) => {
    const relative = path.relative(root, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  };

  test('maps app URLs to files in the renderer root', () => {
    assert.equal(resolveAppRequest('app://evaldesk/', root), path.join(root, 'index.html'));
    assert.equal(resolveAppRequest('app://evaldesk', root), path.join(root, 'index.html'));
    assert.equal(resolveAppRequest('app://evaldesk/index.html?x=1#y', root), path.join(root, 'index.html'));
    assert.equal(resolveAppRequest('app://evaldesk/assets/app.js', root), path.join(root, 'assets', 'app.js'));
    assert.equal(resolveAppRequest('app://evaldesk/assets/my%20file.js', root), path.join(root, 'assets', 'my file.js'));
  });

  test('refuses every escape, encoded or not, and other origins', () => {
    for (const url of [...hostileUrls, 'app://evaldesk/..%2frenderer-x%2fsecret.txt', 'app://evaldesk/%2e%2e%2fsecret.txt', 'app://evaldesk/assets/%2e%2e%2f%2e%2e%2fsecret.txt']) {
      assert.equal(resolveAppRequest(url, root), null, JSON.stringify(url));
    }
  });

  test('never returns a path outside the root, whatever the segments (generated URLs)', () => {
    const pieces = ['..', '.', '%2e%2e', '%2E.', '.%2e', '%2e', '..%2f', '..%5c', '%2f', '%5c', '\\', '%00', '%252e%252e', 'assets', 'index.html', 'renderer-x', 'a:b', '', '%'];
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    let resolved = 0;
    for (let i = 0; i < 5000; i++) {
      const segments = Array.from({ length: 1 + (next() % 5) }, () => pieces[next() % pieces.length]);
      const url = `app://evaldesk/${segments.join('/')}`;
      const file = resolveAppRequest(url, root);
      if (file === null) continue;
      resolved++;
      assert.ok(isInsideRoot(file), `${url} -> ${file}`);
    }
    assert.ok(resolved > 0, 'some generated URLs are legitimate');
  });

  test('serves files with their content type and the CSP, and nothing else', async () => {
    const csp = buildContentSecurityPolicy();
    const handle = createAppRequestHandler({ rendererRoot: root, contentSecurityPolicy: csp });

    const index = await handle(new Request('app://evaldesk/index.html'));
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('content-security-policy'), csp);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await index.text(), /<title>EvalDesk<\/title>/);

    const script = await handle(new Request('app://evaldesk/assets/app.js'));
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await script.text(), 'export {};');

    const head = await handle(new Request('app://evaldesk/', { method: 'HEAD' }));
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');

    for (const url of ['app://evaldesk/..%2frenderer-x%2fsecret.txt', 'app://evaldesk/%2e%2e%2fsecret.txt', 'app://evaldesk/assets/', 'app://evaldesk/missing.js', 'app://other/index.html']) {
      const response = await handle(new Request(url));
      assert.equal(response.status, 404, url);
      assert.doesNotMatch(await response.text(), /secret/);
    }
    assert.equal((await handle(new Request('app://evaldesk/index.html', { method: 'POST', body: 'x' }))).status, 405);
  });

  test('hands the fetcher a file:// URL inside the root and maps failures to 404', async () => {
    const asked: string[] = [];
    const handle = createAppRequestHandler({
      rendererRoot: root,
      contentSecurityPolicy: buildContentSecurityPolicy(),
      fetchFile: async (fileUrl) => {
        asked.push(fileUrl);
        return new Response(null, { status: 404 });
      },
    });
    assert.equal((await handle(new Request('app://evaldesk/assets/app.js'))).status, 404);
    assert.equal(asked.length, 1);
    assert.ok(asked[0]!.startsWith('file://') && isInsideRoot(new URL(asked[0]!).pathname));
  });

  test('content types cover what the renderer build emits', () => {
    assert.equal(contentTypeFor('a/b.MJS'), 'text/javascript; charset=utf-8');
    assert.equal(contentTypeFor('x.css'), 'text/css; charset=utf-8');
    assert.equal(contentTypeFor('x.woff2'), 'font/woff2');
    assert.equal(contentTypeFor('x.svg'), 'image/svg+xml');
    assert.equal(contentTypeFor('x.unknown'), 'application/octet-stream');
  });

  test('the scheme is standard and secure, without CORS or a CSP bypass', () => {
    assert.deepEqual({ ...appSchemePrivileges }, { standard: true, secure: true, supportFetchAPI: true });
  });
});

describe('Content-Security-Policy', () => {
  const directives = (policy: string) => new Map(policy.split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));

  test('allows only the app itself in production', () => {
    const policy = directives(buildContentSecurityPolicy());
    assert.deepEqual(policy.get('default-src'), ["'self'"]);
    assert.deepEqual(policy.get('script-src'), ["'self'"]);
    assert.deepEqual(policy.get('connect-src'), ["'self'"]);
    for (const name of ['object-src', 'frame-src', 'base-uri', 'form-action', 'frame-ancestors']) assert.deepEqual(policy.get(name), ["'none'"], name);
    assert.doesNotMatch(buildContentSecurityPolicy(), /unsafe-eval|file:|\*/);
  });

  test('adds the dev server and its HMR websocket in dev mode only', () => {
    const policy = directives(buildContentSecurityPolicy({ devOrigin: 'http://localhost:5173' }));
    assert.deepEqual(policy.get('connect-src'), ["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
    assert.deepEqual(policy.get('script-src'), ["'self'"]);
  });

  test("the renderer's own <meta> CSP names no file:// source and keeps 'self'", () => {
    const html = read('renderer/index.html');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    assert.ok(meta, 'renderer/index.html has a CSP meta tag');
    assert.doesNotMatch(meta[1]!, /file:/);
    assert.deepEqual(directives(meta[1]!).get('default-src'), ["'self'"]);
  });
});

describe('webContents and session guards', () => {
  interface FakeEvent {
    url: string;
    isMainFrame: boolean;
    prevented: boolean;
    preventDefault(): void;
  }
  const navigationEvent = (url: string, isMainFrame = true): FakeEvent => ({
    url,
    isMainFrame,
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  });

  function guardedContents() {
    const emitter = new EventEmitter();
    let windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
    const opened: string[] = [];
    const contents = Object.assign(emitter, {
      setWindowOpenHandler: (handler: typeof windowOpenHandler) => {
        windowOpenHandler = handler;
      },
    });
    guardWebContents(contents as unknown as WebContents, {
      isTrustedUrl: devTrust.isTrustedUrl,
      externalLinkAllowed,
      openExternal: (url) => opened.push(url),
    });
    const navigate = (eventName: string, url: string, isMainFrame = true) => {
      const event = navigationEvent(url, isMainFrame);
      emitter.emit(eventName, event);
      return event.prevented;
    };
    return { emitter, opened, navigate, openWindow: (url: string) => windowOpenHandler!({ url }) };
  }

  test('navigation, frame navigation and redirects stay on trusted URLs', () => {
    const { navigate, opened } = guardedContents();
    for (const eventName of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      assert.equal(navigate(eventName, 'app://evaldesk/index.html'), false, eventName);
      assert.equal(navigate(eventName, 'http://localhost:5173/'), false, eventName);
      for (const url of hostileUrls) assert.equal(navigate(eventName, url), true, `${eventName} ${url}`);
      assert.equal(navigate(eventName, 'https://huggingface.co/ggml-org', false), true, eventName);
    }
    // Of all these, only the allow-listed page clicked in the main frame (will-navigate) went to
    // the browser; subframes, redirects and every other URL were just stopped.
    assert.deepEqual(opened, ['https://huggingface.co/']);
  });

  test('a clicked allow-listed link opens in the browser, once, instead of in the window', () => {
    const { navigate, opened } = guardedContents();
    assert.equal(navigate('will-navigate', 'https://huggingface.co/ggml-org'), true);
    assert.equal(navigate('will-frame-navigate', 'https://huggingface.co/ggml-org'), true);
    assert.deepEqual(opened, ['https://huggingface.co/ggml-org']);
  });

  test('window.open is always denied; only allow-listed links reach the browser', () => {
    const { openWindow, opened } = guardedContents();
    for (const url of ['https://huggingface.co/x', 'app://evaldesk/index.html', 'https://huggingface.co.evil.com/', 'http://huggingface.co/', 'file:///etc/passwd', 'javascript:alert(1)']) {
      assert.deepEqual(openWindow(url), { action: 'deny' }, url);
    }
    assert.deepEqual(opened, ['https://huggingface.co/x']);
  });

  test('webviews are refused and Bluetooth device choosers are cancelled', () => {
    const { emitter } = guardedContents();
    const attach = navigationEvent('');
    emitter.emit('will-attach-webview', attach, {}, { src: 'https://evil.com' });
    assert.equal(attach.prevented, true);
    const choose = navigationEvent('');
    let chosen: string | null = null;
    emitter.emit('select-bluetooth-device', choose, [{ deviceId: 'dev-1', deviceName: 'Keyboard' }], (id: string) => (chosen = id));
    assert.deepEqual([choose.prevented, chosen], [true, '']);
  });

  test('the session refuses every permission, device and download, and sends the CSP', () => {
    const handlers = new Map<string, (...args: never[]) => unknown>();
    const emitter = new EventEmitter();
    const fakeSession = Object.assign(emitter, {
      setPermissionRequestHandler: (handler: never) => handlers.set('request', handler),
      setPermissionCheckHandler: (handler: never) => handlers.set('check', handler),
      setDevicePermissionHandler: (handler: never) => handlers.set('device', handler),
      setUSBProtectedClassesHandler: (handler: never) => handlers.set('usb', handler),
      setBluetoothPairingHandler: (handler: never) => handlers.set('bluetooth', handler),
      webRequest: { onHeadersReceived: (handler: never) => handlers.set('headers', handler) },
    });
    const csp = buildContentSecurityPolicy();
    lockDownSession(fakeSession as unknown as Session, { contentSecurityPolicy: csp });
    const call = (name: string, ...args: unknown[]) => (handlers.get(name) as (...a: unknown[]) => unknown)(...args);

    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid']) {
      let granted: boolean | null = null;
      call('request', {}, permission, (answer: boolean) => (granted = answer), {});
      assert.equal(granted, false, permission);
      assert.equal(call('check', null, permission, 'app://evaldesk', {}), false, permission);
    }
    assert.equal(call('device', { deviceType: 'usb', origin: 'app://evaldesk', device: {} }), false);
    assert.deepEqual(call('usb', { protectedClasses: ['audio', 'hid'] }), ['audio', 'hid']);
    let pairing: unknown = null;
    call('bluetooth', { deviceId: 'x', pairingKind: 'confirm', frame: null }, (response: unknown) => (pairing = response));
    assert.deepEqual(pairing, { confirmed: false });

    const download = navigationEvent('');
    emitter.emit('will-download', download, {}, {});
    assert.equal(download.prevented, true);

    let headers: Record<string, string[]> | null = null;
    call('headers', { responseHeaders: { 'X-Other': ['1'] } }, (response: { responseHeaders: Record<string, string[]> }) => (headers = response.responseHeaders));
    assert.deepEqual(headers, { 'X-Other': ['1'], 'Content-Security-Policy': [csp] });
  });
});

test('the IPC adapter serves only frames the URL trust accepts', async () => {
  const app = await openTestApp();
  const { ipcMain, handlers } = fakeIpcMain();
  const dispose = registerIpcAdapter({
    ipcMain,
    dispatch: app.core.dispatch,
    events: app.core.events,
    resolveCaller: app.core.resolveCaller,
    isTrustedUrl: prodTrust.isTrustedUrl,
    windows: () => [],
  });
  try {
    const call = handlers.get(ipcChannels.call)!;
    const fromUrl = (url: string) => call({ senderFrame: { url }, sender: { id: 1 } }, 'workspaces.list', {}) as Promise<{ ok: boolean; error?: { code: string } }>;
    assert.equal((await fromUrl(appEntryUrl)).ok, true);
    for (const url of [...hostileUrls, 'http://localhost:5173/']) {
      const result = await fromUrl(url);
      assert.deepEqual([result.ok, result.error?.code], [false, 'FORBIDDEN'], url);
    }
    const noFrame = (await call({ senderFrame: null, sender: { id: 1 } }, 'workspaces.list', {})) as { ok: boolean };
    assert.equal(noFrame.ok, false);
  } finally {
    dispose();
    await app.close();
  }
});

/** A reader for the one block this test needs: `electronFuses:` and its indented `key: value` lines. */
function readYamlBlock(yaml: string, blockName: string): Map<string, string> {
  const lines = yaml.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trimEnd() === `${blockName}:`);
  assert.notEqual(start, -1, `electron-builder.yml has a top-level ${blockName} block`);
  const entries = new Map<string, string>();
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) break;
    const match = /^\s+([A-Za-z0-9_]+):\s*([^#]*?)\s*(?:#.*)?$/.exec(line);
    assert.ok(match, `unexpected line in ${blockName}: ${line}`);
    assert.ok(!entries.has(match[1]!), `${match[1]} is set twice`);
    entries.set(match[1]!, match[2]!);
  }
  return entries;
}

describe('electron-builder fuses', () => {
  const fuses = readYamlBlock(read('electron-builder.yml'), 'electronFuses');

  test('every hardening fuse is set as required', () => {
    const required: Record<string, string> = {
      runAsNode: 'false',
      enableCookieEncryption: 'true',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      grantFileProtocolExtraPrivileges: 'false',
    };
    for (const [name, value] of Object.entries(required)) assert.equal(fuses.get(name), value, name);
  });

  test("every key is one electron-builder's schema knows (a typo would be rejected at packaging time)", () => {
    const schemePath = path.join(repoRoot, 'node_modules', 'app-builder-lib', 'scheme.json');
    const scheme = JSON.parse(fs.readFileSync(schemePath, 'utf8')) as { definitions: { FuseOptionsV1: { properties: Record<string, unknown> } } };
    const known = Object.keys(scheme.definitions.FuseOptionsV1.properties);
    for (const name of fuses.keys()) assert.ok(known.includes(name), `unknown fuse ${name}`);
  });

  test('the app is packed in an asar archive, which the asar fuses rely on', () => {
    assert.match(read('electron-builder.yml'), /^asar: true$/m);
  });
});

describe('Electron wiring in electron/main/index.ts (source text: no Electron binary runs here)', () => {
  const source = read('electron/main/index.ts');

  test('loads the renderer over app://, never file://', () => {
    assert.doesNotMatch(source, /loadFile\s*\(/);
    assert.doesNotMatch(source, /file:\/\//);
    assert.doesNotMatch(source, /pathToFileURL/);
    assert.match(source, /loadURL\(rendererDevUrl \?\? appEntryUrl\)/);
  });

  test('registers the privileged scheme before ready and its handler after', () => {
    const registered = source.indexOf('protocol.registerSchemesAsPrivileged(');
    const ready = source.indexOf('app.whenReady()');
    assert.ok(registered !== -1 && ready !== -1 && registered < ready, 'registerSchemesAsPrivileged runs before whenReady');
    assert.match(source, /protocol\.handle\(appProtocol\.scheme, createAppRequestHandler\(/);
  });

  test('guards every webContents and locks down the session', () => {
    assert.match(source, /app\.on\('web-contents-created', \(_event, contents\) => \{\s*guardWebContents\(contents,/);
    assert.match(source, /lockDownSession\(session\.defaultSession,/);
    assert.match(source, /externalLinkAllowed,/);
    assert.doesNotMatch(source, /shell\.openExternal\(url\)[^\n]*\n[^\n]*startsWith/);
  });

  test('IPC and the file picker use the same URL trust, with no string-prefix checks left', () => {
    assert.match(source, /const \{ isTrustedUrl \} = urlTrust;/);
    assert.match(source, /registerIpcAdapter\(\{[\s\S]*?\bisTrustedUrl,[\s\S]*?\}\);/);
    assert.match(source, /ipcChannels\.pickFiles[\s\S]*?isTrustedUrl\(event\.senderFrame/);
    assert.doesNotMatch(source, /\.startsWith\(/);
    assert.match(source, /app\.isPackaged \? undefined : process\.env\['ELECTRON_RENDERER_URL'\]/);
  });

  test('the policy modules run without Electron', () => {
    for (const file of ['electron/main/security-policy.ts', 'electron/main/app-protocol.ts']) {
      assert.doesNotMatch(read(file), /from 'electron'/, file);
    }
    assert.doesNotMatch(read('electron/main/web-contents-guards.ts'), /^import (?!type )[^\n]*from 'electron'/m);
  });
});
