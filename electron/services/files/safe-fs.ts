import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type ErrorCode } from '../../../shared/contract/errors.ts';

/**
 * Why a folder cannot be written, as a stable code the renderer translates. It comes from the
 * operating system's own answer to a real attempt, never from permission bits: root may write to
 * a `chmod 555` folder, nobody may write to a read-only mount or under /proc.
 */
export type WriteFailure = 'read_only' | 'permission_denied' | 'not_a_folder' | 'cannot_create' | 'disk_full' | 'unknown';

export function writeFailureOf(error: unknown): WriteFailure {
  switch ((error as NodeJS.ErrnoException | null)?.code) {
    case 'EROFS':
      return 'read_only';
    case 'EACCES':
    case 'EPERM':
      return 'permission_denied';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'not_a_folder';
    // ENOENT for a folder whose parent exists: a pseudo file system (procfs) refusing new entries.
    case 'ENOENT':
    case 'EINVAL':
    case 'ENAMETOOLONG':
      return 'cannot_create';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'disk_full';
    default:
      return 'unknown';
  }
}

const failureSentence: Record<WriteFailure, string> = {
  read_only: 'it is on a read-only drive',
  permission_denied: 'permission is denied',
  not_a_folder: 'part of the path is a file, not a folder',
  cannot_create: 'folders cannot be created there',
  disk_full: 'the disk is full',
  unknown: 'the system refused',
};

/** An ApiError naming the folder and the reason, with both as parameters for translation. */
export function notWritableError(code: ErrorCode, dir: string, cause: unknown): ApiError {
  const reason = writeFailureOf(cause);
  return new ApiError(code, `EvalDesk cannot write to ${dir}: ${failureSentence[reason]}. Choose another folder.`, { path: dir, reason }, { cause });
}

/**
 * `mkdir -p` that always terminates. Node's recursive mkdirSync retries forever on procfs, where
 * creating `/proc/x` fails with ENOENT although `/proc` exists. Here the missing ancestors are
 * found first (at most one step per path component) and created top-down, once each.
 */
export function ensureDir(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let current = target; ; current = path.dirname(current)) {
    let stat: fs.Stats | null = null;
    try {
      stat = fs.statSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (stat) {
      if (!stat.isDirectory()) throw Object.assign(new Error(`${current} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(current);
    if (path.dirname(current) === current) break;
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      // Created meanwhile by someone else is fine; anything else is the real answer.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(folder).isDirectory()) continue;
      throw error;
    }
  }
}

/** The data folder, created if needed; a folder that cannot be used is a clear start-up error. */
export function ensureDataDir(dir: string): void {
  try {
    ensureDir(dir);
  } catch (error) {
    throw notWritableError('DATA_DIR_UNWRITABLE', dir, error);
  }
}

/** Removes a folder tree, never throwing: clean-up must not mask the error that caused it. */
export function removeQuietly(target: string): void {
  try {
    fs.rmSync(target, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // Left behind; start-up recovery tries again.
  }
}

/**
 * Kernel pseudo file systems (Linux /proc, /sys, /dev): their entries are not documents or models,
 * walking them can be endless, and /proc/self/cwd would reveal where the app runs.
 */
const pseudoRoots = ['/proc', '/sys', '/dev'];

export function isPseudoFileSystemPath(target: string): boolean {
  if (process.platform === 'win32') return false;
  const resolved = path.resolve(target);
  return pseudoRoots.some((root) => resolved === root || resolved.startsWith(`${root}/`));
}
