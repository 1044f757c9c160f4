import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiError } from '../../../shared/contract/errors.ts';

/**
 * Prints an HTML file to a PDF file. The report service takes one of these as a dependency: the
 * Electron shell supplies one built on `webContents.printToPDF`; plain Node (the CLI, the web
 * bridge, tests) uses a Chromium found on the machine.
 */
export type PdfRenderer = (htmlPath: string, pdfPath: string, signal?: AbortSignal) => Promise<void>;

/** Where Chrome, Chromium and Edge install themselves; the first that exists is used. */
function candidatePaths(): string[] {
  const env = process.env;
  const fromEnv = env['CHROMIUM_PATH'] ? [env['CHROMIUM_PATH']] : [];
  if (process.platform === 'darwin') {
    const apps = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'];
    return [...fromEnv, ...apps.map((app) => `/Applications/${app}`), ...apps.map((app) => path.join(os.homedir(), 'Applications', app))];
  }
  if (process.platform === 'win32') {
    const roots = [env['PROGRAMFILES'], env['PROGRAMFILES(X86)'], env['LOCALAPPDATA']].filter((root): root is string => Boolean(root));
    const exes = ['Google\\Chrome\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe', 'Chromium\\Application\\chrome.exe'];
    return [...fromEnv, ...exes.flatMap((exe) => roots.map((root) => path.join(root, exe)))];
  }
  return [...fromEnv, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/usr/bin/microsoft-edge', '/snap/bin/chromium'];
}

export function findChromiumExecutable(): string | null {
  return candidatePaths().find((candidate) => isExecutable(candidate)) ?? null;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, process.platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface ChromiumPdfOptions {
  /** A stuck browser must not hold the report forever. */
  timeoutMs?: number;
}

/** A renderer using the first Chromium, Chrome or Edge found, or null when there is none. */
export function findChromiumPdfRenderer(options: ChromiumPdfOptions = {}): PdfRenderer | null {
  const executable = findChromiumExecutable();
  return executable ? chromiumPdfRenderer(executable, options) : null;
}

/**
 * Runs the browser headless once per PDF with a fresh profile folder (no extensions, no sync, no
 * update check, nothing contacted), waits for it with a hard timeout, and checks that a PDF came
 * out: Chromium exits 0 for some failures, such as an unreadable input file.
 */
export function chromiumPdfRenderer(executable: string, { timeoutMs = 60_000 }: ChromiumPdfOptions = {}): PdfRenderer {
  return async (htmlPath, pdfPath, signal) => {
    if (signal?.aborted) throw cancelled();
    const profile = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'evaldesk-pdf-'));
    await fs.promises.rm(pdfPath, { force: true });
    try {
      const args = [
        '--headless',
        '--disable-gpu',
        // Chromium refuses to start its sandbox as root (containers, CI).
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-extensions',
        `--user-data-dir=${profile}`,
        // The first is today's name; the second is what Chrome before 120 understood.
        '--no-pdf-header-footer',
        '--print-to-pdf-no-header',
        `--print-to-pdf=${pdfPath}`,
        pathToFileURL(path.resolve(htmlPath)).href,
      ];
      const outcome = await run(executable, args, timeoutMs, signal);
      if (outcome.kind === 'cancelled') throw cancelled();
      if (outcome.kind === 'timeout') {
        throw new ApiError('RUNTIME_FAILED', `The PDF was not made: the browser did not finish within ${Math.round(timeoutMs / 1000)} s.`, { reason: 'pdf_timeout', seconds: Math.round(timeoutMs / 1000) });
      }
      if (outcome.kind === 'spawn_failed') {
        throw new ApiError('RUNTIME_FAILED', `The PDF was not made: ${executable} could not be started (${outcome.detail}).`, { reason: 'pdf_browser_failed', path: executable, detail: outcome.detail });
      }
      if (outcome.code !== 0 || !(await isPdf(pdfPath))) {
        const detail = lastLines(outcome.stderr);
        throw new ApiError(
          'RUNTIME_FAILED',
          `The PDF was not made: the browser ${outcome.code === 0 ? 'wrote no PDF' : `exited with code ${outcome.code ?? outcome.signal}`}${detail ? ` (${detail})` : ''}.`,
          { reason: 'pdf_browser_failed', path: executable, exitCode: outcome.code ?? -1, detail },
        );
      }
    } catch (error) {
      await fs.promises.rm(pdfPath, { force: true });
      throw error;
    } finally {
      await fs.promises.rm(profile, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
    }
  };
}

const cancelled = () => new ApiError('CANCELLED', 'The PDF was cancelled.', { reason: 'pdf_cancelled' });

type Outcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; stderr: string }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'spawn_failed'; detail: string };

/**
 * Runs the browser and settles once it is gone. On POSIX it leads its own process group, so a
 * kill reaches its renderer and GPU helpers too; the profile folder is removed only after exit.
 */
function run(executable: string, args: string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<Outcome> {
  return new Promise((resolve) => {
    const posix = process.platform !== 'win32';
    const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: posix, windowsHide: true });
    let stderr = '';
    let stopped: 'timeout' | 'cancelled' | null = null;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Only the end is reported; a chatty browser must not grow this without bound.
      stderr = (stderr + chunk).slice(-8_000);
    });
    const stop = (why: 'timeout' | 'cancelled') => {
      if (stopped) return;
      stopped = why;
      try {
        if (posix && child.pid) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (outcome: Outcome) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.once('error', (error) => finish({ kind: 'spawn_failed', detail: error.message }));
    child.once('close', (code, exitSignal) => finish(stopped === 'timeout' ? { kind: 'timeout' } : stopped === 'cancelled' ? { kind: 'cancelled' } : { kind: 'exited', code, signal: exitSignal, stderr }));
  });
}

async function isPdf(file: string): Promise<boolean> {
  try {
    const handle = await fs.promises.open(file, 'r');
    try {
      const head = Buffer.alloc(5);
      const { bytesRead } = await handle.read(head, 0, 5, 0);
      return bytesRead === 5 && head.toString('latin1') === '%PDF-';
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** Chromium's stderr is mostly noise; its last lines say what went wrong. */
function lastLines(stderr: string): string {
  return stderr.trim().split('\n').slice(-3).join(' | ').slice(-500);
}
