/** IPC channel names shared by the main-process adapter and the preload script. */
export const ipcChannels = {
  call: 'evaldesk:call',
  event: 'evaldesk:event',
} as const;
