/**
 * Graph-RAG metadata (issue 15, seed 002): extraction with a model injected at the JsonGenerator
 * boundary (fixed strings: parsing, dedup, limits, the relation rule, the summary-only fallback on
 * a failure and a timeout, long documents, cancel), storage in a real SQLite file with real
 * documents, and one run through the real runtime on the tiny fixture under a JSON-schema grammar.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { GbnfJsonSchema } from 'node-llama-cpp';
import type { Db } from '../electron/services/db/database.ts';
import {
  extractDocumentGraph,
  graphSchemas,
  toTopLevelMetadata,
  type DocumentGraphResult,
  type ExtractionDeps,
  type GraphEntity,
  type GraphRelation,
} from '../electron/services/graph/extract.ts';
import { normalizeName } from '../electron/services/graph/normalize.ts';
import { splitIntoParts } from '../electron/services/graph/split.ts';
import {
  documentGraph,
  documentsMentioning,
  matchEntitiesInQuestion,
  needsExtraction,
  oneHopRelations,
  removeDocumentGraph,
  saveDocumentGraph,
  workspaceEntities,
} from '../electron/services/graph/store.ts';
import { createLlamaJsonGenerator, type JsonGenerator } from '../electron/services/runtime/json-generator.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { openTestApp, rejectsWithCode, type TestApp } from './helpers/app.ts';

const fixtures = await ensureFixtures();

// ================================================================ the model at the boundary

interface Call {
  prompt: string;
  schema: GbnfJsonSchema;
  signal: AbortSignal | undefined;
  kind: 'extraction' | 'summary' | 'combine';
}

const kindOf = (prompt: string, schema: GbnfJsonSchema): Call['kind'] =>
  JSON.stringify(schema).includes('"entities"') ? 'extraction' : prompt.startsWith('These are the summaries') ? 'combine' : 'summary';

/** A generator answering through `answer`, recording every call. */
function scripted(answer: (call: Call, index: number) => string | Promise<string>): { generate: JsonGenerator; calls: Call[] } {
  const calls: Call[] = [];
  const generate: JsonGenerator = async (prompt, schema, options) => {
    const call = { prompt, schema, signal: options?.signal, kind: kindOf(prompt, schema) };
    calls.push(call);
    return answer(call, calls.length - 1);
  };
  return { generate, calls };
}

const json = (value: unknown) => JSON.stringify(value);
const extraction = (summary: string, entities: Array<Partial<GraphEntity>>, relations: Array<Partial<GraphRelation>> = []) => json({ summary, entities, relations });

/** One token per code point: part sizes are easy to check. */
const countTokens = (text: string) => [...text].length;

const deps = (generate: JsonGenerator, more: Partial<ExtractionDeps> = {}): ExtractionDeps => ({ generate, countTokens, partTokens: 4000, timeoutMs: 10_000, ...more });

/** Waits for the call's signal, then rejects as an aborted generation does. */
const untilAborted = (call: Call) =>
  new Promise<string>((_resolve, reject) => {
    call.signal!.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });

const leave = '연차휴가는 최소 사흘 전에 신청해야 합니다. 팀장의 승인이 필요합니다.';

// ================================================================ extraction

test('parsing: the JSON answer becomes the summary, entities and relations; seed 002 top-level fields follow', async () => {
  const model = scripted(() =>
    extraction(
      '  A프로젝트는 N2SQL을 사용합니다.  ',
      [
        { name: ' N2SQL ', type: 'technology', description: '텍스트-투-SQL 기술' },
        { name: 'A프로젝트', type: 'project', description: '사내 과제' },
      ],
      [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }],
    ),
  );
  const result = await extractDocumentGraph('A프로젝트는 N2SQL을 씁니다.', deps(model.generate, { title: '팁공유' }));
  assert.deepEqual(result, {
    summary: 'A프로젝트는 N2SQL을 사용합니다.',
    entities: [
      { name: 'N2SQL', type: 'technology', description: '텍스트-투-SQL 기술' },
      { name: 'A프로젝트', type: 'project', description: '사내 과제' },
    ],
    relations: [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }],
    outcome: 'extracted',
    parts: 1,
  });
  assert.equal(model.calls.length, 1);
  assert.equal(model.calls[0]!.schema, graphSchemas().extraction, 'the grammar schema is one object per set of limits (grammars are cached by it)');
  assert.match(model.calls[0]!.prompt, /Title: 팁공유/);
  assert.match(model.calls[0]!.prompt, /A프로젝트는 N2SQL을 씁니다\./);
  assert.deepEqual(toTopLevelMetadata(result), {
    ai_summary: 'A프로젝트는 N2SQL을 사용합니다.',
    entity_nodes: result.entities,
    entity_relations: result.relations,
    entity_names: ['N2SQL', 'A프로젝트'],
    entity_count: 2,
    relation_count: 1,
  });
});

