import { fork } from 'node:child_process';
import path from 'node:path';
import type { CheckReason, CheckResult } from './check.ts';
import type { QueryRows, RunFailure } from './connection.ts';
import type { WorkerRequest, WorkerResponse } from './sql-worker.ts';

/**
 * The query process as the executor drives it. Node's child_process.fork is the default; the
 * Electron shell passes one made with utilityProcess.fork instead, because the packaged app's
 * `runAsNode` fuse is off (electron-builder.yml) and its binary then ignores ELECTRON_RUN_AS_NODE.
 */
export interface WorkerProcess {
  send(message: WorkerRequest): void;
  onMessage(listener: (message: WorkerResponse) => void): void;
  /** Called once when the process is gone (exited, killed, or failed to start). */
  onExit(listener: () => void): void;
  /** Ends it at once (SIGKILL): a statement running in SQLite never yields to a gentler signal handler. */
  kill(): void;
}

export type SpawnWorker = (workerPath: string) => WorkerProcess;

/** child_process.fork of the worker module with this process's own binary. */
export const forkWorker: SpawnWorker = (workerPath) => {
  const child = fork(workerPath, [], {
    execPath: process.execPath,
    // The parent's flags (a test runner's, an inspector) are not the worker's.
    execArgv: [],
    // Electron's binary runs as Node with this (where its fuse allows); plain Node ignores it.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // An idle warm worker must not keep the app (or a CLI command) alive; a request's timer does.
  child.unref();
  child.channel?.unref();
  let exited = false;
  const exitListeners: Array<() => void> = [];
  const onGone = () => {
    if (exited) return;
    exited = true;
    for (const listener of exitListeners) listener();
  };
  child.on('exit', onGone);
  child.on('error', onGone);
  return {
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', (message) => listener(message as WorkerResponse)),
    onExit: (listener) => exitListeners.push(listener),
    kill: () => child.kill('SIGKILL'),
  };
};

/**
 * Why a query produced no rows: what the query process reported (RunFailure), or what the
 * executor saw — `timeout` (it ran past the time limit and was killed), `worker_unavailable`
 * (the process could not start or open the database, or was respawned too often in the last
 * minute), `worker_crashed` (it died mid-query), `closed` (the executor was closed).
 */
export type ExecuteFailure = RunFailure | 'timeout' | 'worker_unavailable' | 'worker_crashed' | 'closed';

export type ExecuteResult =
  | ({ ok: true; sql: string; checkMs: number; executeMs: number } & QueryRows)
  | { ok: false; stage: 'check'; reason: CheckReason; checkMs: number }
  | { ok: false; stage: 'execute'; reason: ExecuteFailure; sqliteCode: string | null; checkMs: number | null; executeMs: number };

export interface SqlExecutorOptions {
  /** The app's SQLite file; the worker opens it read-only. */
  databasePath: string;
  /** The worker entry: the .ts source under Node, the bundled sql-worker.js in the packaged app. */
  workerPath?: string;
  spawn?: SpawnWorker;
  /** Wall-clock limit of one query, check included (default 5 s). */
  timeoutMs?: number;
  /** Rows returned at most (default 200); the result says when it was cut. */
  rowLimit?: number;
  maxCellChars?: number;
  /** How long starting the process and opening the database may take (default 15 s). */
  startTimeoutMs?: number;
  /** Processes started in any one minute at most (default 5): a query that keeps getting killed cannot turn into a fork loop. */
  maxSpawnsPerMinute?: number;
}

export const defaultSqlRouteLimits = { timeoutMs: 5_000, rowLimit: 200, maxCellChars: 2_000 } as const;

/** Beside this module as source; beside the bundled main entry (out/main/sql-worker.js) when built. */
export const defaultWorkerPath = path.join(import.meta.dirname, import.meta.filename.endsWith('.ts') ? 'sql-worker.ts' : 'sql-worker.js');

interface Live {
  process: WorkerProcess;
  ready: Promise<boolean>;
  alive: boolean;
  pending: Map<number, (response: WorkerResponse | null) => void>;
}

type Exchange = { response: WorkerResponse; ms: number } | { failure: Exclude<ExecuteFailure, RunFailure>; ms: number };

/**
 * Runs route queries in one warm query process, one at a time, with a row limit and a time limit
 * that really stops them: on timeout the process is killed (the statement dies with it) and a
 * fresh one is started for the next query, at most `maxSpawnsPerMinute` a minute.
 */
export function createSqlExecutor(options: SqlExecutorOptions) {
  const spawn = options.spawn ?? forkWorker;
  const workerPath = options.workerPath ?? defaultWorkerPath;
  const timeoutMs = options.timeoutMs ?? defaultSqlRouteLimits.timeoutMs;
  const limits = { rowLimit: options.rowLimit ?? defaultSqlRouteLimits.rowLimit, maxCellChars: options.maxCellChars ?? defaultSqlRouteLimits.maxCellChars };
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const maxSpawnsPerMinute = options.maxSpawnsPerMinute ?? 5;
  const spawnTimes: number[] = [];
  const counters = { spawned: 0, killed: 0 };
  let worker: Live | null = null;
  let closed = false;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();

  function start(): Live | null {
    const now = Date.now();
    while (spawnTimes.length > 0 && now - spawnTimes[0]! > 60_000) spawnTimes.shift();
    if (spawnTimes.length >= maxSpawnsPerMinute) return null;
    spawnTimes.push(now);
    counters.spawned++;
    let child: WorkerProcess;
    try {
      child = spawn(workerPath);
    } catch {
      return null;
    }
    let settle!: (ok: boolean) => void;
    const live: Live = { process: child, ready: new Promise<boolean>((resolve) => (settle = resolve)), alive: true, pending: new Map() };
    const timer = setTimeout(() => {
      settle(false);
      child.kill();
    }, startTimeoutMs);
    void live.ready.then(() => clearTimeout(timer));
    child.onMessage((message) => {
      if (message.type === 'ready') return settle(true);
      if (message.type === 'open_failed') {
        settle(false);
        return child.kill();
      }
      const waiter = live.pending.get(message.id);
      live.pending.delete(message.id);
      waiter?.(message);
    });
    child.onExit(() => {
      live.alive = false;
      settle(false);
      for (const waiter of live.pending.values()) waiter(null);
      live.pending.clear();
      if (worker === live) worker = null;
    });
    child.send({ type: 'open', databasePath: options.databasePath });
    return live;
  }

  /** Sends one request to the (re)started worker and waits for its answer, the time limit, or its death. */
  async function exchange(build: (id: number) => WorkerRequest): Promise<Exchange> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    if (closed) return { failure: 'closed', ms: 0 };
    if (!worker?.alive) worker = start();
    const live = worker;
    if (!live || !(await live.ready)) {
      if (worker === live) worker = null;
      return { failure: closed ? 'closed' : 'worker_unavailable', ms: elapsed() };
    }
    const id = nextId++;
    const sentAt = performance.now();
    return new Promise<Exchange>((resolve) => {
      const timer = setTimeout(() => {
        live.pending.delete(id);
        counters.killed++;
        live.alive = false;
        if (worker === live) worker = null;
        live.process.kill();
        resolve({ failure: 'timeout', ms: performance.now() - sentAt });
      }, timeoutMs);
      live.pending.set(id, (response) => {
        clearTimeout(timer);
        resolve(response ? { response, ms: performance.now() - sentAt } : { failure: closed ? 'closed' : 'worker_crashed', ms: performance.now() - sentAt });
      });
      live.process.send(build(id));
    });
  }

  /** One request at a time: a query waits for the one before it (and never for longer than its limit). */
  function serialized(build: (id: number) => WorkerRequest): Promise<Exchange> {
    const turn = queue.then(() => exchange(build));
    queue = turn.catch(() => {});
    return turn;
  }

  return {
    limits: { timeoutMs, ...limits },

    /** Checks and runs `sql` (one read-only query over the route views) within the limits. */
    async run(sql: string): Promise<ExecuteResult> {
      const result = await serialized((id) => ({ type: 'run', id, sql, limits }));
      if ('failure' in result) return { ok: false, stage: 'execute', reason: result.failure, sqliteCode: null, checkMs: null, executeMs: result.ms };
      const { response } = result;
      if (response.type !== 'ran') return { ok: false, stage: 'execute', reason: 'execution_error', sqliteCode: null, checkMs: null, executeMs: result.ms };
      return response.outcome;
    },

    /** The safety check alone, on the worker's connection (the views exist only there). */
    async check(sql: string): Promise<CheckResult | { ok: false; reason: Exclude<ExecuteFailure, RunFailure> | 'execution_error' }> {
      const result = await serialized((id) => ({ type: 'check', id, sql }));
      if ('failure' in result) return { ok: false, reason: result.failure };
      return result.response.type === 'checked' ? result.response.result : { ok: false, reason: 'execution_error' };
    },

    /** Processes started and killed so far, and whether one is warm now. */
    stats: () => ({ ...counters, warm: worker?.alive === true }),

    async close(): Promise<void> {
      closed = true;
      const live = worker;
      worker = null;
      if (live?.alive) live.process.kill();
    },
  };
}

export type SqlExecutor = ReturnType<typeof createSqlExecutor>;
