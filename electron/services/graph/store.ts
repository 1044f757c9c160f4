import { sql } from 'kysely';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { mergeGraph, resolveLimits, type DocumentGraphResult, type ExtractionOutcome, type GraphEntity, type GraphLimits, type GraphRelation } from './extract.ts';
import { codePointLength, normalizeName, occurrences } from './normalize.ts';

/**
 * Graph-RAG metadata in SQLite (migration 025): each document's last extraction, the workspace's
 * entities (one per normalized name), which documents mention them, and the relations each
 * document states; plus the queries entity-aware retrieval and the entity view need.
 *
 * Saving replaces a document's graph in one transaction. An entity stays while any document of
 * its workspace mentions it (a trigger removes it with its last mention, also when a document is
 * deleted); its shown name and type are those of the document that mentions it first (lowest
 * document id; the first non-empty type), its description the longest any document gave.
 */

export interface SaveDocumentGraphInput {
  workspaceId: number;
  documentId: number;
  /** The content the extraction read: a re-ingest with another hash needs a new extraction (needsExtraction). */
  contentHash: string;
  /** The registered model that extracted it; null when not a registered one. */
  modelId: number | null;
  result: DocumentGraphResult;
  /** The limits the extraction ran with, when not the defaults: the saved graph is cut to them. */
  limits?: Partial<GraphLimits>;
}

export interface StoredDocumentGraph {
  documentId: number;
  workspaceId: number;
  outcome: ExtractionOutcome;
  summary: string | null;
  reason: string | null;
  parts: number;
  modelId: number | null;
  contentHash: string;
  extractedAt: string;
  /** As this document's extraction gave them, in its order. */
  entities: Array<GraphEntity & { entityId: number }>;
  relations: Array<GraphRelation & { sourceEntityId: number; targetEntityId: number }>;
}

export interface WorkspaceEntity extends GraphEntity {
  id: number;
  /** How many documents mention it. */
  mentions: number;
}

export interface WorkspaceRelation {
  sourceId: number;
  source: string;
  relation: string;
  targetId: number;
  target: string;
  /** How many documents state it. */
  documents: number;
}

export interface MentioningDocument {
  documentId: number;
  docId: string;
  title: string;
  /** The asked entities it mentions, by their workspace names. */
  entities: Array<{ id: number; name: string }>;
}

export interface OneHopRelation {
  id: number;
  documentId: number;
  sourceId: number;
  source: string;
  relation: string;
  targetId: number;
  target: string;
}

export interface MatchedEntity {
  id: number;
  name: string;
  normalizedName: string;
}

/** A name shorter than this (after normalization) is never looked for in a question: one character matches too much. */
export const minMatchLength = 2;
const maxQuestionChars = 4000;
const maxListed = 1000;

const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

function requireId(value: unknown, field: string): number {
  if (!isId(value)) throw new ApiError('VALIDATION', `${field} must be a positive whole number.`, { field });
  return value;
}

function requireLimit(value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw new ApiError('VALIDATION', `limit must be a whole number from 1 to ${max}.`, { field: 'limit', max });
  return value;
}

function requireIds(values: unknown, field: string): number[] {
  if (!Array.isArray(values) || values.length > maxListed || !values.every(isId)) throw new ApiError('VALIDATION', `${field} must be a list of at most ${maxListed} positive whole numbers.`, { field, max: maxListed });
  return [...new Set(values)];
}

