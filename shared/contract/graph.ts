import { z } from 'zod';
import { method } from './define.ts';
import { entityId } from './entities/fields.ts';

/** Graph-RAG metadata (issue 15, seed 002): a document's extraction and a workspace's entities. */

export interface GraphEntityView {
  name: string;
  type: string;
  description: string;
}

export interface GraphRelationView {
  source: string;
  relation: string;
  target: string;
}

/** A document's last extraction: `summary_only` when the entities could not be had (seed 002's fallback). */
export interface DocumentGraphView {
  outcome: 'extracted' | 'summary_only' | 'failed';
  /** Why not `extracted` (a code: timeout, generator_failed, unusable_output, empty_text). */
  reason: string | null;
  summary: string | null;
  entities: GraphEntityView[];
  relations: GraphRelationView[];
  extractedAt: string;
}

/** The entities of a workspace's documents the caller may see, most mentioned first, with the relations between them. */
export interface WorkspaceGraphView {
  entities: Array<GraphEntityView & { id: number; mentions: number }>;
  relations: Array<GraphRelationView & { sourceId: number; targetId: number; documents: number }>;
}

export const graphMethods = {
  /** The document's summary, entities and relations; null until extracted. */
  'documents.graph': method<DocumentGraphView | null>()({ input: z.object({ documentId: entityId }).strict(), permission: 'read' }),
  'graph.entities': method<WorkspaceGraphView>()({ input: z.object({ workspaceId: entityId, limit: z.number().int().min(1).max(500).default(100) }).strict(), permission: 'read' }),
  /** Extracts the graphs of the workspace's documents not extracted yet (or changed since), in the background. */
  'graph.extract': method<{ scheduled: number }>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'ask' }),
};
