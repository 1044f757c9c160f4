/**
 * The SQL route's query process (a child process, not a worker thread): better-sqlite3 cannot
 * interrupt a running statement from JavaScript, so a runaway query (a recursive CTE that never
 * ends, a cross join of the largest views) is stopped by killing this process. It holds the
 * route's read-only connection and answers one request at a time.
 *
 * Started by executor.ts with child_process.fork (Node: tests, CLI, web bridge) or by the
 * Electron shell with utilityProcess.fork: it talks over `process.parentPort` when Electron gives
 * one, else over Node's IPC channel. Imports nothing from electron.
 */
import type { CheckResult } from './check.ts';
import { openRouteConnection, type QueryLimits, type RouteConnection, type RunOutcome } from './connection.ts';

export type WorkerRequest =
  | { type: 'open'; databasePath: string }
  | { type: 'run'; id: number; sql: string; limits: QueryLimits }
  | { type: 'check'; id: number; sql: string };

export type WorkerResponse =
  | { type: 'ready' }
  | { type: 'open_failed'; sqliteCode: string | null }
  | { type: 'ran'; id: number; outcome: RunOutcome }
  | { type: 'checked'; id: number; result: CheckResult }
  | { type: 'failed'; id: number };

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
function post(message: WorkerResponse): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

let route: RouteConnection | null = null;

function handle(message: WorkerRequest): void {
  if (message.type === 'open') {
    try {
      route ??= openRouteConnection(message.databasePath);
      post({ type: 'ready' });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      post({ type: 'open_failed', sqliteCode: typeof code === 'string' ? code : null });
    }
    return;
  }
  if (!route) return post({ type: 'failed', id: message.id });
  try {
    if (message.type === 'check') post({ type: 'checked', id: message.id, result: route.check(message.sql) });
    else post({ type: 'ran', id: message.id, outcome: route.run(message.sql, message.limits) });
  } catch {
    post({ type: 'failed', id: message.id });
  }
}

if (parentPort) parentPort.on('message', (event) => handle(event.data as WorkerRequest));
else {
  process.on('message', (message) => handle(message as WorkerRequest));
  // The app went away: nothing is left to answer.
  process.on('disconnect', () => process.exit(0));
}
