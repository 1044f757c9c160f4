import type { GbnfJsonSchema } from 'node-llama-cpp';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { JsonGenerator } from '../runtime/json-generator.ts';
import { clipText, normalizeName } from './normalize.ts';
import { splitIntoParts } from './split.ts';

/**
 * Graph-RAG metadata of one document (issue 15, seed 002's "graph-rag 메타 추출 원칙"): a model
 * reads the text and answers JSON (`summary`, `entities`, `relations`) under a JSON-schema grammar,
 * so the answer parses unless cut off. The model is injected as a JsonGenerator: fixed strings in
 * tests, createLlamaJsonGenerator (runtime/json-generator.ts) in the app.
 *
 * The rules, in one place:
 * - Long documents are cut into parts that fit the model's context (split.ts); each part is
 *   extracted on its own, then the parts' summaries are summarized again into one (one more call;
 *   more rounds only when the parts' summaries together do not fit one prompt) and the parts'
 *   entities merged.
 * - Entities are deduplicated by name after NFKC and case folding (normalize.ts). Of duplicates,
 *   the first keeps its name as written and its type (a later one's type fills an empty one), and
 *   the longest description wins (it says the most). A name must have a letter or digit. Names,
 *   types, descriptions, relations and the summary are cut to the limits below, and a document
 *   keeps at most `entitiesPerDocument` entities and `relationsPerDocument` relations (first come).
 * - A relation is kept only when source, relation and target are all non-empty after trimming
 *   (seed 002). Its ends need not be among the extracted entities: seed 002's own example relates
 *   "A프로젝트", which is not in its entity_nodes but is in its entity_names and entity_count. Here an
 *   end that is not an entity becomes one (empty type and description), so every relation joins
 *   two entities of the document and the stored graph has no dangling ends; when the document's
 *   entity limit leaves no room for it, the relation is dropped. A relation from an entity to
 *   itself, and a repeated one, are dropped. Its ends are written with the entity's name.
 * - The entity graph is all or nothing per document: when a part's extraction fails (the model
 *   fails, times out, or answers what cannot be used), the remaining parts are only summarized
 *   (a summary-only call, for the failed part too) and the document is `summary_only` with no
 *   entities or relations. When a part cannot even be summarized, the document is `failed` with
 *   no summary, and no further call is made.
 * - Every model call has `timeoutMs`: its AbortSignal is aborted then, which stops a llama.cpp
 *   generation; the call is given up on at most `abortGraceMs` later even if the generator ignores
 *   the signal (then no further call is made: the model may still be busy). The caller's `signal`
 *   aborts the call in progress the same way and the extraction rejects with CANCELLED.
 */

export interface GraphEntity {
  name: string;
  type: string;
  description: string;
}

export interface GraphRelation {
  source: string;
  relation: string;
  target: string;
}

export type ExtractionOutcome = 'extracted' | 'summary_only' | 'failed';

/**
 * Why a result fell back: `timeout` (a call ran past timeoutMs), `generator_failed` (the call
 * threw: the model unloaded, the runtime stopped), `unusable_output` (not the JSON asked for: cut
 * off by the token limit, an empty summary), `empty_text` (nothing to read; no call is made).
 */
export type ExtractionReason = 'empty_text' | 'timeout' | 'generator_failed' | 'unusable_output';

export interface DocumentGraphResult {
  /** Null exactly when the outcome is `failed`. */
  summary: string | null;
  /** Empty unless the outcome is `extracted`. */
  entities: GraphEntity[];
  relations: GraphRelation[];
  outcome: ExtractionOutcome;
  /**
   * Set for `summary_only` (why the entities could not be extracted) and `failed` (why there is no
   * summary). Set with `extracted` only when the parts' summaries could not be combined by the
   * model: the summary is then the parts' summaries joined (and cut to the limit).
   */
  reason?: ExtractionReason;
  /** How many parts the document was read in (0 for an empty text). */
  parts: number;
}

