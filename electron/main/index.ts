import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import { ipcChannels } from '../adapters/ipc/channels.ts';
import { registerIpcAdapter } from '../adapters/ipc/ipc-adapter.ts';
import { createAppCore, type AppCore } from '../core/app-core.ts';

/**
 * The Electron shell: a window, the IPC adapter and security settings. Everything it serves lives
 * in the app core, which runs the same in plain Node (web bridge, CLI, tests).
 */
const rendererDevUrl = process.env['ELECTRON_RENDERER_URL'];
const rendererIndex = path.join(import.meta.dirname, '..', 'renderer', 'index.html');
const rendererBase = pathToFileURL(path.dirname(rendererIndex)).href;

const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  rendererDevUrl ? `connect-src 'self' ${new URL(rendererDevUrl).origin} ws://localhost:*` : "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const isTrustedUrl = (url: string) =>
  (rendererDevUrl !== undefined && url.startsWith(new URL(rendererDevUrl).origin)) || url.startsWith(rendererBase);

let core: AppCore | null = null;
let mainWindow: BrowserWindow | null = null;

function createWindow() {
  mainWindow = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    title: 'EvalDesk',
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  // The window never navigates away from the app or opens other windows; links go to the browser.
  mainWindow.webContents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  mainWindow.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (rendererDevUrl) void mainWindow.loadURL(rendererDevUrl);
  else void mainWindow.loadFile(rendererIndex);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });

  app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
    });

    const { appVersion } = await import('../core/paths.ts');
    core = await createAppCore({
      dataDir: app.getPath('userData'),
      appVersion: app.getVersion() || appVersion(),
      lockDataDir: true,
      ingestWorkerPath: path.join(import.meta.dirname, 'ingest-worker.js'),
    });
    if (core.startupError?.code === 'INSTANCE_RUNNING') {
      dialog.showErrorBox('EvalDesk', core.startupError.message);
      app.quit();
      return;
    }
    registerIpcAdapter({
      ipcMain,
      dispatch: core.dispatch,
      events: core.events,
      caller: core.localCaller,
      isTrustedUrl,
      windows: () => BrowserWindow.getAllWindows().map((window) => window.webContents),
    });
    ipcMain.handle(ipcChannels.pickFiles, async (event, folders: unknown) => {
      if (!isTrustedUrl(event.senderFrame?.url ?? '') || !mainWindow) return [];
      const result = await dialog.showOpenDialog(mainWindow, {
        properties: folders === true ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'],
        filters: folders === true ? [] : [{ name: 'Documents', extensions: ['txt', 'md', 'html', 'htm', 'csv', 'json', 'pdf', 'docx'] }],
      });
      return result.canceled ? [] : result.filePaths;
    });
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let closing = false;
  app.on('will-quit', (event) => {
    if (closing || !core) return;
    // Free the model and close the database cleanly before the process exits.
    event.preventDefault();
    closing = true;
    void core.close().finally(() => app.quit());
  });
}
