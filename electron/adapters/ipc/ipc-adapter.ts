import type { IpcMain, WebContents } from 'electron';
import type { Caller, Dispatch } from '../../core/dispatcher.ts';
import type { EventBus } from '../../core/event-bus.ts';
import { ipcChannels } from './channels.ts';

export interface IpcAdapterOptions {
  ipcMain: IpcMain;
  dispatch: Dispatch;
  events: EventBus;
  caller: () => Caller;
  /** Only frames showing EvalDesk's own renderer may call the API. */
  isTrustedUrl: (url: string) => boolean;
  windows: () => WebContents[];
}

/**
 * Electron IPC adapter: the API contract over ipcMain.handle. Electron types are passed in, so this
 * file stays free of an `electron` import and is checked with the rest of the main-process code.
 */
export function registerIpcAdapter(options: IpcAdapterOptions): () => void {
  options.ipcMain.handle(ipcChannels.call, async (event, method: unknown, input: unknown) => {
    const url = event.senderFrame?.url ?? '';
    if (!options.isTrustedUrl(url)) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use the EvalDesk API.' } };
    }
    return options.dispatch(method, input, options.caller());
  });
  const unsubscribe = options.events.subscribe((name, payload) => {
    for (const contents of options.windows()) {
      if (!contents.isDestroyed()) contents.send(ipcChannels.event, name, payload);
    }
  });
  return () => {
    options.ipcMain.removeHandler(ipcChannels.call);
    unsubscribe();
  };
}
