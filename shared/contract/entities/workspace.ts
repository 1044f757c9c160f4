import { z } from 'zod';
import { defaultsOf, patchOf } from './derive.ts';
import { entityId, longText, timestamp } from './fields.ts';

export const workspaceCategories = ['qa', 'doc_gen', 'summary'] as const;
export type WorkspaceCategory = (typeof workspaceCategories)[number];

/** `chat` answers even without passages; `query` answers only from documents (seed 000). */
export const chatModes = ['chat', 'query'] as const;
export type ChatMode = (typeof chatModes)[number];

/** What a `query` workspace answers, without asking the model, when its documents hold nothing relevant. */
export const defaultRefusalResponse = 'There is no relevant information in the documents of this workspace.';

/**
 * Everything a person sets on a workspace, each with its bounds and default: the API's create and
 * patch inputs, the stored row's type, the session's frozen settings and the form's defaults all
 * come from here. A new setting is a line here, a migration adding its column, a form field and
 * its labels.
 */
export const workspaceSettingsSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(200),
  businessDomain: z.string().max(200).default(''),
  category: z.enum(workspaceCategories).default('qa'),
  systemPrompt: longText(50_000).default(''),
  temperature: z.number().min(0).max(2).default(0.7),
  maxTokens: z.number().int().min(1).max(32_768).default(512),
  contextSize: z.number().int().min(256).max(1_048_576).default(4096),
  historyTurns: z.number().int().min(0).max(100).default(4),
  /** Passages put into each prompt. */
  topN: z.number().int().min(1).max(50).default(4),
  /** Minimum cosine similarity (-1..1) a passage needs to be used. */
  similarityThreshold: z.number().min(-1).max(1).default(0.25),
  chatMode: z.enum(chatModes).default('chat'),
  refusalResponse: z.string().max(5_000).default(defaultRefusalResponse),
  chunkSize: z.number().int().min(16).max(8192).default(256),
  chunkOverlap: z.number().int().min(0).max(4096).default(32),
  /** `onnx:<model folder>` or `gguf:<path>`; null uses the app's default embedder. */
  embedderId: z.string().min(1).max(4096).nullable().default(null),
  /** Also match passages by their words (full-text, n-grams for CJK), fused with vector ranking. */
  hybridSearch: z.boolean().default(false),
  /** Evaluators see each other's verdicts on an answer only after saving their own (issue 14). */
  blindEvaluation: z.boolean().default(true),
  /**
   * Admins' questions may be answered from EvalDesk's own records (seed 002's SQL route): the
   * model chooses SQL or documents and writes one read-only query. Off by default: it costs two
   * model calls per question. Everyone else always gets documents.
   */
  sqlRoute: z.boolean().default(false),
  /**
   * Seed 002's graph-RAG metadata: after a document is searchable, a model extracts its summary,
   * entities and relations. Off by default: it costs model time per document.
   */
  graphExtraction: z.boolean().default(false),
  /** The registered model that extracts them; null uses the loaded chat model. */
  graphModelId: z.number().int().positive().nullable().default(null),
  /** Entities named in a question bring in the documents that mention them and their relations. */
  entityRetrieval: z.boolean().default(false),
});

export const workspaceSchema = workspaceSettingsSchema.extend({
  id: entityId,
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Workspace = z.output<typeof workspaceSchema>;

export const workspaceCreateInput = workspaceSettingsSchema.strict();
export const workspacePatchInput = patchOf(workspaceSettingsSchema);
export type WorkspaceSettings = z.output<typeof workspaceSettingsSchema>;
export type WorkspacePatch = z.output<typeof workspacePatchInput>;
/** Every setting but the name, as a new workspace starts. */
export const workspaceDefaults = defaultsOf(workspaceSettingsSchema);

/**
 * The settings a session freezes when it starts: editing the workspace later never changes what
 * an earlier answer was produced with. (Chunking and the embedder belong to ingestion, not to
 * answering, so they are not frozen.)
 */
export const sessionSettingsSchema = workspaceSettingsSchema.pick({
  temperature: true,
  maxTokens: true,
  contextSize: true,
  historyTurns: true,
  topN: true,
  similarityThreshold: true,
  chatMode: true,
  refusalResponse: true,
  hybridSearch: true,
  sqlRoute: true,
  entityRetrieval: true,
}).extend({
  /**
   * The sampling seed; null draws one per answer. Batch runs freeze one (with temperature 0 by
   * default) so two versions are compared on equal terms.
   */
  seed: z.number().int().min(0).nullable().default(null),
  /**
   * Whether answers retrieve passages from the workspace's documents. Chosen per session (the
   * user's "use documents by default" preference presets it); a `query` workspace answers only
   * from documents, so it is always true there.
   */
  useDocuments: z.boolean().default(true),
});
export type SessionSettings = z.output<typeof sessionSettingsSchema>;
/** Fills in what sessions from before documents existed did not freeze (they stored no retrieval settings). */
export const sessionSettingsDefaults = defaultsOf(sessionSettingsSchema);
