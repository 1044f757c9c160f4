import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { documentExtensions } from '../../shared/contract/entities.ts';
import { ipcChannels } from '../adapters/ipc/channels.ts';
import { registerIpcAdapter } from '../adapters/ipc/ipc-adapter.ts';
import { spawnUtilityWorker } from './sql-worker-process.ts';
import { createAppCore, type AppCore } from '../core/app-core.ts';
import { closeOnSignals } from '../core/shutdown.ts';
import { appSchemePrivileges, createAppRequestHandler } from './app-protocol.ts';
import { appEntryUrl, appProtocol, buildContentSecurityPolicy, createUrlTrust, externalLinkAllowed } from './security-policy.ts';
import { guardWebContents, lockDownSession } from './web-contents-guards.ts';
import { electronPdfRenderer } from './print-pdf.ts';

/**
 * The Electron shell: a window, the IPC adapter and security settings. Everything it serves lives
 * in the app core, which runs the same in plain Node (web bridge, CLI, tests). The security rules
 * live in security-policy.ts, app-protocol.ts and web-contents-guards.ts, which never need a
 * running Electron; this file only wires them to Electron's hooks.
 */

// electron-vite dev sets ELECTRON_RENDERER_URL; a packaged app ignores it whatever the environment says.
const rendererDevUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
// The built renderer, served over app://evaldesk/ rather than as local file URLs.
const rendererRoot = path.join(import.meta.dirname, '..', 'renderer');
const urlTrust = createUrlTrust({ appScheme: appProtocol.scheme, appHost: appProtocol.host, devUrl: rendererDevUrl });
const { isTrustedUrl } = urlTrust;
const contentSecurityPolicy = buildContentSecurityPolicy({ devOrigin: urlTrust.devOrigin });

// Privileges can only be granted before 'ready'. Standard + secure gives the renderer a real origin
// (app://evaldesk) and a secure context.
protocol.registerSchemesAsPrivileged([{ scheme: appProtocol.scheme, privileges: appSchemePrivileges }]);

// Every webContents (the main window's, and any other one) gets the navigation and window guards.
app.on('web-contents-created', (_event, contents) => {
  guardWebContents(contents, {
    isTrustedUrl,
    externalLinkAllowed,
    openExternal: (url) => void shell.openExternal(url),
  });
});

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
  // Navigation and window-open guards come from 'web-contents-created' above.
  void mainWindow.loadURL(rendererDevUrl ?? appEntryUrl);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });

  app.whenReady().then(async () => {
    lockDownSession(session.defaultSession, { contentSecurityPolicy });
    // net.fetch streams the file and reads inside app.asar; the handler has already confined the
    // path to the renderer folder.
    protocol.handle(appProtocol.scheme, createAppRequestHandler({ rendererRoot, contentSecurityPolicy, fetchFile: (fileUrl) => net.fetch(fileUrl) }));

    const { appVersion } = await import('../core/paths.ts');
    core = await createAppCore({
      dataDir: app.getPath('userData'),
      appVersion: app.getVersion() || appVersion(),
      lockDataDir: true,
      ingestWorkerPath: path.join(import.meta.dirname, 'ingest-worker.js'),
      // PoC reports print through Electron's own Chromium: no browser needs to be installed.
      pdfRenderer: electronPdfRenderer,
      // The SQL route's query process: the bundled worker in a utility process (runAsNode is off).
      sqlWorker: { workerPath: path.join(import.meta.dirname, 'sql-worker.js'), spawn: spawnUtilityWorker },
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
      resolveCaller: core.resolveCaller,
      isTrustedUrl,
      windows: () => BrowserWindow.getAllWindows().map((window) => window.webContents),
    });
    ipcMain.handle(ipcChannels.pickFiles, async (event, folders: unknown) => {
      if (!isTrustedUrl(event.senderFrame?.url ?? '') || !mainWindow) return [];
      const result = await dialog.showOpenDialog(mainWindow, {
        properties: folders === true ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'],
        filters: folders === true ? [] : [{ name: 'Documents', extensions: [...documentExtensions] }],
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
    // close() is bounded (work stuck on a dead drive cannot hold it); exit, not quit, so no
    // further quit events run against a closed core.
    void core.close().finally(() => app.exit(0));
  });

  // SIGTERM/SIGINT (a session logging out, a service manager, Ctrl+C in `npm run dev`): the same
  // bounded close, then the signal ends the process.
  closeOnSignals(async () => {
    closing = true;
    await core?.close();
  });
}
