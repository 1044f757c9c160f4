import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { createClient } from '../shared/contract/client.ts';
import { ApiError } from '../shared/contract/errors.ts';
import { createWebBridge } from '../shared/contract/web-client.ts';
import { startWebBridge } from '../electron/adapters/web/web-bridge.ts';
import { openTestApp, tempDir } from './helpers/app.ts';

/** Raw HTTP so tests can send what a browser would not (wrong Host, huge bodies). */
function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent: false, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (options.body) req.write(options.body);
    req.end();
  });
}

async function withBridge(run: (ctx: { port: number; token: string; origin: string; rendererDir: string }) => Promise<void>) {
  const app = await openTestApp();
  const rendererDir = tempDir();
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>EvalDesk</title>');
  const secretOutside = path.join(path.dirname(rendererDir), `${path.basename(rendererDir)}-secret.txt`);
  fs.writeFileSync(secretOutside, 'secret');
  const bridge = await startWebBridge({ dispatch: app.core.dispatch, events: app.core.events, resolveCaller: app.core.resolveCaller, rendererDir, token: 'test-token-123' });
  try {
    await run({ port: bridge.port, token: bridge.token, origin: bridge.origin, rendererDir });
  } finally {
    await bridge.close();
    await app.close();
  }
}

test('the web bridge serves the contract to a client with the token, and pushes events over WebSocket', async () => {
  await withBridge(async ({ origin, token }) => {
    const bridge = createWebBridge(origin, token);
    const client = createClient(bridge);
    try {
      const workspace = await client.call('workspaces.create', { name: '법무 PoC', category: 'qa' });
      assert.equal(workspace.name, '법무 PoC');
      const received = new Promise<{ state: string }>((resolve) => client.on('runtime.changed', resolve));
      await client.call('runtime.unload', {});
      assert.equal((await received).state, 'idle');
      await assert.rejects(client.call('workspaces.get', { id: 999 }), (error: unknown) => error instanceof ApiError && error.code === 'NOT_FOUND');
      await assert.rejects(client.call('workspaces.create', { name: '' }), (error: unknown) => error instanceof ApiError && error.code === 'VALIDATION');
    } finally {
      bridge.close();
    }
  });
});

test('the web bridge refuses calls without the token, from other origins or hosts, and bad bodies', async () => {
  await withBridge(async ({ port, token }) => {
    const host = `127.0.0.1:${port}`;
    const json = { 'content-type': 'application/json', host };
    const body = JSON.stringify({ method: 'workspaces.list', input: {} });

    const noToken = await request(port, { method: 'POST', path: '/api/call', headers: json, body });
    assert.equal(noToken.status, 401);
    assert.equal(JSON.parse(noToken.body).error.code, 'UNAUTHENTICATED');

    const wrongToken = await request(port, { method: 'POST', path: '/api/call', headers: { ...json, authorization: 'Bearer nope' }, body });
    assert.equal(wrongToken.status, 401);

    const auth = { ...json, authorization: `Bearer ${token}` };
    const ok = await request(port, { method: 'POST', path: '/api/call', headers: auth, body });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { ok: true, value: [] });

    const otherSite = await request(port, { method: 'POST', path: '/api/call', headers: { ...auth, origin: 'https://evil.example' }, body });
    assert.equal(otherSite.status, 403);
    const rebinding = await request(port, { method: 'POST', path: '/api/call', headers: { ...auth, host: 'evil.example:80' }, body });
    assert.equal(rebinding.status, 421);

    const notJson = await request(port, { method: 'POST', path: '/api/call', headers: auth, body: '{"method": "workspaces.list", ' });
    assert.equal(JSON.parse(notJson.body).error.code, 'VALIDATION');
    const huge = await request(port, { method: 'POST', path: '/api/call', headers: auth, body: Buffer.alloc(5 * 1024 * 1024, 0x61) }).catch(() => ({ status: 413, body: '' }));
    assert.equal(huge.status, 413);
    const unknownMethod = await request(port, { method: 'POST', path: '/api/call', headers: auth, body: JSON.stringify({ method: '__proto__', input: {} }) });
    assert.equal(JSON.parse(unknownMethod.body).error.code, 'NOT_FOUND');
    const invalidInput = await request(port, { method: 'POST', path: '/api/call', headers: auth, body: JSON.stringify({ method: 'workspaces.create', input: { name: 'x', temperature: 'hot' } }) });
    assert.equal(JSON.parse(invalidInput.body).error.code, 'VALIDATION');
  });
});

test('static files never escape the renderer folder', async () => {
  await withBridge(async ({ port, rendererDir }) => {
    const host = { host: `127.0.0.1:${port}` };
    assert.equal((await request(port, { path: '/', headers: host })).status, 200);
    const escape = `/..%2F${encodeURIComponent(path.basename(rendererDir))}-secret.txt`;
    const attempt = await request(port, { path: escape, headers: host });
    assert.notEqual(attempt.status, 200);
    assert.doesNotMatch(attempt.body, /secret/);
    assert.equal((await request(port, { path: '/../../etc/passwd', headers: host })).status, 404);
    assert.equal((await request(port, { path: '/%E0%A4%A', headers: host })).status, 400, 'a malformed escape is answered, not fatal');
    assert.equal((await request(port, { path: '/', headers: host })).status, 200, 'the bridge is still up');
  });
});