test('dedup: names are one entity after NFKC and case folding (full-/half-width, Hangul composition, ß); first name and type, longest description', async () => {
  const model = scripted(() =>
    extraction('요약', [
      { name: 'Ｎ２ＳＱＬ', type: '', description: '짧음' },
      { name: 'n2sql', type: 'technology', description: '텍스트를 SQL로 바꾸는 기술' },
      { name: 'N2SQL', type: 'tool', description: '중간' },
      { name: 'ｶﾀｶﾅ商事', type: 'organization', description: '会社' },
      { name: 'カタカナ商事', type: 'company', description: '東京の商社です' },
      { name: '에이프로젝트'.normalize('NFD'), type: 'project', description: '' },
      { name: '에이프로젝트', type: 'project', description: '분해되지 않은 이름' },
      { name: 'Straße', type: 'place', description: '' },
      { name: 'STRASSE', type: 'place', description: 'upper case' },
      { name: '  Seoul   Office ', type: 'place', description: '' },
      { name: 'seoul office', type: 'place', description: 'the same after spaces collapse' },
    ]),
  );
  const result = await extractDocumentGraph(leave, deps(model.generate));
  assert.equal(result.outcome, 'extracted');
  assert.deepEqual(result.entities, [
    { name: 'Ｎ２ＳＱＬ', type: 'technology', description: '텍스트를 SQL로 바꾸는 기술' },
    { name: 'ｶﾀｶﾅ商事', type: 'organization', description: '東京の商社です' },
    { name: '에이프로젝트'.normalize('NFD'), type: 'project', description: '분해되지 않은 이름' },
    { name: 'Straße', type: 'place', description: 'upper case' },
    { name: 'Seoul Office', type: 'place', description: 'the same after spaces collapse' },
  ]);
  assert.equal(normalizeName('Ｎ２ＳＱＬ'), 'n2sql');
  assert.equal(normalizeName('ｶﾀｶﾅ商事'), normalizeName('カタカナ商事'));
  assert.equal(normalizeName('Straße'), normalizeName('STRASSE'));
});

test('length limits: names, types, descriptions, relations and the summary are cut (never half a character); a document keeps at most its entity limit', async () => {
  const longName = 'Ｎ'.repeat(150);
  const emoji = `A${'😀'.repeat(120)}`;
  const many = Array.from({ length: 70 }, (_, i) => ({ name: `entity ${i}`, type: 't', description: '' }));
  const model = scripted(() =>
    extraction('요'.repeat(900), [{ name: longName, type: 'x'.repeat(50), description: '설'.repeat(400) }, { name: emoji, type: '', description: '' }, { name: '—…!!', type: '', description: 'no letters' }, ...many], [
      { source: longName, relation: 'r'.repeat(120), target: emoji },
    ]),
  );
  const result = await extractDocumentGraph(leave, deps(model.generate));
  assert.equal([...result.summary!].length, 800);
  assert.equal(result.entities.length, 50, 'entitiesPerDocument');
  assert.equal(result.entities[0]!.name, 'Ｎ'.repeat(100));
  assert.equal(result.entities[0]!.type, 'x'.repeat(40));
  assert.equal(result.entities[0]!.description, '설'.repeat(300));
  assert.equal(result.entities[1]!.name, `A${'😀'.repeat(99)}`, 'cut by code points: no lone surrogate');
  assert.ok(!result.entities.some((entity) => entity.name === '—…!!'), 'a name needs a letter or digit');
  assert.deepEqual(result.relations, [{ source: 'Ｎ'.repeat(100), relation: 'r'.repeat(80), target: `A${'😀'.repeat(99)}` }]);

  const small = await extractDocumentGraph(leave, deps(model.generate, { limits: { nameChars: 5, entitiesPerDocument: 2, summaryChars: 3 } }));
  assert.equal(small.summary, '요요요');
  assert.deepEqual(
    small.entities.map((entity) => entity.name),
    ['ＮＮＮＮＮ', 'A😀😀😀😀'],
  );
});

test('relations: kept only with source, relation and target; an end that is not an entity becomes one (seed 002 example); self and repeated relations dropped', async () => {
  const model = scripted(() =>
    extraction(
      '요약',
      [{ name: 'N2SQL', type: 'technology', description: '텍스트-투-SQL 기술' }],
      [
        { source: 'A프로젝트', relation: 'uses', target: 'N2SQL' },
        { source: 'a프로젝트', relation: 'USES', target: 'ｎ２ｓｑｌ' },
        { source: 'N2SQL', relation: 'is', target: 'n2sql' },
        { source: 'N2SQL', relation: '   ', target: 'B팀' },
        { source: '', relation: 'uses', target: 'N2SQL' },
        { source: 'B팀', relation: 'owns' },
        { relation: 'owns', target: 'B팀' },
        { source: 'B팀', relation: 'owns', target: 'A프로젝트' },
      ],
    ),
  );
  const result = await extractDocumentGraph(leave, deps(model.generate));
  assert.deepEqual(result.relations, [
    { source: 'A프로젝트', relation: 'uses', target: 'N2SQL' },
    { source: 'B팀', relation: 'owns', target: 'A프로젝트' },
  ]);
  assert.deepEqual(result.entities, [
    { name: 'N2SQL', type: 'technology', description: '텍스트-투-SQL 기술' },
    { name: 'A프로젝트', type: '', description: '' },
    { name: 'B팀', type: '', description: '' },
  ]);
  const top = toTopLevelMetadata(result);
  assert.deepEqual(top.entity_names, ['N2SQL', 'A프로젝트', 'B팀']);
  assert.equal(top.entity_count, 3);
  assert.equal(top.relation_count, 2);

  // No room left for a missing end: the relation goes, no half of it stays behind as an entity.
  const full = await extractDocumentGraph(leave, deps(model.generate, { limits: { entitiesPerDocument: 2 } }));
  assert.deepEqual(full.relations, [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }]);
  assert.deepEqual(
    full.entities.map((entity) => entity.name),
    ['N2SQL', 'A프로젝트'],
  );
});

