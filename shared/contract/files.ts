import { z } from 'zod';
import { method } from './define.ts';
import { absolutePath } from './entities/fields.ts';

/**
 * A server-side file browser for the web bridge, where the browser's own file dialog cannot hand
 * a real path to the main process. It lists only inside the allowed roots; typed paths still work
 * everywhere else in the API.
 */
export type BrowseRootId = 'home' | 'data' | 'models';

export interface BrowseRoot {
  id: BrowseRootId;
  /** The root's real path (symlinks resolved), the form every listed path has. */
  path: string;
}

export interface BrowseEntry {
  name: string;
  path: string;
  /** `other`: a FIFO, socket or device. Listed so the folder looks as it is, but never opened. */
  kind: 'folder' | 'file' | 'other';
  /** Size of a file; null for folders and for entries that could not be read. */
  sizeBytes: number | null;
  modifiedAt: string | null;
}

export interface BrowseListing {
  /** The folder listed, as a real path. */
  path: string;
  /** The folder above, or null at the top of an allowed root. */
  parent: string | null;
  roots: BrowseRoot[];
  /** Folders first, then the rest, each sorted by name (numbers in names compare as numbers). */
  entries: BrowseEntry[];
  /** The folder holds more than the listing limit; only part of it is shown. */
  truncated: boolean;
  /** When the path asked for was a file: that file (its folder is what is listed). */
  selected: string | null;
}

export const fileMethods = {
  'files.browse': method<BrowseListing>()({
    input: z
      .object({
        /** A folder, or a file to select in its folder; the home folder when left out. */
        path: absolutePath.optional(),
        show: z.enum(['folders', 'files', 'both']).default('both'),
        /** File name endings to show, like `gguf` or `.md` (case-insensitive); folders always show. */
        extensions: z.array(z.string().min(1).max(20).regex(/^\.?[\p{L}\p{N}_-]+$/u, 'an extension is letters, digits, - or _')).max(50).optional(),
        /** Dot files and dot folders are left out unless asked for. */
        showHidden: z.boolean().default(false),
      })
      .strict(),
    permission: 'ask',
  }),
};