export interface GraphLimits {
  nameChars: number;
  typeChars: number;
  descriptionChars: number;
  relationChars: number;
  summaryChars: number;
  entitiesPerDocument: number;
  relationsPerDocument: number;
  /** What the grammar lets the model write for one part. */
  entitiesPerPart: number;
  relationsPerPart: number;
}

export const defaultGraphLimits: Readonly<GraphLimits> = Object.freeze({
  nameChars: 100,
  typeChars: 40,
  descriptionChars: 300,
  relationChars: 80,
  summaryChars: 800,
  entitiesPerDocument: 50,
  relationsPerDocument: 100,
  entitiesPerPart: 16,
  relationsPerPart: 24,
});

export interface ExtractionDeps {
  /** The model, constrained by the schema it is given; must honour the per-call signal to really stop. */
  generate: JsonGenerator;
  /** Tokens of `text` for the extraction model (in the app: `model.tokenize(text).length`). */
  countTokens: (text: string) => number;
  /** The most tokens of document text one prompt may carry (the model's context less the prompt and the answer). */
  partTokens: number;
  /** Per model call. */
  timeoutMs: number;
  /** How long an aborted call is waited for before it is given up on (default 5,000 ms). */
  abortGraceMs?: number;
  /** The caller's cancel: the extraction rejects with CANCELLED. */
  signal?: AbortSignal;
  /** Shown to the model with each part. */
  title?: string;
  limits?: Partial<GraphLimits>;
  /** 0 to 1, after each model call that completes a step. */
  onProgress?: (fraction: number) => void;
}