function validResult(result: unknown): DocumentGraphResult {
  const invalid = (what: string) => new ApiError('VALIDATION', `The extraction result is invalid: ${what}.`, { field: 'result' });
  if (!result || typeof result !== 'object') throw invalid('not an object');
  const value = result as Partial<DocumentGraphResult>;
  if (value.outcome !== 'extracted' && value.outcome !== 'summary_only' && value.outcome !== 'failed') throw invalid('unknown outcome');
  if (value.outcome === 'failed' ? value.summary !== null : typeof value.summary !== 'string' || !value.summary.trim()) throw invalid('a summary is required unless the outcome is failed, and none with it');
  if (!Array.isArray(value.entities) || !Array.isArray(value.relations)) throw invalid('entities and relations must be lists');
  if (value.outcome !== 'extracted' && (value.entities.length || value.relations.length)) throw invalid('only an extracted result has entities and relations');
  const isText = (field: unknown) => typeof field === 'string';
  if (!value.entities.every((e) => e && isText(e.name) && isText(e.type) && isText(e.description))) throw invalid('an entity needs a name, type and description');
  if (!value.relations.every((r) => r && isText(r.source) && isText(r.relation) && isText(r.target))) throw invalid('a relation needs a source, relation and target');
  if (!(Number.isInteger(value.parts) && value.parts! >= 0)) throw invalid('parts must be a whole number');
  return value as DocumentGraphResult;
}

/**
 * Replaces the document's graph with `result`, in one transaction: its extraction row, its
 * mentions and its relations; entities it no longer mentions and no other document does are
 * removed. The entities and relations are put through the extraction's merge rules again
 * (deduplicated, cut to the limits, every relation between two of the document's entities), so a
 * hand-made result keeps the same invariants.
 */
export async function saveDocumentGraph(db: Db, input: SaveDocumentGraphInput): Promise<void> {
  const workspaceId = requireId(input?.workspaceId, 'workspaceId');
  const documentId = requireId(input.documentId, 'documentId');
  if (typeof input.contentHash !== 'string' || !input.contentHash || input.contentHash.length > 200) throw new ApiError('VALIDATION', 'contentHash must be a non-empty text of at most 200 characters.', { field: 'contentHash' });
  if (input.modelId !== null && !isId(input.modelId)) throw new ApiError('VALIDATION', 'modelId must be a positive whole number or null.', { field: 'modelId' });
  const result = validResult(input.result);
  const graph = mergeGraph(result.entities, result.relations, resolveLimits(input.limits));

  await db.transaction().execute(async (trx) => {
    const document = await trx.selectFrom('documents').select('id').where('id', '=', documentId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!document) throw new ApiError('NOT_FOUND', `Document ${documentId} is not in workspace ${workspaceId}.`, { documentId, workspaceId });

    const previous = (await trx.selectFrom('graph_mentions').select('entity_id').where('document_id', '=', documentId).execute()).map((row) => row.entity_id);

    const idByKey = new Map<string, number>();
    for (const entity of graph.entities) {
      const key = normalizeName(entity.name);
      await trx
        .insertInto('graph_entities')
        .values({ workspace_id: workspaceId, normalized_name: key, name: entity.name, type: entity.type, description: entity.description })
        .onConflict((oc) => oc.columns(['workspace_id', 'normalized_name']).doNothing())
        .execute();
      const row = await trx.selectFrom('graph_entities').select('id').where('workspace_id', '=', workspaceId).where('normalized_name', '=', key).executeTakeFirstOrThrow();
      idByKey.set(key, row.id);
    }
    const current = [...idByKey.values()];

    await trx.deleteFrom('graph_relations').where('document_id', '=', documentId).execute();
    // The trigger removes an entity with its last mention; the ones mentioned again are kept (not deleted and re-made), so their ids stay.
    let dropped = trx.deleteFrom('graph_mentions').where('document_id', '=', documentId);
    if (current.length) dropped = dropped.where('entity_id', 'not in', current);
    await dropped.execute();

    for (const [position, entity] of graph.entities.entries()) {
      const fields = { position, name: entity.name, type: entity.type, description: entity.description };
      await trx
        .insertInto('graph_mentions')
        .values({ entity_id: idByKey.get(normalizeName(entity.name))!, document_id: documentId, ...fields })
        .onConflict((oc) => oc.columns(['entity_id', 'document_id']).doUpdateSet(fields))
        .execute();
    }
    for (const [position, relation] of graph.relations.entries()) {
      await trx
        .insertInto('graph_relations')
        .values({
          workspace_id: workspaceId,
          document_id: documentId,
          position,
          source_entity_id: idByKey.get(normalizeName(relation.source))!,
          relation: relation.relation,
          target_entity_id: idByKey.get(normalizeName(relation.target))!,
        })
        .execute();
    }

    const touched = [...new Set([...previous, ...current])];
    if (touched.length) {
      await sql`UPDATE graph_entities SET
          name = coalesce((SELECT m.name FROM graph_mentions m WHERE m.entity_id = graph_entities.id ORDER BY m.document_id LIMIT 1), name),
          type = coalesce((SELECT m.type FROM graph_mentions m WHERE m.entity_id = graph_entities.id AND m.type <> '' ORDER BY m.document_id LIMIT 1), ''),
          description = coalesce((SELECT m.description FROM graph_mentions m WHERE m.entity_id = graph_entities.id ORDER BY length(m.description) DESC, m.document_id LIMIT 1), '')
        WHERE id IN (${sql.join(touched)})`.execute(trx);
    }

    const state = {
      workspace_id: workspaceId,
      outcome: result.outcome,
      summary: result.summary,
      reason: result.reason ?? null,
      parts: result.parts,
      model_id: input.modelId,
      content_hash: input.contentHash,
      extracted_at: nowIso(),
    };
    await trx
      .insertInto('graph_extractions')
      .values({ document_id: documentId, ...state })
      .onConflict((oc) => oc.column('document_id').doUpdateSet(state))
      .execute();
  });
}

