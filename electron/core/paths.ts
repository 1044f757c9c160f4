import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The data folder EvalDesk uses when none is given: the same place Electron's `userData` points to,
 * so the desktop app, the web bridge and the CLI share one database by default.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['EVALDESK_DATA_DIR']) return path.resolve(env['EVALDESK_DATA_DIR']);
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'EvalDesk');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'EvalDesk');
    default:
      return path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), 'EvalDesk');
  }
}

/** The repository (or unpacked app) root, found from this file's location. */
export const projectRoot = path.resolve(import.meta.dirname, '..', '..');

export function appVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
