import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { invalid } from './errors.ts';

/**
 * The content-addressed adapter store (`<data folder>/adapters`): every adapter is kept as
 * `<sha256 of its bytes>.gguf` and never overwritten. This matters beyond tidiness: node-llama-cpp
 * caches adapters per loaded model by file path, so a file replaced in place would keep serving
 * the old weights. A new or changed adapter always gets a new path.
 *
 * Files are written under a staging name, checked, and only then given their final name, so the
 * store never holds half an adapter, and a refused one leaves nothing behind.
 */

const stagingPrefix = '.staging-';

export interface StoredFile {
  filePath: string;
  sha256: string;
  bytes: number;
  /** The store already held this exact content. */
  reused: boolean;
}

export async function sha256File(filePath: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Writes a file with `write`, runs `check` on it, then stores it under its content hash. Whatever
 * `write` or `check` throws is rethrown after the staged file is removed.
 */
export async function storeContentAddressed(
  storeDir: string,
  write: (stagingPath: string) => void | Promise<void>,
  check: (stagingPath: string) => void | Promise<void> = () => {},
): Promise<StoredFile> {
  fs.mkdirSync(storeDir, { recursive: true });
  const staging = path.join(storeDir, `${stagingPrefix}${process.pid}-${crypto.randomUUID()}.gguf`);
  try {
    await write(staging);
    await check(staging);
    const sha256 = await sha256File(staging);
    const bytes = fs.statSync(staging).size;
    const filePath = path.join(storeDir, `${sha256}.gguf`);
    const reused = await placeWithoutOverwriting(staging, filePath, sha256);
    return { filePath, sha256, bytes, reused };
  } finally {
    fs.rmSync(staging, { force: true });
  }
}

/** Gives the staged file its final name unless that name exists; true when it did (same content). */
async function placeWithoutOverwriting(staging: string, filePath: string, sha256: string): Promise<boolean> {
  try {
    // A hard link fails when the name exists, so two imports racing cannot overwrite each other.
    fs.linkSync(staging, filePath);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      // Filesystems without hard links (some network and FAT volumes): check, then rename.
      if (!fs.existsSync(filePath)) {
        fs.renameSync(staging, filePath);
        return false;
      }
    }
  }
  if ((await sha256File(filePath)) !== sha256) {
    throw invalid(
      'store_conflict',
      `The adapter store holds a damaged file under ${path.basename(filePath)} (its content does not match its name). Remove it and add the adapter again.`,
      { path: filePath },
    );
  }
  return true;
}

/** Removes staging files left by a crash. Call at start-up, before any import runs. */
export function removeStaleStaging(storeDir: string): number {
  let removed = 0;
  for (const entry of fs.existsSync(storeDir) ? fs.readdirSync(storeDir) : []) {
    if (!entry.startsWith(stagingPrefix)) continue;
    fs.rmSync(path.join(storeDir, entry), { force: true });
    removed++;
  }
  return removed;
}