test('summary-only fallback: a failing or unusable extraction keeps the summary alone, entity fields empty', async () => {
  const throwing = scripted((call) => {
    if (call.kind === 'extraction') throw new Error('model unloaded');
    return json({ summary: '휴가 신청 규정' });
  });
  const failed = await extractDocumentGraph(leave, deps(throwing.generate));
  assert.deepEqual(failed, { summary: '휴가 신청 규정', entities: [], relations: [], outcome: 'summary_only', reason: 'generator_failed', parts: 1 });
  assert.deepEqual(
    throwing.calls.map((call) => call.kind),
    ['extraction', 'summary'],
  );
  assert.deepEqual(toTopLevelMetadata(failed), { ai_summary: '휴가 신청 규정', entity_nodes: [], entity_relations: [], entity_names: [], entity_count: 0, relation_count: 0 });

  // Cut off by the token limit mid-way: not JSON.
  for (const bad of ['{"summary": "휴가", "entities": [{"name": "팀', 'null', '[]', '{"summary": "   ", "entities": [], "relations": []}', '{"summary": "휴가", "entities": {}, "relations": []}']) {
    const model = scripted((call) => (call.kind === 'extraction' ? bad : json({ summary: '휴가 규정' })));
    const result = await extractDocumentGraph(leave, deps(model.generate));
    assert.deepEqual([result.outcome, result.reason, result.summary, result.entities.length], ['summary_only', 'unusable_output', '휴가 규정', 0], bad);
  }
});

test('summary-only fallback on a timeout: the call is aborted at the limit and the summary asked instead', async () => {
  const timeoutMs = 300;
  const model = scripted((call) => (call.kind === 'extraction' ? untilAborted(call) : json({ summary: '휴가 규정' })));
  const started = performance.now();
  const result = await extractDocumentGraph(leave, deps(model.generate, { timeoutMs }));
  const elapsed = performance.now() - started;
  assert.deepEqual([result.outcome, result.reason, result.summary, result.entities], ['summary_only', 'timeout', '휴가 규정', []]);
  assert.equal(model.calls[0]!.signal!.aborted, true, 'the generation was told to stop');
  assert.equal(model.calls[1]!.signal!.aborted, false, 'the summary call had its own, fresh limit');
  assert.ok(elapsed >= timeoutMs - 5 && elapsed < timeoutMs + 1500, `ended after ${Math.round(elapsed)} ms`);

  // A generator that stops at the signal but resolves with what it had (node-llama-cpp's stopOnAbortSignal) is a timeout too.
  const partial = scripted((call) =>
    call.kind === 'extraction' ? new Promise<string>((resolve) => call.signal!.addEventListener('abort', () => resolve('{"summary": "휴'), { once: true })) : json({ summary: '휴가 규정' }),
  );
  const stopped = await extractDocumentGraph(leave, deps(partial.generate, { timeoutMs: 100 }));
  assert.deepEqual([stopped.outcome, stopped.reason], ['summary_only', 'timeout']);
});

test('failed: no summary either (timeout, failure), and a generator deaf to its signal is given up on after the grace without another call', async () => {
  const model = scripted((call) => (call.kind === 'extraction' ? untilAborted(call) : Promise.reject(new Error('no'))));
  const failed = await extractDocumentGraph(leave, deps(model.generate, { timeoutMs: 100 }));
  assert.deepEqual(failed, { summary: null, entities: [], relations: [], outcome: 'failed', reason: 'generator_failed', parts: 1 });
  assert.equal(toTopLevelMetadata(failed).ai_summary, null);

  const bothTimeOut = scripted((call) => untilAborted(call));
  const timedOut = await extractDocumentGraph(leave, deps(bothTimeOut.generate, { timeoutMs: 100 }));
  assert.deepEqual([timedOut.outcome, timedOut.reason, timedOut.summary], ['failed', 'timeout', null]);
  assert.equal(bothTimeOut.calls.length, 2);

  const deaf = scripted(() => new Promise<string>(() => {}));
  const started = performance.now();
  const stuck = await extractDocumentGraph(leave, deps(deaf.generate, { timeoutMs: 150, abortGraceMs: 150 }));
  const elapsed = performance.now() - started;
  assert.deepEqual([stuck.outcome, stuck.reason, deaf.calls.length], ['failed', 'timeout', 1], 'no call while the model may still be busy');
  assert.ok(elapsed >= 290 && elapsed < 300 + 1500, `ended after ${Math.round(elapsed)} ms`);

  const empty = scripted(() => json({ summary: 'x' }));
  assert.deepEqual(await extractDocumentGraph(' \n\n \t', deps(empty.generate)), { summary: null, entities: [], relations: [], outcome: 'failed', reason: 'empty_text', parts: 0 });
  assert.equal(empty.calls.length, 0);
});

