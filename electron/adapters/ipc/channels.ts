/** IPC channel names shared by the main-process adapter and the preload script. */
export const ipcChannels = {
  call: 'evaldesk:call',
  event: 'evaldesk:event',
  /** Desktop only: the native file dialog, which returns paths for documents.addFiles. */
  pickFiles: 'evaldesk:pick-files',
} as const;
