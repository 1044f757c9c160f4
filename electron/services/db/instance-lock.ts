import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/contract/errors.ts';
import { ensureDataDir } from '../files/safe-fs.ts';

export interface InstanceLock {
  release(): void;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One interactive EvalDesk (desktop window or web bridge) per data folder: two would each keep a
 * model loaded and fight over drafts. The CLI does not take this lock; SQLite's WAL mode lets it
 * work beside a running app. A lock left by a crashed process is taken over.
 */
export function acquireInstanceLock(dataDir: string): InstanceLock {
  ensureDataDir(dataDir);
  const lockPath = path.join(dataDir, 'evaldesk.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }), { flag: 'wx' });
      return {
        release: () => {
          try {
            const owner = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as { pid: number };
            if (owner.pid === process.pid) fs.rmSync(lockPath);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let ownerPid = 0;
      try {
        ownerPid = (JSON.parse(fs.readFileSync(lockPath, 'utf8')) as { pid: number }).pid;
      } catch {
        // Unreadable lock file: treat it as stale.
      }
      if (ownerPid && ownerPid !== process.pid && isProcessAlive(ownerPid)) {
        throw new ApiError(
          'INSTANCE_RUNNING',
          `EvalDesk is already running with this data folder (process ${ownerPid}). Switch to that window, or close it first.`,
          { pid: ownerPid, dataDir },
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new ApiError('INSTANCE_RUNNING', `Could not lock the data folder ${dataDir}.`, { dataDir });
}