test('long documents: split into parts within the token budget, extracted per part, the summaries combined in one more call, entities merged', async () => {
  const paragraphs = Array.from({ length: 12 }, (_, i) => `${i + 1}번째 문단입니다. ${'사내 규정과 N2SQL 도입 과정을 설명합니다. '.repeat(8)}`);
  // A paragraph without any break, longer than a part: cut where the budget ends.
  paragraphs.push('経費精算'.repeat(130));
  const text = paragraphs.join('\n\n');
  const partTokens = 500;
  const parts = splitIntoParts(text, countTokens, partTokens);
  assert.ok(parts.length >= 4, `${parts.length} parts`);
  for (const part of parts) assert.ok(countTokens(part) <= partTokens, `a part of ${countTokens(part)} tokens`);
  assert.equal(parts.join('').replace(/\s/gu, ''), text.replace(/\s/gu, ''), 'nothing lost or repeated');

  const progress: number[] = [];
  const model = scripted((call, index) => {
    if (call.kind === 'combine') return json({ summary: '전체 요약' });
    return extraction(`부분 요약 ${index + 1}`, [{ name: index % 2 ? 'n2sql' : 'N2SQL', type: 'technology', description: 'd'.repeat(index + 1) }, { name: `부서${index}`, type: 'team', description: '' }], [
      { source: `부서${index}`, relation: 'uses', target: 'N2SQL' },
    ]);
  });
  const result = await extractDocumentGraph(text, deps(model.generate, { partTokens, onProgress: (fraction) => progress.push(fraction) }));
  assert.equal(result.parts, parts.length);
  assert.equal(model.calls.length, parts.length + 1, 'one call per part and one to combine');
  assert.deepEqual(
    model.calls.map((call) => call.kind),
    [...parts.map(() => 'extraction'), 'combine'],
  );
  for (const [i, part] of parts.entries()) assert.ok(model.calls[i]!.prompt.includes(part) && model.calls[i]!.prompt.includes(`part ${i + 1} of ${parts.length}`));
  const combine = model.calls.at(-1)!.prompt;
  for (let i = 0; i < parts.length; i++) assert.ok(combine.includes(`Part ${i + 1}: 부분 요약 ${i + 1}`));
  assert.equal(result.summary, '전체 요약');
  assert.equal(result.entities.length, parts.length + 1);
  assert.deepEqual(result.entities[0], { name: 'N2SQL', type: 'technology', description: 'd'.repeat(parts.length) });
  assert.equal(result.relations.length, parts.length);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
  assert.equal(progress.at(-1), 1);

  // A part's extraction fails: the graph is all or nothing, the rest is only summarized.
  const second = scripted((call, index) => {
    if (call.kind === 'combine') return json({ summary: '전체 요약' });
    if (call.kind === 'extraction' && index === 1) throw new Error('boom');
    return call.kind === 'extraction' ? extraction(`요약 ${index}`, [{ name: 'N2SQL', type: '', description: '' }]) : json({ summary: `요약 ${index}` });
  });
  const partial = await extractDocumentGraph(text, deps(second.generate, { partTokens }));
  assert.deepEqual([partial.outcome, partial.reason, partial.summary, partial.entities.length], ['summary_only', 'generator_failed', '전체 요약', 0]);
  assert.deepEqual(
    second.calls.map((call) => call.kind),
    ['extraction', 'extraction', ...parts.slice(1).map(() => 'summary'), 'combine'],
  );

  // The combining call fails: the parts' summaries are joined instead, and the reason says so.
  const noCombine = scripted((call, index) => (call.kind === 'combine' ? 'not json' : extraction(`요약${index}`, [])));
  const joined = await extractDocumentGraph(text, deps(noCombine.generate, { partTokens }));
  assert.deepEqual([joined.outcome, joined.reason], ['extracted', 'unusable_output']);
  assert.equal(joined.summary, parts.map((_, i) => `요약${i}`).join(' '));
});

test('many parts: summaries that do not fit one prompt are combined in rounds until one is left', async () => {
  const text = Array.from({ length: 40 }, (_, i) => `문단 ${i}. ${'내용 '.repeat(30)}`).join('\n\n');
  const partTokens = 120;
  const parts = splitIntoParts(text, countTokens, partTokens);
  const model = scripted((call, index) => (call.kind === 'combine' ? json({ summary: `합친 요약 ${index} ${'가'.repeat(30)}` }) : extraction(`부분 ${index} ${'나'.repeat(30)}`, [])));
  const result = await extractDocumentGraph(text, deps(model.generate, { partTokens }));
  const combines = model.calls.filter((call) => call.kind === 'combine');
  assert.ok(combines.length > 1, `${combines.length} combining calls for ${parts.length} parts`);
  for (const call of combines) assert.ok(countTokens(call.prompt) <= partTokens || call.prompt.split('\nPart ').length - 1 === 2, 'a round fits the budget (or is a forced pair)');
  assert.match(result.summary!, /^합친 요약/);
  assert.equal(result.outcome, 'extracted');
});

