import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IpcMain, WebContents } from 'electron';
import { ipcChannels } from '../electron/adapters/ipc/channels.ts';
import { registerIpcAdapter } from '../electron/adapters/ipc/ipc-adapter.ts';
import { openTestApp } from './helpers/app.ts';

/**
 * No Electron binary can run here, so the IPC adapter is driven through the two Electron surfaces
 * it uses (ipcMain.handle and webContents.send), with the real dispatcher and services behind it.
 */
test('IPC calls are served only to EvalDesk frames, and events reach every window', async () => {
  const app = await openTestApp();
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain = {
    handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => Promise<unknown>) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
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
