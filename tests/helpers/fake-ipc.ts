import type { IpcMain } from 'electron';

type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

/**
 * The one Electron surface the IPC adapter registers on (no Electron binary runs here): its
 * handlers are kept in `handlers`, to be called as a renderer's invoke would.
 */
export function fakeIpcMain(): { ipcMain: IpcMain; handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
  return { ipcMain, handlers };
}
