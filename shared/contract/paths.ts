/**
 * Paths that cross the API. A relative path would resolve against whatever folder the main
 * process happens to run in (`..` once ingested the parent of the app's folder, and errors then
 * named it), so the contract accepts absolute paths only. Pure string checks, no `node:path`:
 * the renderer imports the contract too, and a Windows path must be judged the same on any OS.
 */

/** POSIX `/…`, a Windows drive `C:\…` (or `C:/…`), or a UNC share `\\server\share…`. */
export function isAbsolutePath(value: string): boolean {
  return value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || /^\\\\[^\\/]+[\\/][^\\/]+/.test(value);
}

export const absolutePathMessage = 'an absolute path is needed (like /home/me/models or C:\\Models), not a path relative to where EvalDesk runs';