const integerIn = (value: unknown, min: number, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** The defaults with `partial` over them; VALIDATION when a limit is not a whole number from 1 to 100,000. */
export function resolveLimits(partial: Partial<GraphLimits> | undefined): GraphLimits {
  const limits = { ...defaultGraphLimits, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (!integerIn(value, 1, 100_000)) throw new ApiError('VALIDATION', `The graph limit ${key} must be a whole number from 1 to 100000.`, { field: key });
  }
  return limits;
}

function validateDeps(deps: ExtractionDeps): void {
  if (typeof deps.generate !== 'function' || typeof deps.countTokens !== 'function') throw new ApiError('VALIDATION', 'Extraction needs a generator and a token counter.', { field: 'deps' });
  if (!integerIn(deps.partTokens, 16, 10_000_000)) throw new ApiError('VALIDATION', 'The part size must be a whole number of tokens from 16.', { field: 'partTokens' });
  if (!(typeof deps.timeoutMs === 'number' && deps.timeoutMs > 0 && Number.isFinite(deps.timeoutMs))) throw new ApiError('VALIDATION', 'The time limit per model call must be a positive number of milliseconds.', { field: 'timeoutMs' });
  if (deps.abortGraceMs !== undefined && !(deps.abortGraceMs >= 0 && Number.isFinite(deps.abortGraceMs))) throw new ApiError('VALIDATION', 'The grace after an abort must be zero or more milliseconds.', { field: 'abortGraceMs' });
}

// ---------------------------------------------------------------- schemas and prompts

export interface GraphSchemas {
  /** summary, entities and relations. */
  extraction: GbnfJsonSchema;
  /** summary alone: the fallback and the combining call. */
  summary: GbnfJsonSchema;
}

/** One object per set of limits, so a generator that caches grammars by schema makes each once. */
const schemaCache = new Map<string, GraphSchemas>();

export function graphSchemas(limits: GraphLimits = defaultGraphLimits): GraphSchemas {
  const key = JSON.stringify(limits);
  const cached = schemaCache.get(key);
  if (cached) return cached;
  const summary = { type: 'string', minLength: 1, maxLength: limits.summaryChars } as const;
  const name = { type: 'string', minLength: 1, maxLength: limits.nameChars } as const;
  const schemas: GraphSchemas = {
    extraction: {
      type: 'object',
      properties: {
        summary,
        entities: {
          type: 'array',
          maxItems: limits.entitiesPerPart,
          items: {
            type: 'object',
            properties: { name, type: { type: 'string', maxLength: limits.typeChars }, description: { type: 'string', maxLength: limits.descriptionChars } },
            required: ['name', 'type', 'description'],
          },
        },
        relations: {
          type: 'array',
          maxItems: limits.relationsPerPart,
          items: {
            type: 'object',
            properties: { source: name, relation: { type: 'string', minLength: 1, maxLength: limits.relationChars }, target: name },
            required: ['source', 'relation', 'target'],
          },
        },
      },
      required: ['summary', 'entities', 'relations'],
    },
    summary: { type: 'object', properties: { summary }, required: ['summary'] },
  };
  schemaCache.set(key, schemas);
  return schemas;
}

function partHeader(title: string | undefined, part: number, parts: number): string {
  const lines = [];
  if (title?.trim()) lines.push(`Title: ${clipText(title, 300)}`);
  if (parts > 1) lines.push(`This is part ${part} of ${parts} of the document.`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function extractionPrompt(text: string, options: { title?: string; part?: number; parts?: number; limits?: GraphLimits } = {}): string {
  const limits = options.limits ?? defaultGraphLimits;
  return [
    'Read the document below and reply with JSON:',
    `- "summary": what the text says, in at most ${limits.summaryChars} characters, in the language of the document;`,
    `- "entities": the important named things in it (people, organizations, projects, products, technologies, places, events, terms), at most ${limits.entitiesPerPart}: "name" as written in the text, "type" (one lowercase word such as person, organization, project, technology, place, event, concept), "description" (one short sentence in the language of the document);`,
    `- "relations": how those entities are related, at most ${limits.relationsPerPart}: "source" and "target" are names from "entities", "relation" a short verb phrase such as uses, part_of, manages, located_in.`,
    '',
    `${partHeader(options.title, options.part ?? 1, options.parts ?? 1)}Document:`,
    '"""',
    text,
    '"""',
  ].join('\n');
}

export function summaryPrompt(text: string, options: { title?: string; part?: number; parts?: number; limits?: GraphLimits } = {}): string {
  const limits = options.limits ?? defaultGraphLimits;
  return [
    `Summarize the document below in at most ${limits.summaryChars} characters, in the language of the document. Reply with JSON: {"summary": "..."}.`,
    '',
    `${partHeader(options.title, options.part ?? 1, options.parts ?? 1)}Document:`,
    '"""',
    text,
    '"""',
  ].join('\n');
}

export function combinePrompt(summaries: string[], options: { title?: string; limits?: GraphLimits } = {}): string {
  const limits = options.limits ?? defaultGraphLimits;
  return [
    `These are the summaries of consecutive parts of one document. Write one summary of the whole document in at most ${limits.summaryChars} characters, in the language of the summaries. Reply with JSON: {"summary": "..."}.`,
    '',
    ...(options.title?.trim() ? [`Title: ${clipText(options.title, 300)}`] : []),
    ...summaries.map((summary, index) => `Part ${index + 1}: ${summary}`),
  ].join('\n');
}

// ---------------------------------------------------------------- parsing

interface PartOutput {
  summary: string;
  entities: GraphEntity[];
  relations: GraphRelation[];
}

const hasLetterOrDigit = /[\p{L}\p{N}]/u;
const asString = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * The model's text as a part's summary (and, for an extraction, its entities and relations, each
 * cleaned and cut to the limits); null when it is not the JSON asked for or the summary is empty.
 */
export function parsePartOutput(text: string, withGraph: boolean, limits: GraphLimits = defaultGraphLimits): PartOutput | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const object = value as Record<string, unknown>;
  const summary = clipText(asString(object.summary), limits.summaryChars);
  if (!summary) return null;
  if (!withGraph) return { summary, entities: [], relations: [] };
  if (!Array.isArray(object.entities) || !Array.isArray(object.relations)) return null;
  const entities: GraphEntity[] = [];
  for (const item of object.entities) {
    if (!item || typeof item !== 'object') continue;
    const entity = item as Record<string, unknown>;
    const name = clipText(asString(entity.name), limits.nameChars);
    if (!hasLetterOrDigit.test(name)) continue;
    entities.push({ name, type: clipText(asString(entity.type), limits.typeChars), description: clipText(asString(entity.description), limits.descriptionChars) });
  }
  const relations: GraphRelation[] = [];
  for (const item of object.relations) {
    if (!item || typeof item !== 'object') continue;
    const relation = item as Record<string, unknown>;
    const kept = {
      source: clipText(asString(relation.source), limits.nameChars),
      relation: clipText(asString(relation.relation), limits.relationChars),
      target: clipText(asString(relation.target), limits.nameChars),
    };
    if (kept.source && kept.relation && kept.target) relations.push(kept);
  }
  return { summary, entities, relations };
}

/** The parts' entities and relations as one document's, by the rules at the top of this file. */
export function mergeGraph(entities: GraphEntity[], relations: GraphRelation[], limits: GraphLimits = defaultGraphLimits): { entities: GraphEntity[]; relations: GraphRelation[] } {
  const byKey = new Map<string, GraphEntity>();
  const add = (entity: GraphEntity): GraphEntity | null => {
    const name = clipText(entity.name, limits.nameChars);
    const key = normalizeName(name);
    if (!hasLetterOrDigit.test(key)) return null;
    const existing = byKey.get(key);
    if (existing) {
      if (!existing.type && entity.type) existing.type = clipText(entity.type, limits.typeChars);
      const description = clipText(entity.description, limits.descriptionChars);
      if ([...description].length > [...existing.description].length) existing.description = description;
      return existing;
    }
    if (byKey.size >= limits.entitiesPerDocument) return null;
    const created = { name, type: clipText(entity.type, limits.typeChars), description: clipText(entity.description, limits.descriptionChars) };
    byKey.set(key, created);
    return created;
  };
  for (const entity of entities) add(entity);
  const kept: GraphRelation[] = [];
  const seen = new Set<string>();
  for (const relation of relations) {
    if (kept.length >= limits.relationsPerDocument) break;
    const verb = clipText(relation.relation, limits.relationChars);
    const sourceName = clipText(relation.source, limits.nameChars);
    const targetName = clipText(relation.target, limits.nameChars);
    if (!verb || !sourceName || !targetName) continue;
    const sourceKey = normalizeName(sourceName);
    const targetKey = normalizeName(targetName);
    if (sourceKey === targetKey) continue;
    const key = `${sourceKey}\u0000${normalizeName(verb)}\u0000${targetKey}`;
    if (seen.has(key)) continue;
    // An end that is not an entity yet becomes one, when the limit has room for every missing end.
    if (!hasLetterOrDigit.test(sourceKey) || !hasLetterOrDigit.test(targetKey)) continue;
    const missing = Number(!byKey.has(sourceKey)) + Number(!byKey.has(targetKey));
    if (byKey.size + missing > limits.entitiesPerDocument) continue;
    const source = byKey.get(sourceKey) ?? add({ name: sourceName, type: '', description: '' });
    const target = byKey.get(targetKey) ?? add({ name: targetName, type: '', description: '' });
    if (!source || !target) continue;
    seen.add(key);
    kept.push({ source: source.name, relation: verb, target: target.name });
  }
  return { entities: [...byKey.values()], relations: kept };
}

// ---------------------------------------------------------------- model calls

type CallResult = { ok: true; output: PartOutput } | { ok: false; failure: Exclude<ExtractionReason, 'empty_text'>; stuck: boolean };

const cancelled = () => new ApiError('CANCELLED', 'The extraction was cancelled.');

/**
 * One model call under a time limit and the caller's signal. The generator gets a signal that
 * aborts at the limit or on cancel; its promise is then waited for at most `graceMs` more, so the
 * next call never starts while this one still runs on the model (unless the generator ignores
 * the signal past the grace: `stuck`, and the caller makes no more calls).
 */
async function callModel(deps: ExtractionDeps, graceMs: number, prompt: string, schema: GbnfJsonSchema, withGraph: boolean, limits: GraphLimits): Promise<CallResult> {
  if (deps.signal?.aborted) throw cancelled();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new ApiError('RUNTIME_FAILED', `The model call ran past ${deps.timeoutMs} ms.`));
  }, deps.timeoutMs);
  const onCancel = () => controller.abort(cancelled());
  deps.signal?.addEventListener('abort', onCancel, { once: true });
  let graceTimer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<'stuck'>((resolve) => {
    const start = () => {
      graceTimer = setTimeout(() => resolve('stuck'), graceMs);
    };
    if (controller.signal.aborted) start();
    else controller.signal.addEventListener('abort', start, { once: true });
  });
  const generation = (async () => deps.generate(prompt, schema, { signal: controller.signal }))().then(
    (text) => ({ text }),
    (error: unknown) => ({ error }),
  );
  try {
    const settled = await Promise.race([generation, givenUp]);
    if (deps.signal?.aborted) throw cancelled();
    if (settled === 'stuck') return { ok: false, failure: 'timeout', stuck: true };
    // A generator stopped by the signal may resolve with what it had written: still a timeout.
    if (timedOut) return { ok: false, failure: 'timeout', stuck: false };
    if ('error' in settled) return { ok: false, failure: 'generator_failed', stuck: false };
    const output = parsePartOutput(settled.text, withGraph, limits);
    return output ? { ok: true, output } : { ok: false, failure: 'unusable_output', stuck: false };
  } finally {
    clearTimeout(timer);
    clearTimeout(graceTimer);
    deps.signal?.removeEventListener('abort', onCancel);
  }
}

