import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'evaldesk.mjs');

export type CliResult = { code: number; stdout: string; stderr: string };

/** The real `evaldesk` command on a data folder (one thread, CPU), with its exit code and output. */
export function evaldesk(dataDir: string, ...args: string[]): Promise<CliResult> {
  return evaldeskWithEnv(process.env, dataDir, ...args);
}

/** The same, with an environment of its own (EVALDESK_PASSWORD set or left out). */
export async function evaldeskWithEnv(env: NodeJS.ProcessEnv, dataDir: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, '--data-dir', dataDir, '--threads', '1', '--cpu', ...args], { encoding: 'utf8', env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