test('cancel: the call in progress is aborted and the extraction rejects with CANCELLED; nothing more is asked', async () => {
  const controller = new AbortController();
  const model = scripted((call) => {
    setTimeout(() => controller.abort(), 50);
    return untilAborted(call);
  });
  const started = performance.now();
  await rejectsWithCode(extractDocumentGraph(`${leave}\n\n${leave}`, deps(model.generate, { signal: controller.signal, timeoutMs: 60_000 })), 'CANCELLED');
  assert.ok(performance.now() - started < 2000);
  assert.equal(model.calls.length, 1);
  assert.equal(model.calls[0]!.signal!.aborted, true);

  const before = scripted(() => json({ summary: 'x' }));
  await rejectsWithCode(extractDocumentGraph(leave, deps(before.generate, { signal: AbortSignal.abort() })), 'CANCELLED');
  assert.equal(before.calls.length, 0);
});

test('bad input: the text and the dependencies are checked before any call', async () => {
  const model = scripted(() => json({ summary: 'x' }));
  await rejectsWithCode(extractDocumentGraph(42 as unknown as string, deps(model.generate)), 'VALIDATION');
  for (const bad of [{ partTokens: 0 }, { partTokens: 1.5 }, { timeoutMs: -1 }, { timeoutMs: Number.NaN }, { abortGraceMs: -5 }, { limits: { nameChars: 0 } }, { limits: { summaryChars: 1.5 } }, { countTokens: undefined as unknown as ExtractionDeps['countTokens'] }]) {
    await rejectsWithCode(extractDocumentGraph(leave, deps(model.generate, bad)), 'VALIDATION');
  }
  assert.equal(model.calls.length, 0);
});

// ================================================================ storage

let app: TestApp;
let db: Db;
let workspaceId: number;
let otherWorkspaceId: number;
/** documents.id of the real documents, by doc_id. */
const ids: Record<string, number> = {};

before(async () => {
  app = await openTestApp();
  db = app.core.internals!.db.db;
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  const workspace = await app.call('workspaces.create', { name: 'Graph', temperature: 0, maxTokens: 8, contextSize: 1024, chunkSize: 48, chunkOverlap: 8 });
  const other = await app.call('workspaces.create', { name: 'Other', temperature: 0, maxTokens: 8, contextSize: 1024, chunkSize: 48, chunkOverlap: 8 });
  workspaceId = workspace.id;
  otherWorkspaceId = other.id;
  const add = async (wsId: number, docId: string, text: string) => {
    const outcome = await app.call('documents.addText', { workspaceId: wsId, docId, title: docId, text });
    assert.equal(outcome.document?.status, 'ready', JSON.stringify(outcome.error));
    ids[docId] = outcome.document!.id;
  };
  await add(workspaceId, 'board_post:1', 'A프로젝트는 N2SQL을 사용합니다.');
  await add(workspaceId, 'board_post:2', 'B팀은 N2SQL을 운영합니다.');
  await add(workspaceId, 'coaching_note:3', '経費精算の締め日は毎月二十五日です。');
  await add(otherWorkspaceId, 'board_post:9', 'N2SQL 다른 워크스페이스.');
});

after(async () => {
  await app?.close();
});

const extracted = (summary: string, entities: GraphEntity[], relations: GraphRelation[] = []): DocumentGraphResult => ({ summary, entities, relations, outcome: 'extracted', parts: 1 });
const entity = (name: string, type = '', description = ''): GraphEntity => ({ name, type, description });
const save = (documentId: number, result: DocumentGraphResult, more: { workspaceId?: number; contentHash?: string; modelId?: number | null } = {}) =>
  saveDocumentGraph(db, { workspaceId: more.workspaceId ?? workspaceId, documentId, contentHash: more.contentHash ?? `hash-${documentId}`, modelId: more.modelId ?? null, result });

const entityRows = () => app.core.internals!.db.raw.prepare('SELECT id, workspace_id, normalized_name, name, type, description FROM graph_entities ORDER BY id').all() as Array<{ id: number; workspace_id: number; normalized_name: string; name: string; type: string; description: string }>;
const entityId = (name: string, wsId = workspaceId) => entityRows().find((row) => row.workspace_id === wsId && row.normalized_name === normalizeName(name))?.id;