// ---------------------------------------------------------------- the extraction

/** Summary, entities and relations of `text`, by the rules at the top of this file. Rejects only with VALIDATION (bad deps) or CANCELLED. */
export async function extractDocumentGraph(text: string, deps: ExtractionDeps): Promise<DocumentGraphResult> {
  if (typeof text !== 'string') throw new ApiError('VALIDATION', 'The document text must be a string.', { field: 'text' });
  validateDeps(deps);
  const limits = resolveLimits(deps.limits);
  const graceMs = deps.abortGraceMs ?? 5000;
  const schemas = graphSchemas(limits);
  if (deps.signal?.aborted) throw cancelled();

  const parts = splitIntoParts(text.replace(/\r\n?/gu, '\n'), deps.countTokens, deps.partTokens);
  if (parts.length === 0) return { summary: null, entities: [], relations: [], outcome: 'failed', reason: 'empty_text', parts: 0 };

  const steps = parts.length + (parts.length > 1 ? 1 : 0);
  let stepsDone = 0;
  const stepDone = () => deps.onProgress?.(Math.min(1, ++stepsDone / steps));
  const call = (prompt: string, schema: GbnfJsonSchema, withGraph: boolean) => callModel(deps, graceMs, prompt, schema, withGraph, limits);

  let graphFailure: ExtractionReason | undefined;
  const summaries: string[] = [];
  const entities: GraphEntity[] = [];
  const relations: GraphRelation[] = [];
  for (const [index, part] of parts.entries()) {
    const where = { ...(deps.title !== undefined && { title: deps.title }), part: index + 1, parts: parts.length, limits };
    if (!graphFailure) {
      const extracted = await call(extractionPrompt(part, where), schemas.extraction, true);
      if (extracted.ok) {
        summaries.push(extracted.output.summary);
        entities.push(...extracted.output.entities);
        relations.push(...extracted.output.relations);
        stepDone();
        continue;
      }
      graphFailure = extracted.failure;
      if (extracted.stuck) return { summary: null, entities: [], relations: [], outcome: 'failed', reason: extracted.failure, parts: parts.length };
    }
    const summarized = await call(summaryPrompt(part, where), schemas.summary, false);
    if (!summarized.ok) return { summary: null, entities: [], relations: [], outcome: 'failed', reason: summarized.failure, parts: parts.length };
    summaries.push(summarized.output.summary);
    stepDone();
  }

  const combined = await combineSummaries(summaries, deps, limits, call);
  deps.onProgress?.(1);
  const reason = graphFailure ?? combined.failure;
  if (graphFailure) return { summary: combined.summary, entities: [], relations: [], outcome: 'summary_only', ...(reason && { reason }), parts: parts.length };
  const graph = mergeGraph(entities, relations, limits);
  return { summary: combined.summary, entities: graph.entities, relations: graph.relations, outcome: 'extracted', ...(reason && { reason }), parts: parts.length };
}

