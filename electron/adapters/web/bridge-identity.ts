import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The web bridge's token and port, kept in the data folder (owner-only permissions) so a tab left
 * open across a restart of `npm run web` reconnects by itself instead of being stranded.
 */
export interface BridgeIdentity {
  token: string;
  port: number | null;
}

const fileName = 'web-bridge.json';

export function loadBridgeIdentity(dataDir: string, options: { rotate?: boolean } = {}): BridgeIdentity {
  const file = path.join(dataDir, fileName);
  if (!options.rotate) {
    try {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<BridgeIdentity>;
      const mode = fs.statSync(file).mode & 0o777;
      // A token others could read is no secret any more: make a new one.
      if (typeof stored.token === 'string' && /^[A-Za-z0-9_-]{32,}$/.test(stored.token) && (mode & 0o077) === 0) {
        return { token: stored.token, port: Number.isInteger(stored.port) ? stored.port! : null };
      }
    } catch {
      // Missing or unreadable: a new identity below.
    }
  }
  const identity = { token: crypto.randomBytes(24).toString('base64url'), port: null };
  saveBridgeIdentity(dataDir, identity);
  return identity;
}

export function saveBridgeIdentity(dataDir: string, identity: BridgeIdentity): void {
  const file = path.join(dataDir, fileName);
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(identity), { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}
