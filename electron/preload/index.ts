import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { ipcChannels } from '../adapters/ipc/channels.ts';

/**
 * The only thing the sandboxed renderer gets: a generic call/on bridge. Which methods exist and
 * what they accept is decided in the main process by the API contract, not here.
 */
contextBridge.exposeInMainWorld('evaldesk', {
  call: (method: string, input: unknown) => ipcRenderer.invoke(ipcChannels.call, method, input),
  on: (event: string, listener: (payload: unknown) => void) => {
    const handler = (_event: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(ipcChannels.event, handler);
    return () => ipcRenderer.removeListener(ipcChannels.event, handler);
  },
});

/**
 * Dropped files carry their path only in Electron: the renderer passes the path to the main
 * process, which reads the file itself (the renderer never touches files).
 */
contextBridge.exposeInMainWorld('evaldeskFiles', {
  pathForFile: (file: File) => webUtils.getPathForFile(file),
  pick: (folders: boolean): Promise<string[]> => ipcRenderer.invoke(ipcChannels.pickFiles, folders),
});