/** Forgets the document's graph (its extraction row, mentions and relations; entities left unmentioned go too). */
export async function removeDocumentGraph(db: Db, documentId: number): Promise<void> {
  requireId(documentId, 'documentId');
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('graph_relations').where('document_id', '=', documentId).execute();
    await trx.deleteFrom('graph_mentions').where('document_id', '=', documentId).execute();
    await trx.deleteFrom('graph_extractions').where('document_id', '=', documentId).execute();
  });
}

/** Whether the document has no extraction of this content yet (never extracted, or extracted from other content). */
export async function needsExtraction(db: Db, documentId: number, contentHash: string): Promise<boolean> {
  requireId(documentId, 'documentId');
  const row = await db.selectFrom('graph_extractions').select('content_hash').where('document_id', '=', documentId).executeTakeFirst();
  return row?.content_hash !== contentHash;
}

/** The document's last extraction with its entities and relations as it gave them; null when it has none. */
export async function documentGraph(db: Db, documentId: number): Promise<StoredDocumentGraph | null> {
  requireId(documentId, 'documentId');
  const state = await db.selectFrom('graph_extractions').selectAll().where('document_id', '=', documentId).executeTakeFirst();
  if (!state) return null;
  const entities = await db
    .selectFrom('graph_mentions')
    .select(['entity_id', 'name', 'type', 'description'])
    .where('document_id', '=', documentId)
    .orderBy('position')
    .execute();
  const relations = await db
    .selectFrom('graph_relations as r')
    .innerJoin('graph_mentions as s', (join) => join.onRef('s.entity_id', '=', 'r.source_entity_id').onRef('s.document_id', '=', 'r.document_id'))
    .innerJoin('graph_mentions as t', (join) => join.onRef('t.entity_id', '=', 'r.target_entity_id').onRef('t.document_id', '=', 'r.document_id'))
    .select(['r.source_entity_id', 'r.target_entity_id', 'r.relation', 's.name as source', 't.name as target'])
    .where('r.document_id', '=', documentId)
    .orderBy('r.position')
    .execute();
  return {
    documentId: state.document_id,
    workspaceId: state.workspace_id,
    outcome: state.outcome,
    summary: state.summary,
    reason: state.reason,
    parts: state.parts,
    modelId: state.model_id,
    contentHash: state.content_hash,
    extractedAt: state.extracted_at,
    entities: entities.map((row) => ({ entityId: row.entity_id, name: row.name, type: row.type, description: row.description })),
    relations: relations.map((row) => ({ source: row.source, relation: row.relation, target: row.target, sourceEntityId: row.source_entity_id, targetEntityId: row.target_entity_id })),
  };
}

