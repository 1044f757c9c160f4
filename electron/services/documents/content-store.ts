import fs from 'node:fs';
import path from 'node:path';
import { ensureDir } from '../files/safe-fs.ts';

/**
 * Content-addressed copies of ingested documents (`<dir>/<sha256>`): re-embedding with another
 * model must not depend on the original file still being where it was.
 */
export function createContentStore(dir: string) {
  const fileFor = (hash: string) => {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('Invalid content hash.');
    return path.join(dir, hash.slice(0, 2), hash);
  };
  return {
    put(hash: string, bytes: Uint8Array): void {
      const file = fileFor(hash);
      if (fs.existsSync(file)) return;
      ensureDir(path.dirname(file));
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, bytes);
      fs.renameSync(temporary, file);
    },
    get(hash: string): Uint8Array | null {
      try {
        return fs.readFileSync(fileFor(hash));
      } catch {
        return null;
      }
    },
  };
}
