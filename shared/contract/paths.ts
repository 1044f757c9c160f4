/**
 * Paths that cross the API. A relative path would resolve against whatever folder the main
 * process happens to run in (`..` once ingested the parent of the app's folder, and errors then
 * named it), so the contract accepts absolute paths only. Pure string checks, no `node:path`:
 * the renderer imports the contract too.
 */

export type PathStyle = 'posix' | 'windows';

/**
 * The path style of the process evaluating the contract: the main process (dispatcher, CLI) knows
 * its OS; a browser or sandboxed renderer has no `process` and judges both styles, leaving the
 * final word to the main process, which validates every call again.
 */
export function hostPathStyle(): PathStyle | null {
  const platform = (globalThis as { process?: { platform?: unknown } }).process?.platform;
  if (typeof platform !== 'string') return null;
  return platform === 'win32' ? 'windows' : 'posix';
}

/**
 * POSIX `/…`, a Windows drive `C:\…` (or `C:/…`), or a UNC share `\\server\share…`. On a POSIX
 * host the Windows forms are ordinary relative names (`C:\x` is a file in the working folder),
 * so there only `/…` is absolute.
 */
export function isAbsolutePath(value: string, style: PathStyle | null = hostPathStyle()): boolean {
  const posix = value.startsWith('/');
  if (style === 'posix') return posix;
  return posix || /^[A-Za-z]:[\\/]/.test(value) || /^\\\\[^\\/]+[\\/][^\\/]+/.test(value);
}

export const absolutePathMessage = 'an absolute path is needed (like /home/me/models or C:\\Models), not a path relative to where EvalDesk runs';
