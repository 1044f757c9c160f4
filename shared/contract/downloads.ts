import { z } from 'zod';
import { method } from './define.ts';

/**
 * Models EvalDesk can fetch from Hugging Face when the user asks (and only then). The catalog
 * itself is local: listing it never touches the network.
 */
export type CatalogKind = 'chat' | 'embedder';

/** One curated model. Texts are English; the renderer translates them by `id`. */
export interface CatalogEntry {
  id: string;
  kind: CatalogKind;
  displayName: string;
  /** One line saying what the model is good for. */
  description: string;
  /** ISO 639-1 codes of the languages it handles well. */
  languages: string[];
  /** Approximate total download, for display before anything is fetched; exact sizes come from the hub. */
  approxSizeBytes: number;
  /** Short licence name; some (EXAONE) forbid commercial use, which a PoC team must know before choosing. */
  license: string;
  /** Hugging Face repository, `owner/name`. */
  repo: string;
  /** Files to fetch, relative to the repository root. */
  files: string[];
  /**
   * Where it is installed: chat models as `<models folder>/<installName>` (a .gguf file), embedders as
   * the folder `<models folder>/embeddings/<installName>`, usable as the embedder `onnx:<installName>`.
   */
  installName: string;
}

export interface CatalogItem extends CatalogEntry {
  /** `partial`: an interrupted or cancelled download whose bytes are kept for a resume. */
  state: 'not_installed' | 'partial' | 'installed';
  /** Bytes of this entry on disk: the installed files, or what a partial download holds so far. */
  bytesOnDisk: number;
  /** The installed file (chat) or folder (embedder); null until installed. */
  installedPath: string | null;
  /** The registered model for an installed chat model (null when it is not registered). */
  modelId: number | null;
  /** `onnx:<installName>` for an installed embedder. */
  embedderSpec: string | null;
  /** A download of this entry is running now. */
  downloading: boolean;
}

/** What `downloads.start` installed. */
export type DownloadResult = {
  catalogId: string;
  /** The installed file (chat) or folder (embedder). */
  path: string;
  /** It was installed before this call; nothing was downloaded. */
  alreadyInstalled: boolean;
  /** Bytes received over the network by this call. */
  bytesTransferred: number;
  /** Bytes that an earlier, interrupted download had kept and this call did not fetch again. */
  resumedFromBytes: number;
} & ({ kind: 'chat'; modelId: number } | { kind: 'embedder'; embedderSpec: string });

const catalogId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a catalog id is lower-case letters, digits, dots, dashes and underscores');

export const downloadMethods = {
  /** The curated list with what is installed or partly downloaded; reads the disk only. */
  'downloads.catalog': method<CatalogItem[]>()({ input: z.object({}).strict(), permission: 'read' }),
  /**
   * Downloads (or resumes) one entry as a job: `job.progress` events of kind `download`, with the
   * file being fetched as `detail`; cancel with `jobs.cancel` (the job id defaults to
   * `download:<catalogId>`). A cancelled or failed download keeps its bytes for the next start.
   */
  'downloads.start': method<DownloadResult>()({
    input: z.object({ catalogId, jobId: z.string().min(1).max(100).optional() }).strict(),
    permission: 'manage',
  }),
  /** Deletes what a partial download kept. Installed files are not touched. */
  'downloads.discard': method<{ discarded: boolean; bytesFreed: number }>()({
    input: z.object({ catalogId }).strict(),
    permission: 'manage',
  }),
};
