import fs from 'node:fs';
import path from 'node:path';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { BrowseEntry, BrowseListing, BrowseRoot, BrowseRootId } from '../../../shared/contract/files.ts';
import { withTimeout } from '../jobs/abortable.ts';

export interface FileBrowserOptions {
  /** The folders browsing may enter (home, data, models); read on every call, since settings change. */
  roots: () => Promise<Array<{ id: BrowseRootId; path: string }>> | Array<{ id: BrowseRootId; path: string }>;
  /** Entries shown per listing before it is cut off (`truncated`). */
  maxEntries?: number;
  /** A listing on a hung network mount gives up after this long. */
  timeoutMs?: number;
}

type BrowseInput = ParsedInput<'files.browse'>;
type Kind = BrowseEntry['kind'];

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
/** How many statted entries are examined at once: enough to hide latency, few enough not to hog the thread pool. */
const statConcurrency = 32;

/** `child` is `parent` or lies below it (path.relative is case-insensitive on Windows). */
function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function unreadable(target: string, error: unknown): ApiError {
  const code = errnoOf(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new ApiError('NOT_FOUND', `${target} does not exist.`, { entity: 'path', path: target });
  const reason = code === 'EACCES' || code === 'EPERM' ? 'permission_denied' : code === 'ELOOP' ? 'symlink_loop' : 'io_error';
  const sentence = { permission_denied: 'permission is denied', symlink_loop: 'its symbolic links loop', io_error: `the system reported ${code ?? 'an error'}` }[reason];
  return new ApiError('PATH_UNREADABLE', `EvalDesk cannot read ${target}: ${sentence}.`, { path: target, reason }, { cause: error });
}

function kindOf(stat: fs.Stats | fs.Dirent): Kind | null {
  if (stat.isDirectory()) return 'folder';
  if (stat.isFile()) return 'file';
  if (stat.isFIFO() || stat.isSocket() || stat.isCharacterDevice() || stat.isBlockDevice()) return 'other';
  return null; // a symlink, or a file system that does not report types: stat decides
}

/**
 * Lists folders and files for the web bridge's file dialog, only inside the allowed roots. Paths
 * are compared as real paths (symlinks resolved, `..` collapsed), so neither a link nor `..` leads
 * outside. Listing reads directory entries and stats them; it never opens a file, so a FIFO or a
 * device in the folder cannot block it. It is bounded in entries and in time.
 */
export function createFileBrowser(options: FileBrowserOptions) {
  const maxEntries = options.maxEntries ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function realRoots(): Promise<BrowseRoot[]> {
    const roots: BrowseRoot[] = [];
    for (const root of await options.roots()) {
      try {
        roots.push({ id: root.id, path: await fs.promises.realpath(root.path) });
      } catch {
        // A root that does not exist (a models folder on an unplugged drive) is simply not offered.
      }
    }
    return roots;
  }

  function wanted(kind: Kind, name: string, input: BrowseInput): boolean {
    if (kind === 'folder') return input.show !== 'files';
    if (input.show === 'folders') return false;
    if (!input.extensions?.length) return true;
    const lower = name.toLowerCase();
    return input.extensions.some((extension) => lower.endsWith((extension.startsWith('.') ? extension : `.${extension}`).toLowerCase()));
  }

  /** One entry, or null when it is filtered out, gone, or a symlink leading outside the roots. */
  async function describe(folder: string, dirent: fs.Dirent, input: BrowseInput, roots: BrowseRoot[]): Promise<BrowseEntry | null> {
    const full = path.join(folder, dirent.name);
    let stat: fs.Stats;
    try {
      if (dirent.isSymbolicLink()) {
        const target = await fs.promises.realpath(full);
        if (!roots.some((root) => isInside(target, root.path))) return null;
      }
      stat = await fs.promises.stat(full); // follows links without opening anything
    } catch {
      return null;
    }
    const kind = kindOf(stat) ?? 'other';
    if (!wanted(kind, dirent.name, input)) return null;
    return { name: dirent.name, path: full, kind, sizeBytes: kind === 'file' ? stat.size : null, modifiedAt: stat.mtime.toISOString() };
  }

  async function list(folder: string, input: BrowseInput, roots: BrowseRoot[]): Promise<{ entries: BrowseEntry[]; truncated: boolean }> {
    let dir: fs.Dir;
    try {
      dir = await fs.promises.opendir(folder, { bufferSize: 256 });
    } catch (error) {
      throw unreadable(folder, error);
    }
    const candidates: fs.Dirent[] = [];
    let truncated = false;
    // Names filtered out still cost a read: bound those too, so a folder of a million files ends.
    let examined = 0;
    try {
      for await (const dirent of dir) {
        if (++examined > maxEntries * 20 || candidates.length >= maxEntries) {
          truncated = true;
          break;
        }
        if (!input.showHidden && dirent.name.startsWith('.')) continue;
        const hint = kindOf(dirent);
        if (hint && !wanted(hint, dirent.name, input)) continue;
        candidates.push(dirent);
      }
    } catch (error) {
      throw unreadable(folder, error);
    }
    const entries: BrowseEntry[] = [];
    for (let i = 0; i < candidates.length; i += statConcurrency) {
      const batch = await Promise.all(candidates.slice(i, i + statConcurrency).map((dirent) => describe(folder, dirent, input, roots)));
      for (const entry of batch) if (entry) entries.push(entry);
    }
    entries.sort((a, b) => Number(b.kind === 'folder') - Number(a.kind === 'folder') || collator.compare(a.name, b.name));
    return { entries, truncated };
  }

  async function browse(input: BrowseInput): Promise<BrowseListing> {
    const roots = await realRoots();
    if (roots.length === 0) throw new ApiError('NOT_FOUND', 'None of the folders EvalDesk may browse (home, data, models) exists.', { entity: 'path' });
    const requested = path.resolve(input.path ?? (roots.find((root) => root.id === 'home') ?? roots[0]!).path);
    let real: string;
    let stat: fs.Stats;
    try {
      real = await fs.promises.realpath(requested);
      stat = await fs.promises.stat(real);
    } catch (error) {
      throw unreadable(requested, error);
    }
    const folder = stat.isDirectory() ? real : path.dirname(real);
    if (!roots.some((root) => isInside(real, root.path) && isInside(folder, root.path))) {
      throw new ApiError('FORBIDDEN', `The file browser shows only your home folder, the data folder and the models folder; ${requested} is outside them. Type the full path instead.`, {
        path: requested,
        reason: 'outside_roots',
      });
    }
    const { entries, truncated } = await list(folder, input, roots);
    const atRoot = roots.some((root) => root.path === folder);
    const above = path.dirname(folder);
    return {
      path: folder,
      parent: atRoot || !roots.some((root) => isInside(above, root.path)) ? null : above,
      roots,
      entries,
      truncated,
      selected: stat.isDirectory() ? null : real,
    };
  }

  return {
    browse(input: BrowseInput): Promise<BrowseListing> {
      return withTimeout(browse(input), timeoutMs, () => new ApiError('PATH_UNREADABLE', `Listing ${input.path ?? 'the home folder'} took longer than ${timeoutMs / 1000} s; the drive may be unavailable.`, { path: input.path ?? '', reason: 'timeout' }));
    },
  };
}

export type FileBrowser = ReturnType<typeof createFileBrowser>;