/**
 * The workspace's entities, most mentioned first (then by name), at most `limit` (default 100),
 * and the relations between them, each with how many documents state it: the entity view.
 */
export async function workspaceEntities(db: Db, workspaceId: number, options: { limit?: number; documentIds?: number[] } = {}): Promise<{ entities: WorkspaceEntity[]; relations: WorkspaceRelation[] }> {
  requireId(workspaceId, 'workspaceId');
  const limit = requireLimit(options.limit, 100, maxListed);
  // Only what the given documents say (the ones the asking user may see), when given.
  const within = options.documentIds;
  if (within && within.length === 0) return { entities: [], relations: [] };
  let query = db
    .selectFrom('graph_entities as e')
    .innerJoin('graph_mentions as m', 'm.entity_id', 'e.id')
    .select(['e.id', 'e.name', 'e.type', 'e.description', (eb) => eb.fn.countAll<number>().as('mentions')])
    .where('e.workspace_id', '=', workspaceId);
  if (within) query = query.where('m.document_id', 'in', within);
  const rows = await query
    .groupBy('e.id')
    .orderBy('mentions', 'desc')
    .orderBy('e.normalized_name')
    .orderBy('e.id')
    .limit(limit)
    .execute();
  const entities = rows.map((row) => ({ id: row.id, name: row.name, type: row.type, description: row.description, mentions: Number(row.mentions) }));
  if (!entities.length) return { entities, relations: [] };
  const ids = entities.map((entity) => entity.id);
  const names = new Map(entities.map((entity) => [entity.id, entity.name]));
  let relationQuery = db
    .selectFrom('graph_relations')
    .select(['source_entity_id', 'relation', 'target_entity_id', (eb) => eb.fn.count<number>('document_id').distinct().as('documents')])
    .where('workspace_id', '=', workspaceId)
    .where('source_entity_id', 'in', ids)
    .where('target_entity_id', 'in', ids);
  if (within) relationQuery = relationQuery.where('document_id', 'in', within);
  const relationRows = await relationQuery
    .groupBy(['source_entity_id', 'relation', 'target_entity_id'])
    .orderBy('documents', 'desc')
    .orderBy('source_entity_id')
    .orderBy('target_entity_id')
    .orderBy('relation')
    .execute();
  return {
    entities,
    relations: relationRows.map((row) => ({
      sourceId: row.source_entity_id,
      source: names.get(row.source_entity_id)!,
      relation: row.relation,
      targetId: row.target_entity_id,
      target: names.get(row.target_entity_id)!,
      documents: Number(row.documents),
    })),
  };
}

/**
 * The documents of the workspace that mention any of `entityNames` (compared after normalization),
 * those mentioning the most of them first. Scope and access are the caller's to apply (by the
 * returned document ids), as for any retrieval.
 */
export async function documentsMentioning(db: Db, workspaceId: number, entityNames: string[]): Promise<MentioningDocument[]> {
  requireId(workspaceId, 'workspaceId');
  if (!Array.isArray(entityNames) || entityNames.length > maxListed || !entityNames.every((name) => typeof name === 'string')) {
    throw new ApiError('VALIDATION', `entityNames must be a list of at most ${maxListed} names.`, { field: 'entityNames', max: maxListed });
  }
  const keys = [...new Set(entityNames.map(normalizeName).filter(Boolean))];
  if (!keys.length) return [];
  const rows = await db
    .selectFrom('graph_entities as e')
    .innerJoin('graph_mentions as m', 'm.entity_id', 'e.id')
    .innerJoin('documents as d', 'd.id', 'm.document_id')
    .select(['d.id as documentId', 'd.doc_id as docId', 'd.title', 'e.id as entityId', 'e.name'])
    .where('e.workspace_id', '=', workspaceId)
    .where('d.workspace_id', '=', workspaceId)
    .where('e.normalized_name', 'in', keys)
    .orderBy('d.id')
    .orderBy('m.position')
    .execute();
  const byDocument = new Map<number, MentioningDocument>();
  for (const row of rows) {
    let document = byDocument.get(row.documentId);
    if (!document) byDocument.set(row.documentId, (document = { documentId: row.documentId, docId: row.docId, title: row.title, entities: [] }));
    document.entities.push({ id: row.entityId, name: row.name });
  }
  return [...byDocument.values()].sort((a, b) => b.entities.length - a.entities.length || a.documentId - b.documentId);
}

