import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/contract/errors.ts';
import { writeFailureOf } from '../files/safe-fs.ts';
import { cancelledError, openResponse, retrying, statusError, toDownloadError, TransferError, type TransferTuning } from './transfer.ts';

/** A file on the hub, as its listing describes it. */
export interface RemoteFile {
  /** Path inside the repository, used in messages. */
  name: string;
  url: string;
  size: number;
  /**
   * What the hub says the content hashes to: the LFS sha256 for large files, the git blob sha1
   * (`sha1("blob <size>\0" + content)`) for small ones it stores in git itself.
   */
  checksum: { algorithm: 'sha256' | 'git-blob-sha1'; hex: string } | null;
}

export interface FileTransfer {
  /** Bytes received over the network. */
  transferred: number;
  /** Bytes an earlier attempt had kept and this one did not fetch again. */
  resumedFrom: number;
}

/** What the `.partial` file holds, so a resume only continues bytes of the same remote file. */
interface PartialRecord {
  url: string;
  size: number;
  checksum: RemoteFile['checksum'];
  etag: string | null;
}

function newHash(file: RemoteFile): crypto.Hash {
  if (file.checksum?.algorithm === 'git-blob-sha1') return crypto.createHash('sha1').update(`blob ${file.size}\0`);
  return crypto.createHash('sha256');
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    const stat = await fs.promises.stat(file);
    return stat.isFile() ? stat.size : null;
  } catch {
    return null;
  }
}

async function readRecord(file: string): Promise<PartialRecord | null> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as PartialRecord;
  } catch {
    return null;
  }
}

function sameRemote(record: PartialRecord | null, file: RemoteFile): boolean {
  return record !== null && record.url === file.url && record.size === file.size && record.checksum?.hex === file.checksum?.hex;
}

/** `Content-Range: bytes 100-199/1000` → start 100, total 1000 (null when `*`). */
function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

/** A failed write or rename as the API's error: a full disk is the one people can act on. */
function diskError(error: unknown, file: string, where: string): unknown {
  if (error instanceof ApiError || error instanceof TransferError) return error;
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  // Only file-system failures (they name their system call); anything else is not the disk's fault.
  if (!code || !syscall) return error;
  const failure = writeFailureOf(error);
  if (failure === 'disk_full') {
    return new ApiError('DOWNLOAD_FAILED', `The disk holding ${where} is full. Free some space, then start the download again: it resumes where it stopped.`, { reason: 'disk_full', file, path: where }, { cause: error });
  }
  return new ApiError('DOWNLOAD_FAILED', `EvalDesk cannot write ${where} (${code}). Check the models folder in Settings.`, { reason: 'not_writable', file, path: where, cause: failure }, { cause: error });
}

