import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebContents } from 'electron';
import { ipcChannels } from '../electron/adapters/ipc/channels.ts';
import { registerIpcAdapter } from '../electron/adapters/ipc/ipc-adapter.ts';
import { fakeIpcMain } from './helpers/fake-ipc.ts';
import { openTestApp } from './helpers/app.ts';

/**
 * No Electron binary can run here, so the IPC adapter is driven through the two Electron surfaces
 * it uses (ipcMain.handle and webContents.send), with the real dispatcher and services behind it.
 */
test('IPC calls are served only to EvalDesk frames, and events reach every window', async () => {
  const app = await openTestApp();
  const { ipcMain, handlers } = fakeIpcMain();
  const sent: unknown[][] = [];
  const contents = { id: 1, isDestroyed: () => false, send: (...args: unknown[]) => sent.push(args) } as unknown as WebContents;
  const dispose = registerIpcAdapter({
    ipcMain,
    dispatch: app.core.dispatch,
    events: app.core.events,
    resolveCaller: app.core.resolveCaller,
    isTrustedUrl: (url) => url.startsWith('file:///app/renderer/'),
    windows: () => [contents],
  });
  try {
    const call = handlers.get(ipcChannels.call)!;
    const trusted = { senderFrame: { url: 'file:///app/renderer/index.html' }, sender: { id: 1 } };
    const created = (await call(trusted, 'workspaces.create', { name: 'IPC PoC' })) as { ok: boolean; value: { name: string } };
    assert.equal(created.ok, true);
    assert.equal(created.value.name, 'IPC PoC');

    const foreign = (await call({ senderFrame: { url: 'https://example.com/' }, sender: { id: 2 } }, 'workspaces.list', {})) as { ok: boolean; error: { code: string } };
    assert.deepEqual([foreign.ok, foreign.error.code], [false, 'FORBIDDEN']);
    const invalid = (await call(trusted, 'workspaces.create', { name: 42 })) as { ok: boolean; error: { code: string } };
    assert.deepEqual([invalid.ok, invalid.error.code], [false, 'VALIDATION']);

    await app.call('runtime.unload', {});
    assert.ok(sent.some(([channel, name]) => channel === ipcChannels.event && name === 'runtime.changed'));
  } finally {
    dispose();
    assert.equal(handlers.size, 0);
    await app.close();
  }
});

test('each desktop window has its own signed-in user: its calls run as that user and its events reach only it', async () => {
  const app = await openTestApp();
  const { ipcMain, handlers } = fakeIpcMain();
  const sent = new Map<number, unknown[][]>([[1, []], [2, []]]);
  const window = (id: number) => ({ id, isDestroyed: () => false, send: (...args: unknown[]) => sent.get(id)!.push(args) }) as unknown as WebContents;
  const dispose = registerIpcAdapter({ ipcMain, dispatch: app.core.dispatch, events: app.core.events, resolveCaller: app.core.resolveCaller, isTrustedUrl: () => true, windows: () => [window(1), window(2)] });
  try {
    await app.call('auth.enableMultiUser', { username: 'lead', displayName: 'Lead', password: 'long enough password 1' });
    await app.call('users.create', { username: 'kai', displayName: 'Kai', role: 'evaluator', securityLevel: 1, password: 'correct horse battery 9' });
    const call = handlers.get(ipcChannels.call)!;
    const from = (id: number) => (method: string, input: unknown) => call({ senderFrame: { url: 'file:///app/renderer/index.html' }, sender: { id } }, method, input) as Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;
    const [lead, kai] = [from(1), from(2)];
    // Before signing in, a window is nobody.
    assert.equal((await kai('workspaces.list', {})).error?.code, 'UNAUTHENTICATED');
    assert.equal((await lead('auth.signIn', { username: 'lead', password: 'long enough password 1' })).ok, true);
    assert.equal((await kai('auth.signIn', { username: 'kai', password: 'correct horse battery 9' })).ok, true);
    assert.equal(((await lead('users.current', {})).value as { username: string }).username, 'lead');
    assert.equal(((await kai('users.current', {})).value as { username: string }).username, 'kai');
    assert.equal((await kai('users.create', { username: 'eve', displayName: 'Eve', role: 'admin', securityLevel: 3, password: 'correct horse battery 9' })).error?.code, 'FORBIDDEN');

    // An event of the lead's own work reaches the lead's window only.
    for (const list of sent.values()) list.length = 0;
    const workspace = (await lead('workspaces.create', { name: 'Lead PoC' })).value as { id: number };
    await lead('documents.addText', { workspaceId: workspace.id, docId: 'x:1', title: 'x', text: 'private text', jobId: 'lead-job' });
    const progressTo = (id: number) => sent.get(id)!.filter(([, name]) => name === 'job.progress' || name === 'document.progress').length;
    assert.ok(progressTo(1) > 0, "the lead's window hears its job");
    assert.equal(progressTo(2), 0, "Kai's window hears nothing of it");

    // Signing out makes the window nobody again.
    await kai('auth.signOut', {});
    assert.equal((await kai('workspaces.list', {})).error?.code, 'UNAUTHENTICATED');
  } finally {
    dispose();
    await app.close();
  }
});