/** The relations of the workspace that start or end at one of `entityIds`, per document, in document order (at most `limit`, default 200). */
export async function oneHopRelations(db: Db, workspaceId: number, entityIds: number[], options: { limit?: number } = {}): Promise<OneHopRelation[]> {
  requireId(workspaceId, 'workspaceId');
  const ids = requireIds(entityIds, 'entityIds');
  const limit = requireLimit(options.limit, 200, maxListed);
  if (!ids.length) return [];
  const rows = await db
    .selectFrom('graph_relations as r')
    .innerJoin('graph_entities as s', 's.id', 'r.source_entity_id')
    .innerJoin('graph_entities as t', 't.id', 'r.target_entity_id')
    .select(['r.id', 'r.document_id', 'r.source_entity_id', 's.name as source', 'r.relation', 'r.target_entity_id', 't.name as target'])
    .where('r.workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('r.source_entity_id', 'in', ids), eb('r.target_entity_id', 'in', ids)]))
    .orderBy('r.document_id')
    .orderBy('r.position')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ id: row.id, documentId: row.document_id, sourceId: row.source_entity_id, source: row.source, relation: row.relation, targetId: row.target_entity_id, target: row.target }));
}

/**
 * The workspace's entities named in `question`, in the order they first appear (at most `limit`,
 * default 20). Names and question are compared after NFKC and case folding; a name must have at
 * least `minMatchLength` characters. A name in a script written without spaces (Korean, Japanese,
 * Chinese, Thai) is found anywhere ("A프로젝트에서" names A프로젝트); one ending in a Latin (or other
 * spaced) letter or digit must not be glued to other letters ("AI" is not in "said"). A name
 * found only inside a longer name that was also found is left out ("프로젝트" in "A프로젝트").
 */
export async function matchEntitiesInQuestion(db: Db, workspaceId: number, question: string, options: { limit?: number } = {}): Promise<MatchedEntity[]> {
  requireId(workspaceId, 'workspaceId');
  if (typeof question !== 'string') throw new ApiError('VALIDATION', 'The question must be a text.', { field: 'question' });
  const limit = requireLimit(options.limit, 20, maxListed);
  const normalized = normalizeName([...question].slice(0, maxQuestionChars).join(''));
  if (codePointLength(normalized) < minMatchLength) return [];
  const candidates = await db
    .selectFrom('graph_entities')
    .select(['id', 'name', 'normalized_name'])
    .where('workspace_id', '=', workspaceId)
    .where(sql<boolean>`length(normalized_name) >= ${minMatchLength} AND instr(${normalized}, normalized_name) > 0`)
    .execute();
  const found = candidates
    .map((row) => ({ row, at: occurrences(normalized, row.normalized_name) }))
    .filter((match) => match.at.length > 0);
  const spans = found.map((match) => match.at.map((start) => [start, start + match.row.normalized_name.length] as const));
  const kept = found.filter((match, index) =>
    match.at.some((start) => {
      const end = start + match.row.normalized_name.length;
      return !spans.some((other, otherIndex) => otherIndex !== index && found[otherIndex]!.row.normalized_name.length > match.row.normalized_name.length && other.some(([s, e]) => s <= start && end <= e));
    }),
  );
  return kept
    .sort((a, b) => a.at[0]! - b.at[0]! || b.row.normalized_name.length - a.row.normalized_name.length)
    .slice(0, limit)
    .map((match) => ({ id: match.row.id, name: match.row.name, normalizedName: match.row.normalized_name }));
}