/**
 * The parts' summaries as one: one call over all of them when they fit `partTokens`, otherwise
 * rounds over consecutive groups that fit (two at least, even when two do not fit). A group the
 * model cannot combine is joined instead; the first such failure is returned.
 */
async function combineSummaries(
  summaries: string[],
  deps: ExtractionDeps,
  limits: GraphLimits,
  call: (prompt: string, schema: GbnfJsonSchema, withGraph: boolean) => Promise<CallResult>,
): Promise<{ summary: string; failure?: Exclude<ExtractionReason, 'empty_text'> }> {
  let current = summaries;
  let failure: Exclude<ExtractionReason, 'empty_text'> | undefined;
  let stuck = false;
  const options = { ...(deps.title !== undefined && { title: deps.title }), limits };
  while (current.length > 1) {
    const groups: string[][] = [];
    let group: string[] = [];
    for (const summary of current) {
      if (group.length >= 2 && deps.countTokens(combinePrompt([...group, summary], options)) > deps.partTokens) {
        groups.push(group);
        group = [];
      }
      group.push(summary);
    }
    groups.push(group);
    const next: string[] = [];
    for (const members of groups) {
      // A last group of one goes on to the next round as it is (the first group has two at least, so every round shortens the list).
      if (members.length === 1) {
        next.push(members[0]!);
        continue;
      }
      const result: CallResult | null = stuck ? null : await call(combinePrompt(members, options), graphSchemas(limits).summary, false);
      if (result?.ok) {
        next.push(result.output.summary);
        continue;
      }
      if (result && !result.ok) {
        failure ??= result.failure;
        stuck ||= result.stuck;
      }
      next.push(clipText(members.join(' '), limits.summaryChars));
    }
    current = next;
  }
  return { summary: current[0]!, ...(failure && { failure }) };
}

// ---------------------------------------------------------------- storage shape

/** Seed 002's top-level fields of a RAG row, from a result. */
export interface TopLevelGraphMetadata {
  /** Null when even the summary failed. */
  ai_summary: string | null;
  entity_nodes: GraphEntity[];
  entity_relations: GraphRelation[];
  entity_names: string[];
  entity_count: number;
  relation_count: number;
}

export function toTopLevelMetadata(result: Pick<DocumentGraphResult, 'summary' | 'entities' | 'relations'>): TopLevelGraphMetadata {
  return {
    ai_summary: result.summary,
    entity_nodes: result.entities.map((entity) => ({ name: entity.name, type: entity.type, description: entity.description })),
    entity_relations: result.relations.map((relation) => ({ source: relation.source, relation: relation.relation, target: relation.target })),
    entity_names: result.entities.map((entity) => entity.name),
    entity_count: result.entities.length,
    relation_count: result.relations.length,
  };
}
