import type { Session, WebContents } from 'electron';

/**
 * The navigation, window and permission guards, written against Electron's types only (no runtime
 * `electron` import): index.ts passes the real session and every webContents, tests pass fakes.
 * The decisions themselves (which URL is trusted, which link may leave the app) come from
 * security-policy.ts.
 */

export interface NavigationPolicy {
  /** EvalDesk's own pages: the only URLs any frame may load. */
  isTrustedUrl: (url: string) => boolean;
  /** Links the app itself shows, which go to the system browser instead. */
  externalLinkAllowed: (url: string) => boolean;
  openExternal: (url: string) => void;
}

/**
 * Applied to every webContents the app ever creates (app 'web-contents-created'), the main window's
 * included, so a frame or a window nobody planned for gets the same rules.
 */
export function guardWebContents(contents: WebContents, policy: NavigationPolicy): void {
  // The main frame never leaves the app; an allow-listed link clicked in the page opens in the browser.
  contents.on('will-navigate', (event) => {
    if (policy.isTrustedUrl(event.url)) return;
    event.preventDefault();
    if (event.isMainFrame && policy.externalLinkAllowed(event.url)) policy.openExternal(event.url);
  });
  // will-navigate only sees the main frame; subframes navigate through this one.
  contents.on('will-frame-navigate', (event) => {
    if (!policy.isTrustedUrl(event.url)) event.preventDefault();
  });
  // A trusted URL must not be able to bounce the window elsewhere with a server redirect.
  contents.on('will-redirect', (event) => {
    if (!policy.isTrustedUrl(event.url)) event.preventDefault();
  });
  // No second window ever opens inside the app (it would escape the guards' owner window).
  contents.setWindowOpenHandler(({ url }) => {
    if (policy.externalLinkAllowed(url)) policy.openExternal(url);
    return { action: 'deny' };
  });
  // <webview> is off by default; refuse it explicitly should anything turn it on.
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // Without a handler Electron picks the first Bluetooth device it finds: cancel the chooser instead.
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
  });
}

export interface SessionLockdownOptions {
  contentSecurityPolicy: string;
}

/**
 * EvalDesk's renderer needs no browser permission and no device (camera, USB, HID, serial,
 * Bluetooth): every request and every silent permission check is refused.
 */
export function lockDownSession(session: Session, options: SessionLockdownOptions): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  // Checks are the synchronous "is it already granted?" queries (navigator.permissions, device APIs).
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // Keep Chromium's own list of protected USB classes; never hand one to the page.
  session.setUSBProtectedClassesHandler((details) => details.protectedClasses);
  // Windows and Linux only (macOS pairs by itself and has no such method).
  if (typeof session.setBluetoothPairingHandler === 'function') {
    session.setBluetoothPairingHandler((_details, callback) => callback({ confirmed: false }));
  }
  // Exports and model files are written by the main process; the page never downloads anything.
  session.on('will-download', (event) => event.preventDefault());
  // app:// responses carry the CSP themselves; this adds it to the dev server's responses.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [options.contentSecurityPolicy] } });
  });
}
