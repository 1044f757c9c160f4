import type { IpcMain, WebContents } from 'electron';
import type { Caller, Dispatch } from '../../core/dispatcher.ts';
import type { EventBus } from '../../core/event-bus.ts';
import { endedSession, takeIssuedToken } from '../../core/session-binding.ts';
import { ipcChannels } from './channels.ts';

export interface IpcAdapterOptions {
  ipcMain: IpcMain;
  dispatch: Dispatch;
  events: EventBus;
  /** The caller of a window's session token (the local user in single-user mode). */
  resolveCaller: (token: string | null) => Promise<Caller | null>;
  /** Only frames showing EvalDesk's own renderer may call the API. */
  isTrustedUrl: (url: string) => boolean;
  windows: () => WebContents[];
}

/**
 * Electron IPC adapter: the API contract over ipcMain.handle. Electron types are passed in, so this
 * file stays free of an `electron` import and is checked with the rest of the main-process code.
 *
 * Each window has its own signed-in session: the main process keeps the token per window, and the
 * renderer never sees it. Events go only to the windows of the user they are for.
 */
export function registerIpcAdapter(options: IpcAdapterOptions): () => void {
  const tokens = new Map<number, string>();
  /** The user each window last called as, for routing events. */
  const windowUsers = new Map<number, number | null>();
  options.ipcMain.handle(ipcChannels.call, async (event, method: unknown, input: unknown) => {
    const url = event.senderFrame?.url ?? '';
    if (!options.isTrustedUrl(url)) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use the EvalDesk API.' } };
    }
    const windowId = event.sender.id;
    const caller = await options.resolveCaller(tokens.get(windowId) ?? null);
    windowUsers.set(windowId, caller?.user.id ?? null);
    const result = await options.dispatch(method, input, caller, 'desktop');
    const issued = takeIssuedToken(method, result);
    if (issued) {
      tokens.set(windowId, issued);
      windowUsers.set(windowId, (await options.resolveCaller(issued))?.user.id ?? null);
    } else if (endedSession(method, result)) {
      tokens.delete(windowId);
      windowUsers.set(windowId, null);
    }
    return result;
  });
  const unsubscribe = options.events.subscribe((name, payload, audience) => {
    for (const contents of options.windows()) {
      if (contents.isDestroyed()) continue;
      if (audience !== null && windowUsers.get(contents.id) !== audience) continue;
      contents.send(ipcChannels.event, name, payload);
    }
  });
  return () => {
    options.ipcMain.removeHandler(ipcChannels.call);
    unsubscribe();
  };
}