/** Feeds the first `length` bytes of a file into `hash`, streamed (partial downloads can be gigabytes). */
async function hashExisting(file: string, length: number, hash: crypto.Hash, signal: AbortSignal): Promise<void> {
  if (length === 0) return;
  try {
    for await (const chunk of fs.createReadStream(file, { start: 0, end: length - 1, signal, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (error) {
    if (signal.aborted) throw cancelledError();
    throw error;
  }
}

/**
 * Downloads `file` to `target`, resumably: bytes go to `partial` (with `<partial>.json` saying
 * which remote file they belong to), an interrupted or cancelled download keeps them, and the next
 * call continues with an HTTP Range request (If-Range guarded, so a changed remote file starts
 * over). The checksum is computed while writing; only a verified file is renamed to `target`, so
 * a file under its final name is always complete. A mismatch deletes the bytes.
 */
export async function fetchFileResumable(
  file: RemoteFile,
  paths: { partial: string; target: string },
  options: { signal: AbortSignal; tuning: TransferTuning; onProgress?: (bytesOnDisk: number) => void },
): Promise<FileTransfer> {
  const { partial, target } = paths;
  const recordPath = `${partial}.json`;
  if ((await sizeOf(target)) === file.size) return { transferred: 0, resumedFrom: file.size };

  let offset = 0;
  let record = await readRecord(recordPath);
  const kept = await sizeOf(partial);
  if (kept !== null && kept <= file.size && sameRemote(record, file)) offset = kept;
  else record = null;
  const resumedFrom = offset;
  let hash = newHash(file);
  let transferred = 0;

  let handle: fs.promises.FileHandle;
  try {
    await fs.promises.mkdir(path.dirname(partial), { recursive: true });
    // r+ keeps the kept bytes; w starts a fresh (or foreign) partial file from nothing.
    handle = await fs.promises.open(partial, offset > 0 ? 'r+' : 'w');
  } catch (error) {
    throw diskError(error, file.name, partial);
  }
  try {
    await hashExisting(partial, offset, hash, options.signal);
    options.onProgress?.(offset);
    const startOver = async () => {
      await handle.truncate(0);
      offset = 0;
      hash = newHash(file);
    };

    await retrying({ tuning: options.tuning, signal: options.signal, retryOffline: true, progress: () => transferred }, async () => {
      if (offset === file.size) return;
      const headers: Record<string, string> = { 'accept-encoding': 'identity' };
      if (offset > 0) {
        headers['range'] = `bytes=${offset}-`;
        // A weak ETag cannot guard a byte range (RFC 9110 13.1.5).
        if (record?.etag && !record.etag.startsWith('W/')) headers['if-range'] = record.etag;
      }
      const opened = await openResponse(file.url, { headers, signal: options.signal, stallTimeoutMs: options.tuning.stallTimeoutMs });
      try {
        const { status } = opened.response;
        if (status === 416 && offset > 0) {
          // The server has fewer bytes than were kept: the remote file changed. Start over.
          await startOver();
          throw new TransferError('interrupted', 'the server no longer has the bytes kept from before');
        }
        if (status === 200 && offset > 0) await startOver(); // Range ignored, or If-Range saw a new version.
        else if (status === 206) {
          const range = parseContentRange(opened.response.headers.get('content-range'));
          if (!range || range.start !== offset || (range.total !== null && range.total !== file.size)) {
            throw new TransferError('bad_response', `the server sent bytes from ${range?.start ?? '?'} of ${range?.total ?? '?'}, not from ${offset} of ${file.size}`);
          }
        } else if (status !== 200) throw statusError(status);

        record = { url: file.url, size: file.size, checksum: file.checksum, etag: opened.response.headers.get('etag') };
        await fs.promises.writeFile(recordPath, JSON.stringify(record));
        for await (const chunk of opened.chunks()) {
          if (offset + chunk.length > file.size) throw new TransferError('bad_response', `the file is larger than the ${file.size} bytes the hub lists`);
          await handle.write(chunk, 0, chunk.length, offset);
          hash.update(chunk);
          offset += chunk.length;
          transferred += chunk.length;
          options.onProgress?.(offset);
        }
        if (offset < file.size) throw new TransferError('interrupted', `the connection closed after ${offset} of ${file.size} bytes`);
      } finally {
        opened.close();
      }
    });
    await handle.sync();
  } catch (error) {
    throw diskError(toDownloadError(error, { file: file.name, url: file.url }), file.name, partial);
  } finally {
    await handle.close().catch(() => {});
  }

  const actual = hash.digest('hex');
  if (file.checksum && actual !== file.checksum.hex) {
    await fs.promises.rm(partial, { force: true });
    await fs.promises.rm(recordPath, { force: true });
    const algorithm = file.checksum.algorithm === 'sha256' ? 'sha256' : 'git blob sha1';
    throw new ApiError(
      'CHECKSUM_MISMATCH',
      `The downloaded ${file.name} does not match the checksum the hub lists (${algorithm} ${file.checksum.hex}, got ${actual}). The damaged file was deleted; start the download again.`,
      { file: file.name, algorithm: file.checksum.algorithm, expected: file.checksum.hex, actual },
    );
  }
  try {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.rename(partial, target);
    await fs.promises.rm(recordPath, { force: true });
  } catch (error) {
    throw diskError(error, file.name, target);
  }
  return { transferred, resumedFrom };
}
