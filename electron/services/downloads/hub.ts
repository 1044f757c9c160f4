import { z } from 'zod';
import { ApiError } from '../../../shared/contract/errors.ts';
import { openResponse, readSmallBody, retrying, statusError, toDownloadError, TransferError, type TransferTuning } from './transfer.ts';
import type { RemoteFile } from './resumable-file.ts';

/**
 * The two Hugging Face endpoints EvalDesk uses: the repository's file listing
 * (`/api/models/<repo>/tree/<revision>?recursive=true`: each file's `path`, `size`, git `oid`,
 * and for large files `lfs: { oid: <sha256>, size }`) and the file itself
 * (`/<repo>/resolve/<revision>/<path>`, which redirects to a CDN and honours Range requests).
 */

export const hubUrlEnvironmentVariable = 'EVALDESK_HUB_URL';

/** The hub to use: the environment variable wins over the setting (tests and mirrors use it). */
export function resolveHubUrl(setting: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[hubUrlEnvironmentVariable] || setting).replace(/\/+$/, '');
}

const treeEntry = z.looseObject({
  type: z.string(),
  path: z.string(),
  size: z.number().int().min(0),
  oid: z.string().optional(),
  lfs: z.looseObject({ oid: z.string(), size: z.number().int().min(0) }).optional(),
});
const treeListing = z.array(treeEntry);

const revision = 'main';
/** A listing is a few kilobytes; anything far larger is not the listing we asked for. */
const maxListingBytes = 8 * 1024 * 1024;

const encodePath = (value: string) => value.split('/').map(encodeURIComponent).join('/');

function checksumOf(entry: z.infer<typeof treeEntry>): RemoteFile['checksum'] {
  if (entry.lfs && /^[0-9a-f]{64}$/.test(entry.lfs.oid)) return { algorithm: 'sha256', hex: entry.lfs.oid };
  if (!entry.lfs && entry.oid && /^[0-9a-f]{40}$/.test(entry.oid)) return { algorithm: 'git-blob-sha1', hex: entry.oid };
  return null;
}

/**
 * Asks the hub for the exact size and checksum of each wanted file. This is the first contact
 * with the network in a download, so a connection that cannot be made at all fails at once with
 * NETWORK_UNAVAILABLE instead of being retried: the computer is offline.
 */
export async function listRemoteFiles(hubUrl: string, repo: string, wanted: readonly string[], options: { signal: AbortSignal; tuning: TransferTuning }): Promise<RemoteFile[]> {
  const listingUrl = `${hubUrl}/api/models/${encodePath(repo)}/tree/${revision}?recursive=true`;
  const context = { file: `the file list of ${repo}`, url: listingUrl };
  let entries: z.infer<typeof treeListing>;
  try {
    entries = await retrying({ tuning: options.tuning, signal: options.signal, retryOffline: false }, async () => {
      const opened = await openResponse(listingUrl, { headers: { accept: 'application/json' }, signal: options.signal, stallTimeoutMs: options.tuning.stallTimeoutMs });
      try {
        if (opened.response.status !== 200) throw statusError(opened.response.status);
        const parsed = treeListing.safeParse(JSON.parse(await readSmallBody(opened, maxListingBytes)));
        if (!parsed.success) throw new TransferError('bad_response', 'the file list is not in the expected form');
        return parsed.data;
      } catch (error) {
        if (error instanceof SyntaxError) throw new TransferError('bad_response', 'the file list is not valid JSON');
        throw error;
      } finally {
        opened.close();
      }
    });
  } catch (error) {
    throw toDownloadError(error, context);
  }

  return wanted.map((name) => {
    const entry = entries.find((candidate) => candidate.path === name && candidate.type === 'file');
    if (!entry) {
      const host = new URL(hubUrl).host;
      throw new ApiError('DOWNLOAD_FAILED', `The repository ${repo} on ${host} no longer has ${name}; EvalDesk's catalog needs an update.`, { reason: 'not_found', file: name, host });
    }
    return {
      name,
      url: `${hubUrl}/${encodePath(repo)}/resolve/${revision}/${encodePath(name)}`,
      size: entry.lfs?.size ?? entry.size,
      checksum: checksumOf(entry),
    };
  });
}