test('storage: a document graph round-trips; entities are shared by normalized name across documents, per workspace', async () => {
  const first = extracted('A프로젝트 요약', [entity('N2SQL', 'technology', '짧음'), entity('A프로젝트', 'project', '사내 과제')], [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }]);
  await save(ids['board_post:1']!, first, { contentHash: 'h1' });
  const stored = await documentGraph(db, ids['board_post:1']!);
  assert.ok(stored);
  assert.deepEqual(
    { outcome: stored.outcome, summary: stored.summary, reason: stored.reason, parts: stored.parts, contentHash: stored.contentHash, workspaceId: stored.workspaceId },
    { outcome: 'extracted', summary: 'A프로젝트 요약', reason: null, parts: 1, contentHash: 'h1', workspaceId },
  );
  assert.ok(!Number.isNaN(Date.parse(stored.extractedAt)));
  assert.deepEqual(
    stored.entities.map(({ entityId: _id, ...rest }) => rest),
    first.entities,
  );
  assert.deepEqual(
    stored.relations.map(({ source, relation, target }) => ({ source, relation, target })),
    first.relations,
  );

  // The same entity written full-width, with a longer description, by a later document; and the same name in another workspace.
  await save(ids['board_post:2']!, extracted('B팀 요약', [entity('Ｎ２ＳＱＬ', '', '텍스트를 SQL로 바꾸는 기술'), entity('B팀', 'team', '')], [{ source: 'B팀', relation: 'operates', target: 'N2SQL' }]));
  await save(ids['board_post:9']!, extracted('다른 곳', [entity('N2SQL', 'technology', '')]), { workspaceId: otherWorkspaceId });
  const n2sql = entityRows().filter((row) => row.normalized_name === 'n2sql');
  assert.equal(n2sql.length, 2, 'one per workspace');
  const shared = n2sql.find((row) => row.workspace_id === workspaceId)!;
  assert.deepEqual([shared.name, shared.type, shared.description], ['N2SQL', 'technology', '텍스트를 SQL로 바꾸는 기술'], 'first name and type, longest description');
  assert.equal((await documentGraph(db, ids['board_post:2']!))!.entities[0]!.name, 'Ｎ２ＳＱＬ', 'the document keeps its own spelling');

  const view = await workspaceEntities(db, workspaceId);
  assert.deepEqual(
    view.entities.map((e) => [e.name, e.mentions]),
    [
      ['N2SQL', 2],
      ['A프로젝트', 1],
      ['B팀', 1],
    ],
  );
  assert.deepEqual(
    view.relations.map((r) => [r.source, r.relation, r.target, r.documents]),
    [
      ['A프로젝트', 'uses', 'N2SQL', 1],
      ['B팀', 'operates', 'N2SQL', 1],
    ],
  );
  assert.deepEqual(
    (await workspaceEntities(db, workspaceId, { limit: 1 })).entities.map((e) => e.name),
    ['N2SQL'],
  );
  assert.deepEqual((await workspaceEntities(db, workspaceId, { limit: 1 })).relations, [], 'relations between listed entities only');
  assert.equal(await documentGraph(db, ids['coaching_note:3']!), null);
});

