import { utilityProcess } from 'electron';
import type { SpawnWorker } from '../services/sql-route/executor.ts';
import type { WorkerResponse } from '../services/sql-route/sql-worker.ts';

/**
 * The SQL route's query process inside Electron: a utility process, since the packaged app's
 * `runAsNode` fuse is off and a child_process.fork of the app's own binary would start another
 * app. Pass it to createSqlExecutor as `spawn`, with `workerPath: path.join(import.meta.dirname,
 * 'sql-worker.js')` computed in index.ts (the bundled worker lies beside the main entry).
 */
export const spawnUtilityWorker: SpawnWorker = (workerPath) => {
  const child = utilityProcess.fork(workerPath, [], { serviceName: 'EvalDesk SQL route', stdio: 'ignore' });
  let exited = false;
  const exitListeners: Array<() => void> = [];
  child.on('exit', () => {
    if (exited) return;
    exited = true;
    for (const listener of exitListeners) listener();
  });
  return {
    send: (message) => {
      if (!exited) child.postMessage(message);
    },
    onMessage: (listener) => child.on('message', (message: WorkerResponse) => listener(message)),
    onExit: (listener) => exitListeners.push(listener),
    kill: () => {
      // SIGKILL like the Node spawner (utilityProcess.kill() sends SIGTERM); the pid is unknown only before spawn.
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        else child.kill();
      } catch {
        // Already gone.
      }
    },
  };
};
