/** Starts, watches and stops the fuzz target (tests/fuzz/server.ts) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { hubUrlEnvironmentVariable } from '../../electron/services/downloads/hub.ts';
import type { ServerClosed, ServerConfig, ServerReady } from './server.ts';

const serverEntry = path.join(import.meta.dirname, 'server.ts');
/** Seeding loads a model, answers a question, embeds documents and exports: give it time on a busy machine. */
const startTimeoutMs = 180_000;
const closeTimeoutMs = 30_000;
const stderrTailChars = 4000;

export interface Target {
  ready: ServerReady;
  /** Whether the process has exited (a crash, unless stop() was called). */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  stderrTail(): string;
  /**
   * Asks it to close, then SIGKILL if it does not close in time. What the target reported on closing, or
   * why it reported nothing (killed, or it exited without closing properly).
   */
  stop(): Promise<ServerClosed | { failure: string }>;
}

export async function startTarget(config: ServerConfig): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [serverEntry, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // A fuzzed downloads.start must never reach the internet: the model hub is a closed local port
    // (the variable wins over the hub address in the settings, which are fuzzed too).
    env: { ...process.env, [hubUrlEnvironmentVariable]: 'http://127.0.0.1:9' },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-stderrTailChars);
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  // 'close', not 'exit': it comes after the last stdout line (CLOSED) has been read.
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const lines = readline.createInterface({ input: child.stdout! });
  let closed: ServerClosed | null = null;
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fuzz target did not start within ${startTimeoutMs / 1000} s\n${stderr}`)), startTimeoutMs);
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(6)) as ServerReady);
      } else if (line.startsWith('CLOSED ')) closed = JSON.parse(line.slice(7)) as ServerClosed;
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the fuzz target exited during start-up (${JSON.stringify(exit)})\n${stderr}`));
    });
  });

  return {
    ready,
    exited: () => exit,
    stderrTail: () => stderr,
    async stop() {
      if (!exit) {
        child.send('close');
        const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), closeTimeoutMs).unref())]);
        if (!inTime) {
          child.kill('SIGKILL');
          await exited;
          return { failure: `it did not close within ${closeTimeoutMs / 1000} s` };
        }
      }
      return closed ?? { failure: `it exited (${JSON.stringify(exit)}) without finishing its close` };
    },
  };
}