test('storage: re-saving replaces the graph atomically; entities no document mentions go, shared ones keep their id', async () => {
  const documentId = ids['board_post:1']!;
  const sharedId = entityId('N2SQL')!;
  const projectId = entityId('A프로젝트')!;
  assert.equal(await needsExtraction(db, documentId, 'h1'), false);
  assert.equal(await needsExtraction(db, documentId, 'h2'), true, 'changed content is extracted again');
  assert.equal(await needsExtraction(db, ids['coaching_note:3']!, 'h1'), true, 'never extracted');

  // A failing write at the last step leaves the previous graph whole.
  const raw = app.core.internals!.db.raw;
  raw.exec("CREATE TEMP TRIGGER graph_test_boom BEFORE UPDATE ON graph_extractions WHEN NEW.content_hash = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
  try {
    await assert.rejects(save(documentId, extracted('새 요약', [entity('C시스템')]), { contentHash: 'boom' }));
  } finally {
    raw.exec('DROP TRIGGER graph_test_boom');
  }
  const unchanged = await documentGraph(db, documentId);
  assert.deepEqual([unchanged!.summary, unchanged!.contentHash, unchanged!.entities.map((e) => e.name)], ['A프로젝트 요약', 'h1', ['N2SQL', 'A프로젝트']]);
  assert.equal(entityId('C시스템'), undefined);

  await save(documentId, extracted('새 요약', [entity('n2sql', 'tool', '짧음'), entity('C시스템', 'system', '새 시스템')], [{ source: 'C시스템', relation: 'calls', target: 'n2sql' }]), { contentHash: 'h2' });
  const replaced = await documentGraph(db, documentId);
  assert.deepEqual([replaced!.summary, replaced!.contentHash], ['새 요약', 'h2']);
  assert.deepEqual(
    replaced!.relations.map((r) => [r.source, r.relation, r.target]),
    [['C시스템', 'calls', 'n2sql']],
  );
  assert.equal(entityId('A프로젝트'), undefined, 'mentioned by no document any more');
  assert.equal(entityId('N2SQL'), sharedId, 'still mentioned: same id');
  assert.equal(raw.prepare('SELECT count(*) FROM graph_relations WHERE source_entity_id = ? OR target_entity_id = ?').pluck().get(projectId, projectId), 0);

  // Summary only: the document's entities and relations go; the extraction row says why.
  await save(ids['board_post:2']!, { summary: 'B팀 요약', entities: [], relations: [], outcome: 'summary_only', reason: 'timeout', parts: 1 }, { contentHash: 'hb' });
  const summaryOnly = await documentGraph(db, ids['board_post:2']!);
  assert.deepEqual([summaryOnly!.outcome, summaryOnly!.reason, summaryOnly!.entities, summaryOnly!.relations], ['summary_only', 'timeout', [], []]);
  assert.equal(entityId('B팀'), undefined);
  const shared = entityRows().find((row) => row.id === sharedId)!;
  assert.deepEqual([shared.name, shared.type, shared.description], ['n2sql', 'tool', '짧음'], 'shown fields refreshed from the mentions left');

  await save(ids['board_post:2']!, { summary: null, entities: [], relations: [], outcome: 'failed', reason: 'generator_failed', parts: 1 });
  assert.deepEqual([(await documentGraph(db, ids['board_post:2']!))!.outcome, (await documentGraph(db, ids['board_post:2']!))!.summary], ['failed', null]);
});

test('entity-aware retrieval: documents mentioning entities, one-hop relations, entity names found in a question', async () => {
  await save(ids['board_post:2']!, extracted('B팀 요약', [entity('B팀', 'team'), entity('N2SQL'), entity('AI', 'concept'), entity('팀'), entity('프로젝트')], [{ source: 'B팀', relation: 'operates', target: 'N2SQL' }]));
  await save(ids['coaching_note:3']!, extracted('経費', [entity('経費精算', 'process'), entity('カタカナ商事', 'organization')], [{ source: 'カタカナ商事', relation: '締め日', target: '経費精算' }]));

  const mentioning = await documentsMentioning(db, workspaceId, ['ｎ２ｓｑｌ', 'b팀']);
  assert.deepEqual(
    mentioning.map((d) => [d.docId, d.entities.map((e) => e.name)]),
    [
      ['board_post:2', ['B팀', 'n2sql']],
      ['board_post:1', ['n2sql']],
    ],
    'the most matches first; the other workspace is not searched',
  );
  assert.equal(mentioning[0]!.documentId, ids['board_post:2']);
  assert.deepEqual(await documentsMentioning(db, workspaceId, ['', '   ']), []);
  assert.deepEqual(await documentsMentioning(db, workspaceId, ['없는 이름']), []);

  const hops = await oneHopRelations(db, workspaceId, [entityId('N2SQL')!]);
  assert.deepEqual(
    hops.map((r) => [r.documentId, r.source, r.relation, r.target]),
    [
      [ids['board_post:1'], 'C시스템', 'calls', 'n2sql'],
      [ids['board_post:2'], 'B팀', 'operates', 'n2sql'],
    ],
  );
  assert.deepEqual(await oneHopRelations(db, otherWorkspaceId, [entityId('N2SQL')!]), [], 'another workspace has none of these');
  assert.deepEqual(await oneHopRelations(db, workspaceId, []), []);

  const names = async (question: string) => (await matchEntitiesInQuestion(db, workspaceId, question)).map((m) => m.name);
  assert.deepEqual(await names('B팀에서 Ｎ２ＳＱＬ을 어떻게 운영하나요?'), ['B팀', 'n2sql'], 'particles attached, full-width, case');
  assert.deepEqual(await names('ｶﾀｶﾅ商事の経費精算の締め日は?'), ['カタカナ商事', '経費精算'], 'half-width katakana');
  assert.deepEqual(await names('What did the team said about ai?'), ['AI'], '"AI" stands alone in "ai?", not inside "said"');
  assert.deepEqual(await names('said'), []);
  assert.deepEqual(await names('이 팀의 프로젝트는?'), ['프로젝트'], 'a one-character name is never matched');
  assert.deepEqual(await names('n2sqlite'), [], 'a Latin name glued to more letters is another word');
  await save(ids['board_post:1']!, extracted('새 요약', [entity('N2SQL'), entity('A프로젝트')]), { contentHash: 'h3' });
  assert.deepEqual(await names('A프로젝트의 일정'), ['A프로젝트'], 'inside a longer name found: left out');
  assert.deepEqual(await names('A프로젝트와 다른 프로젝트'), ['A프로젝트', '프로젝트'], 'also found on its own');
  assert.deepEqual(await matchEntitiesInQuestion(db, otherWorkspaceId, 'B팀과 N2SQL'), [{ id: entityId('N2SQL', otherWorkspaceId)!, name: 'N2SQL', normalizedName: 'n2sql' }]);
  assert.deepEqual(await names(''), []);
});

test('storage bad input: unknown or foreign documents, invalid results and options are refused; nothing written', async () => {
  const before = entityRows().length;
  await rejectsWithCode(save(ids['board_post:9']!, extracted('x', [entity('X')])), 'NOT_FOUND');
  await rejectsWithCode(save(999_999, extracted('x', [entity('X')])), 'NOT_FOUND');
  const invalid: unknown[] = [
    null,
    { summary: 'x', entities: [], relations: [], outcome: 'done', parts: 1 },
    { summary: null, entities: [], relations: [], outcome: 'extracted', parts: 1 },
    { summary: 'x', entities: [], relations: [], outcome: 'failed', parts: 1 },
    { summary: 'x', entities: [entity('X')], relations: [], outcome: 'summary_only', parts: 1 },
    { summary: 'x', entities: [{ name: 1 }], relations: [], outcome: 'extracted', parts: 1 },
    { summary: 'x', entities: [], relations: [{ source: 'a' }], outcome: 'extracted', parts: 1 },
    { summary: 'x', entities: 'X', relations: [], outcome: 'extracted', parts: 1 },
    { summary: 'x', entities: [], relations: [], outcome: 'extracted', parts: -1 },
  ];
  for (const result of invalid) await rejectsWithCode(save(ids['board_post:1']!, result as DocumentGraphResult), 'VALIDATION');
  await rejectsWithCode(saveDocumentGraph(db, { workspaceId: 0, documentId: ids['board_post:1']!, contentHash: 'x', modelId: null, result: extracted('x', []) }), 'VALIDATION');
  await rejectsWithCode(saveDocumentGraph(db, { workspaceId, documentId: ids['board_post:1']!, contentHash: '', modelId: null, result: extracted('x', []) }), 'VALIDATION');
  await rejectsWithCode(saveDocumentGraph(db, { workspaceId, documentId: ids['board_post:1']!, contentHash: 'x', modelId: -1, result: extracted('x', []) }), 'VALIDATION');
  await rejectsWithCode(workspaceEntities(db, workspaceId, { limit: 0 }), 'VALIDATION');
  await rejectsWithCode(workspaceEntities(db, Number.NaN), 'VALIDATION');
  await rejectsWithCode(oneHopRelations(db, workspaceId, ['1' as unknown as number]), 'VALIDATION');
  await rejectsWithCode(documentsMentioning(db, workspaceId, [3 as unknown as string]), 'VALIDATION');
  await rejectsWithCode(matchEntitiesInQuestion(db, workspaceId, null as unknown as string), 'VALIDATION');
  await rejectsWithCode(documentGraph(db, -1), 'VALIDATION');
  assert.equal(entityRows().length, before);
});

test('a removed document takes its graph along (cascade and the unmentioned-entity trigger); removeDocumentGraph does the same in place', async () => {
  const raw = app.core.internals!.db.raw;
  const documentId = ids['coaching_note:3']!;
  assert.ok(entityId('カタカナ商事'));
  await app.call('documents.remove', { id: documentId });
  assert.equal(await documentGraph(db, documentId), null);
  assert.equal(entityId('カタカナ商事'), undefined);
  assert.equal(entityId('経費精算'), undefined);
  assert.equal(raw.prepare('SELECT count(*) FROM graph_relations WHERE document_id = ?').pluck().get(documentId), 0);

  await removeDocumentGraph(db, ids['board_post:2']!);
  assert.equal(await documentGraph(db, ids['board_post:2']!), null);
  assert.equal(entityId('B팀'), undefined);
  assert.ok(entityId('N2SQL'), 'still mentioned by board_post:1');
  const orphans = raw.prepare('SELECT count(*) FROM graph_entities e WHERE NOT EXISTS (SELECT 1 FROM graph_mentions m WHERE m.entity_id = e.id)').pluck().get();
  assert.equal(orphans, 0);
});

// ================================================================ the real runtime

test('one run through the real runtime: extraction under a JSON-schema grammar on the tiny model parses; a timeout really stops it', { timeout: 300_000 }, async () => {
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  const request = { modelId: model.id, filePath: fixtures.tinyChat, weightBytes: fs.statSync(fixtures.tinyChat).size };
  // Small, so the longest answer the grammar allows fits the tiny model's 2,048-token context beside the prompt.
  const limits = { summaryChars: 40, nameChars: 10, typeChars: 6, descriptionChars: 16, relationChars: 8, entitiesPerPart: 2, relationsPerPart: 1 };
  const text = `${leave}\n\n${'経費精算の締め日は毎月二十五日です。'.repeat(3)}\n\nA프로젝트는 N2SQL을 사용합니다.`;
  const { result, timedOut, parts } = await app.core.internals!.runtime.withModel(request, 2048, async (side, signal) => {
    // Sampled (seeded) rather than greedy: the random weights then write entities and relations too, not only a summary.
    const generate = createLlamaJsonGenerator(side, { signal, maxTokens: 800, temperature: 1, seed: 7 });
    const counter = (value: string) => side.model.tokenize(value).length;
    const partTokens = Math.ceil(counter(text) / 2) + 8;
    // A 1 ms limit: the generation is stopped, and the sequence is free for the next extraction.
    const timedOut = await extractDocumentGraph(text, { generate, countTokens: counter, partTokens, timeoutMs: 1, limits });
    const result = await extractDocumentGraph(text, { generate, countTokens: counter, partTokens, timeoutMs: 120_000, limits });
    return { result, timedOut, parts: splitIntoParts(text, counter, partTokens).length };
  });
  assert.deepEqual([timedOut.outcome, timedOut.reason, timedOut.summary], ['failed', 'timeout', null]);
  // The tiny model's weights are random: what it writes is noise, but the grammar makes it parse.
  assert.ok(parts >= 2, `${parts} parts`);
  assert.equal(result.parts, parts);
  assert.equal(result.outcome, 'extracted', JSON.stringify(result));
  assert.equal(typeof result.summary, 'string');
  assert.ok(result.summary!.length >= 1 && [...result.summary!].length <= limits.summaryChars);
  const keys = new Set<string>();
  for (const item of result.entities) {
    assert.deepEqual(Object.keys(item).sort(), ['description', 'name', 'type']);
    assert.ok([...item.name].length <= limits.nameChars && [...item.description].length <= limits.descriptionChars);
    keys.add(normalizeName(item.name));
  }
  assert.equal(keys.size, result.entities.length, 'deduplicated');
  for (const relation of result.relations) {
    assert.ok(relation.source && relation.relation && relation.target);
    assert.ok(keys.has(normalizeName(relation.source)) && keys.has(normalizeName(relation.target)));
  }
  const top = toTopLevelMetadata(result);
  assert.equal(top.entity_count, result.entities.length);
  assert.equal(top.relation_count, result.relations.length);
});
