/**
 * Structured records (issue 15, seed 002's board_post.v2 / coaching_note.v2 / project_document.v1):
 * JSON and JSONL imports with top-level metadata, retrieval limited by that metadata, seed 002's
 * sync events applied under the same doc_id with their history, and the bad input around them.
 * Real SQLite, LanceDB and the GGUF embedder on the tiny fixture model (identical text, identical
 * vector), as tests/rag.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import type { RetrievalFilter } from '../shared/contract/records.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { evaldesk } from './helpers/cli.ts';
import { addUser, callAs, openTestApp, rejectsWithCode, tempDir, type TestApp } from './helpers/app.ts';

const fixtures = await ensureFixtures();

async function recordsApp() {
  const app = await openTestApp();
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  const workspace = await app.call('workspaces.create', { name: '코칭 기록', temperature: 0, maxTokens: 6, contextSize: 1024, chunkSize: 256, chunkOverlap: 16, similarityThreshold: 0.999, topN: 10 });
  const me = await app.call('users.current', {});
  return { app, model, workspace, userId: me.id };
}

const boardText = '게시글 제목: 대시보드 진행률 팁. 본문: 주간 진행률은 대시보드에서 확인합니다. 댓글: 감사합니다.';
const coachingText = '코칭노트 3주차: N2SQL 프로젝트는 데이터 정제를 먼저 끝내야 합니다. 공개댓글: 다음 주 점검 예정.';
const projectText = '과제기록: A프로젝트 중간보고서. 문서유형: 보고서. 첨부: report.pdf';

const boardPost = {
  doc_id: 'board_post:12',
  title: '게시글',
  content: boardText,
  source_type: 'board_post',
  event_type: 'create',
  doc_schema: 'board_post.v2',
  post_id: 12,
  board_id: 3,
  board_type: 'tip',
  board_name: '팁공유',
  batch_id: 2,
  batch_name: '2026년 2차',
  author_id: 7,
  comment_count: 3,
  last_comment_at: '2026-02-27T15:10:00+00:00',
  updated_at: '2026-02-27T15:12:00+00:00',
  image_urls: ['/uploads/editor_images/boards/3/board_post/sample.png'],
  image_descriptions: [{ url: '/uploads/editor_images/boards/3/board_post/sample.png', caption: '대시보드 화면에서 진행률이 표시된 이미지입니다.' }],
};
const coachingNote = {
  doc_id: 'coaching_note:5',
  title: '3주차 코칭노트',
  content: coachingText,
  source_type: 'coaching_note',
  event_type: 'create',
  doc_schema: 'coaching_note.v2',
  note_id: 5,
  project_id: 9,
  project_name: 'N2SQL',
  batch_id: 2,
  batch_name: '2026년 2차',
  week_number: 3,
  coaching_date: '2026-03-04',
  author_id: 8,
  public_comment_count: 1,
  coach_only_comment_count: 2,
  updated_at: '2026-03-05T09:00:00+09:00',
};
const projectDocument = {
  doc_id: 'project_document:31',
  title: '중간보고서',
  content: projectText,
  source_type: 'project_document',
  event_type: 'manual_sync',
  doc_schema: 'project_document.v1',
  document_id: 31,
  doc_type: 'report',
  doc_type_label: '보고서',
  project_id: 10,
  project_name: 'A프로젝트',
  attachment_count: 1,
  updated_at: '2026-01-10T00:00:00Z',
};

const jsonl = (...records: object[]) => records.map((record) => JSON.stringify(record)).join('\n');

function writeFile(name: string, content: string | Uint8Array): string {
  const file = path.join(tempDir('evaldesk-records-'), name);
  fs.writeFileSync(file, content);
  return file;
}

/** Every passage the filter lets through (threshold -1: all of them), by doc_id. */
async function reachable(app: TestApp, workspaceId: number, userId: number, filter?: RetrievalFilter, question = 'anything'): Promise<string[]> {
  const retrieval = await app.core.internals!.retriever.retrieve({ workspaceId, userId, question, topN: 50, threshold: -1, ...(filter && { filter }) });
  return [...new Set(retrieval.passages.map((passage) => passage.docId))].sort();
}

/** Doc ids whose passage is the exact question (threshold 0.999). */
async function found(app: TestApp, workspaceId: number, userId: number, question: string, filter?: RetrievalFilter): Promise<string[]> {
  const retrieval = await app.core.internals!.retriever.retrieve({ workspaceId, userId, question, topN: 10, threshold: 0.999, ...(filter && { filter }) });
  return retrieval.passages.map((passage) => passage.docId);
}

test('seed 002 records (board_post.v2, coaching_note.v2, project_document.v1) are imported with their metadata, and retrieval can be limited by it', async () => {
  const { app, model, workspace, userId } = await recordsApp();
  try {
    const file = writeFile('records.jsonl', jsonl(boardPost, coachingNote, projectDocument));
    const preview = await app.call('documents.previewRecords', { workspaceId: workspace.id, path: file });
    assert.equal(preview.format, 'jsonl');
    assert.equal(preview.encoding, 'UTF-8');
    assert.equal(preview.validCount, 3);
    assert.deepEqual(preview.problems, []);
    assert.deepEqual(
      preview.sample.map((row) => [row.line, row.docId, row.eventType, row.sourceType, row.updatedAt]),
      [
        [1, 'board_post:12', 'create', 'board_post', '2026-02-27T15:12:00.000Z'],
        [2, 'coaching_note:5', 'create', 'coaching_note', '2026-03-05T00:00:00.000Z'],
        [3, 'project_document:31', 'manual_sync', 'project_document', '2026-01-10T00:00:00.000Z'],
      ],
    );
    assert.equal((await app.call('documents.list', { workspaceId: workspace.id })).length, 0, 'a preview imports nothing');

    const imported = await app.call('documents.importRecords', { workspaceId: workspace.id, path: file });
    assert.deepEqual(imported.outcomes.map((o) => [o.docId, o.result]), [['board_post:12', 'added'], ['coaching_note:5', 'added'], ['project_document:31', 'added']], JSON.stringify(imported.outcomes.map((o) => o.error)));
    const board = imported.outcomes[0]!.document!;
    assert.equal(board.title, '게시글');
    assert.equal(board.sourceType, 'board_post');
    assert.equal(board.status, 'ready');
    assert.equal(board.chunkCount, 1);

    const history = await app.call('documents.recordHistory', { workspaceId: workspace.id, docId: 'board_post:12' });
    assert.equal(history.document?.id, board.id);
    assert.equal(history.metadata?.['board_name'], '팁공유');
    assert.equal(history.metadata?.['post_id'], 12);
    assert.equal(history.metadata?.['doc_schema'], 'board_post.v2');
    assert.deepEqual(history.metadata?.['image_descriptions'], boardPost.image_descriptions);
    assert.equal(history.metadata?.['content'], undefined, 'the content is the document, not metadata');
    assert.deepEqual(history.events.map((e) => [e.eventType, e.result, e.eventAt]), [['create', 'added', '2026-02-27T15:12:00.000Z']]);
    // The list says which documents are records (their history is kept): not a text an API caller
    // added with a source type of its own, which the chat's filter can still pick.
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'wiki:7', title: 'Wiki page', text: 'A wiki page added through the API.', sourceType: 'wiki' });
    const listed = await app.call('documents.list', { workspaceId: workspace.id });
    assert.deepEqual(listed.map((doc) => [doc.docId, doc.sourceType, doc.isRecord]).sort(), [
      ['board_post:12', 'board_post', true],
      ['coaching_note:5', 'coaching_note', true],
      ['project_document:31', 'project_document', true],
      ['wiki:7', 'wiki', false],
    ]);
    await app.call('documents.remove', { id: listed.find((doc) => doc.docId === 'wiki:7')!.id });

    // Unlimited, every record is reachable; each filter lets through exactly what it names.
    const all = ['board_post:12', 'coaching_note:5', 'project_document:31'];
    assert.deepEqual(await reachable(app, workspace.id, userId), all);
    assert.deepEqual(await reachable(app, workspace.id, userId, {}), all, 'an empty filter limits nothing');
    assert.deepEqual(await reachable(app, workspace.id, userId, { sourceTypes: ['coaching_note'] }), ['coaching_note:5']);
    assert.deepEqual(await reachable(app, workspace.id, userId, { sourceTypes: ['coaching_note', 'board_post'] }), ['board_post:12', 'coaching_note:5']);
    assert.deepEqual(await reachable(app, workspace.id, userId, { updatedFrom: '2026-02-01', updatedTo: '2026-02-27' }), ['board_post:12'], 'a day as the end means the whole day');
    assert.deepEqual(await reachable(app, workspace.id, userId, { updatedTo: '2026-02-27T15:11:59Z' }), ['project_document:31']);
    assert.deepEqual(await reachable(app, workspace.id, userId, { sourceTypes: ['coaching_note'], updatedFrom: '2026-03-01', updatedTo: '2026-03-31' }), ['coaching_note:5']);
    assert.deepEqual(await reachable(app, workspace.id, userId, { sourceTypes: ['coaching_note'], updatedFrom: '2026-04-01' }), []);
    assert.deepEqual(await reachable(app, workspace.id, userId, { metadata: { board_name: '팁공유' } }), ['board_post:12']);
    assert.deepEqual(await reachable(app, workspace.id, userId, { metadata: { batch_id: 2 } }), ['board_post:12', 'coaching_note:5'], 'numbers compare as numbers');
    assert.deepEqual(await reachable(app, workspace.id, userId, { metadata: { week_number: '3', project_name: 'N2SQL' } }), ['coaching_note:5'], 'and as their text');
    assert.deepEqual(await reachable(app, workspace.id, userId, { sourceTypes: ['no_such_type'] }), []);

    // By similarity: the board post's own text finds it, unless the filter leaves it out.
    assert.deepEqual(await found(app, workspace.id, userId, boardText), ['board_post:12']);
    assert.deepEqual(await found(app, workspace.id, userId, boardText, { sourceTypes: ['coaching_note'] }), []);
    assert.deepEqual(await found(app, workspace.id, userId, coachingText, { sourceTypes: ['coaching_note'] }), ['coaching_note:5']);
    // A pinned document is context only when it passes the filter too.
    await app.call('documents.setPinned', { id: board.id, pinned: true });
    assert.deepEqual(await found(app, workspace.id, userId, coachingText, { sourceTypes: ['coaching_note'] }), ['coaching_note:5']);
    assert.deepEqual(await found(app, workspace.id, userId, coachingText), ['board_post:12', 'coaching_note:5']);
    await app.call('documents.setPinned', { id: board.id, pinned: false });

    // Through chat.ask: the filter limits the sources and is kept in the retrieval's tool call.
    await app.call('runtime.load', { modelId: model.id });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const filter = { sourceTypes: ['coaching_note'], updatedFrom: '2026-03-01', updatedTo: '2026-03-31' };
    const limited = await app.call('chat.ask', { sessionId: session.id, question: boardText, requestId: 'limited', filter });
    assert.deepEqual(limited.sources, []);
    assert.equal(limited.retrievalOutcome, 'below_threshold');
    const asked = await app.call('chat.ask', { sessionId: session.id, question: coachingText, requestId: 'asked', filter });
    assert.deepEqual(asked.sources.map((s) => s.docId), ['coaching_note:5']);
    const detail = await app.call('logs.get', { id: asked.id });
    const retrieve = detail.log.toolCalls.find((call) => call.toolName === 'retrieve');
    assert.deepEqual(retrieve?.arguments['filter'], filter, 'the filter is in the recorded arguments');
    const open = await app.call('chat.ask', { sessionId: session.id, question: boardText, requestId: 'open' });
    assert.deepEqual(open.sources.map((s) => s.docId), ['board_post:12']);
    assert.equal((await app.call('logs.get', { id: open.id })).log.toolCalls.find((call) => call.toolName === 'retrieve')?.arguments['filter'], undefined);

    // A filter that is not one: refused before anything runs.
    for (const bad of [{ metadata: { 'a"); drop table documents; --': 'x' } }, { updatedFrom: 'yesterday' }, { sourceTypes: [] }, { unknown: 1 }]) {
      const refused = await app.raw('chat.ask', { sessionId: session.id, question: 'q', requestId: `bad-${JSON.stringify(bad).length}`, filter: bad });
      assert.ok(!refused.ok && refused.error.code === 'VALIDATION', JSON.stringify(refused));
    }
  } finally {
    await app.close();
  }
});

test("documents.sourceTypes lists the source types of the documents the caller may see, with their counts, for the chat's filter", async () => {
  const { app, workspace } = await recordsApp();
  try {
    assert.deepEqual(await app.call('documents.sourceTypes', { workspaceId: workspace.id }), [], 'an empty workspace has none');
    await app.call('documents.importRecords', { workspaceId: workspace.id, text: jsonl(boardPost, coachingNote, { ...coachingNote, doc_id: 'coaching_note:6', content: `${coachingText} 4주차` }) });
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'memo', title: 'memo', text: '그냥 메모입니다.' });
    await app.call('documents.importRecords', { workspaceId: workspace.id, text: jsonl({ ...projectDocument, doc_id: 'project_document:40' }), scope: 'private' });
    assert.deepEqual(await app.call('documents.sourceTypes', { workspaceId: workspace.id }), [
      { sourceType: 'api', documents: 1 },
      { sourceType: 'board_post', documents: 1 },
      { sourceType: 'coaching_note', documents: 2 },
      { sourceType: 'project_document', documents: 1 },
    ]);

    // Another member does not learn of the private document's type; a stranger is refused.
    const other = await addUser(app, { username: 'member-b', memberOf: [workspace.id] });
    assert.deepEqual((await callAs(app.core, other)('documents.sourceTypes', { workspaceId: workspace.id })).map((row) => row.sourceType), ['api', 'board_post', 'coaching_note']);
    const stranger = await addUser(app, { username: 'stranger-b' });
    await rejectsWithCode(callAs(app.core, stranger)('documents.sourceTypes', { workspaceId: workspace.id }), 'FORBIDDEN');

    // A deleted record's type goes with it.
    await app.call('documents.importRecords', { workspaceId: workspace.id, text: jsonl({ doc_id: 'board_post:12', event_type: 'delete' }) });
    assert.deepEqual((await app.call('documents.sourceTypes', { workspaceId: workspace.id })).map((row) => row.sourceType), ['api', 'coaching_note', 'project_document']);

    await rejectsWithCode(app.call('documents.sourceTypes', { workspaceId: 9999 }), 'NOT_FOUND');
    for (const bad of [{}, { workspaceId: 'one' }, { workspaceId: -1 }, { workspaceId: workspace.id, extra: true }]) {
      const refused = await app.raw('documents.sourceTypes', bad);
      assert.ok(!refused.ok && refused.error.code === 'VALIDATION', JSON.stringify(refused));
    }
  } finally {
    await app.close();
  }
});

test('seed 002 sync events: each one but delete re-ingests under the same doc_id, delete removes it from search, and the history keeps each event and its time', async () => {
  const { app, workspace, userId } = await recordsApp();
  const vectors = app.core.internals!.vectors;
  const event = (eventType: string, content: string | undefined, updatedAt: string, extra: object = {}) => ({ ...boardPost, event_type: eventType, content, updated_at: updatedAt, ...extra });
  const apply = async (...records: object[]) => (await app.call('documents.importRecords', { workspaceId: workspace.id, text: jsonl(...records) })).outcomes;
  try {
    const [created] = await apply(event('create', boardText, '2026-02-27T15:12:00Z'));
    assert.equal(created!.result, 'added');
    const documentId = created!.document!.id;
    const embedderId = created!.document!.embedderId!;

    // update: the new content replaces the old in one swap, under the same document.
    const updatedText = '게시글 수정: 진행률은 매주 월요일에 갱신됩니다.';
    const [updated] = await apply(event('update', updatedText, '2026-02-28T10:00:00Z', { title: '게시글 (수정)' }));
    assert.equal(updated!.result, 'updated');
    assert.equal(updated!.document!.id, documentId, 'the same document, not a second one');
    assert.equal(updated!.document!.title, '게시글 (수정)');
    assert.equal(await vectors.countRows(embedderId, 64, { docId: 'board_post:12' }), updated!.document!.chunkCount, 'old chunks are gone, new ones are in');
    assert.deepEqual(await found(app, workspace.id, userId, boardText), [], 'the old text is not found any more');
    assert.deepEqual(await found(app, workspace.id, userId, updatedText), ['board_post:12']);

    // comment_*: the post with its comments, re-ingested each time.
    const withComment = `${updatedText} 댓글: 좋은 팁이네요.`;
    const withEditedComment = `${updatedText} 댓글: 좋은 팁입니다!`;
    const outcomes = await apply(
      event('comment_create', withComment, '2026-02-28T11:00:00Z', { comment_count: 1 }),
      event('comment_update', withEditedComment, '2026-02-28T12:00:00Z'),
      event('comment_delete', updatedText, '2026-02-28T13:00:00Z', { comment_count: 0 }),
      event('manual_sync', updatedText, '2026-02-28T14:00:00Z', { comment_count: 0 }),
    );
    assert.deepEqual(outcomes.map((o) => [o.eventType, o.result]), [['comment_create', 'updated'], ['comment_update', 'updated'], ['comment_delete', 'updated'], ['manual_sync', 'unchanged']]);
    assert.ok(outcomes.every((o) => o.document?.id === documentId));
    assert.deepEqual(await found(app, workspace.id, userId, withEditedComment), [], 'the deleted comment is gone from search');
    assert.deepEqual(await found(app, workspace.id, userId, updatedText), ['board_post:12']);
    // Metadata of an unchanged content is still the record's latest.
    assert.equal((await app.call('documents.recordHistory', { workspaceId: workspace.id, docId: 'board_post:12' })).metadata?.['updated_at'], '2026-02-28T14:00:00Z');
    assert.deepEqual(await reachable(app, workspace.id, userId, { updatedFrom: '2026-02-28T13:30:00Z' }), ['board_post:12'], 'filters see the newest updated_at');

    // delete: out of the documents and of search (no content needed).
    const [deleted] = await apply({ doc_id: 'board_post:12', event_type: 'delete', updated_at: '2026-03-01T00:00:00Z' });
    assert.equal(deleted!.result, 'deleted');
    assert.deepEqual(await app.call('documents.list', { workspaceId: workspace.id }), []);
    assert.equal(await vectors.countRows(embedderId, 64, { docId: 'board_post:12' }), 0);
    assert.deepEqual(await reachable(app, workspace.id, userId), []);
    const [again] = await apply({ doc_id: 'board_post:12', event_type: 'delete' });
    assert.equal(again!.result, 'missing', 'deleting what is not there changes nothing');

    // restore: back under the same doc_id.
    const [restored] = await apply(event('restore', updatedText, '2026-03-02T00:00:00Z'));
    assert.equal(restored!.result, 'added');
    assert.deepEqual(await found(app, workspace.id, userId, updatedText), ['board_post:12']);

    const history = await app.call('documents.recordHistory', { workspaceId: workspace.id, docId: 'board_post:12' });
    assert.deepEqual(
      history.events.map((e) => [e.eventType, e.result, e.eventAt]).reverse(),
      [
        ['create', 'added', '2026-02-27T15:12:00.000Z'],
        ['update', 'updated', '2026-02-28T10:00:00.000Z'],
        ['comment_create', 'updated', '2026-02-28T11:00:00.000Z'],
        ['comment_update', 'updated', '2026-02-28T12:00:00.000Z'],
        ['comment_delete', 'updated', '2026-02-28T13:00:00.000Z'],
        ['manual_sync', 'unchanged', '2026-02-28T14:00:00.000Z'],
        ['delete', 'deleted', '2026-03-01T00:00:00.000Z'],
        ['delete', 'missing', history.events.find((e) => e.result === 'missing')!.eventAt],
        ['restore', 'added', '2026-03-02T00:00:00.000Z'],
      ],
    );
    assert.ok(history.events.every((e) => e.userId === userId && !Number.isNaN(Date.parse(e.recordedAt))));
    assert.equal(history.document?.id, restored!.document!.id);
  } finally {
    await app.close();
  }
});

test('bad records: malformed lines by number, missing doc_id or content, unknown events, bad fields, huge files, wrong encodings, nothing imported unconfirmed', async () => {
  const { app, workspace, userId } = await recordsApp();
  try {
    const lines = [
      JSON.stringify(boardPost),
      '{"doc_id": "board_post:13", "content": "깨진 줄',
      JSON.stringify({ title: 'no id', content: '본문' }),
      JSON.stringify({ doc_id: 'board_post:14', title: '내용 없음' }),
      JSON.stringify({ doc_id: 'board_post:15', content: '보관', event_type: 'archive' }),
      '[1, 2]',
      JSON.stringify({ doc_id: 'board_post:16', content: '날짜', updated_at: 'last tuesday' }),
      '',
      JSON.stringify({ doc_id: 'board_post:17', content: { nested: true } }),
      JSON.stringify({ doc_id: 'bad\u0001id', content: 'x' }),
      JSON.stringify(coachingNote),
    ];
    const file = writeFile('mixed.jsonl', lines.join('\r\n'));
    const preview = await app.call('documents.previewRecords', { workspaceId: workspace.id, path: file });
    assert.equal(preview.validCount, 2);
    assert.deepEqual(
      preview.problems.map((p) => [p.line, p.code, p.detail ?? p.value ?? null]),
      [
        [2, 'MALFORMED_LINE', 'invalid_json'],
        [3, 'MISSING_DOC_ID', null],
        [4, 'MISSING_CONTENT', null],
        [5, 'UNKNOWN_EVENT', 'archive'],
        [6, 'NOT_AN_OBJECT', null],
        [7, 'INVALID_FIELD', 'updated_at'],
        [9, 'INVALID_FIELD', 'content'],
        [10, 'INVALID_FIELD', 'doc_id'],
      ],
    );
    const refused = await rejectsWithCode(app.call('documents.importRecords', { workspaceId: workspace.id, path: file }), 'CONFLICT');
    assert.deepEqual([refused.params?.['reason'], refused.params?.['firstLine'], refused.params?.['valid'], refused.params?.['problems']], ['import_problems', 2, 2, 8]);
    assert.deepEqual(await app.call('documents.list', { workspaceId: workspace.id }), [], 'nothing imported until the caller confirms');
    const confirmed = await app.call('documents.importRecords', { workspaceId: workspace.id, path: file, acceptProblems: true });
    assert.deepEqual(confirmed.outcomes.map((o) => [o.line, o.docId, o.result]), [[1, 'board_post:12', 'added'], [11, 'coaching_note:5', 'added']]);
    assert.equal(confirmed.problems.length, 8);

    // A JSON array: problems name the line each element starts on; a broken array is one problem at its line.
    const array = `[\n  ${JSON.stringify(projectDocument)},\n  {\n    "doc_id": "project_document:32",\n    "title": "빈 문서"\n  }\n]\n`;
    const arrayPreview = await app.call('documents.previewRecords', { workspaceId: workspace.id, path: writeFile('records.json', array) });
    assert.equal(arrayPreview.format, 'json');
    assert.deepEqual(arrayPreview.sample.map((row) => [row.line, row.docId]), [[2, 'project_document:31']]);
    assert.deepEqual(arrayPreview.problems.map((p) => [p.line, p.code, p.docId]), [[3, 'MISSING_CONTENT', 'project_document:32']]);
    const broken = await app.call('documents.previewRecords', { workspaceId: workspace.id, text: '[\n  {"doc_id": "a", "content": "b"},\n  {"doc_id": "c" "content": "d"}\n]' });
    assert.deepEqual([broken.validCount, broken.problems.map((p) => [p.line, p.code])], [0, [[3, 'MALFORMED_LINE']]]);
    await rejectsWithCode(app.call('documents.importRecords', { workspaceId: workspace.id, text: '[\n  {"doc_id": "c" "content": "d"}\n]', acceptProblems: true }), 'EMPTY_INPUT');
    const single = await app.call('documents.previewRecords', { workspaceId: workspace.id, path: writeFile('one.json', JSON.stringify(coachingNote, null, 2)) });
    assert.deepEqual([single.format, single.validCount], ['json', 1], 'a single pretty-printed object is one record');

    // Empty, huge, binary, missing: refused as a whole.
    await rejectsWithCode(app.call('documents.importRecords', { workspaceId: workspace.id, path: writeFile('empty.jsonl', '\n\n') }), 'EMPTY_INPUT');
    const huge = path.join(tempDir('evaldesk-records-'), 'huge.jsonl');
    const handle = fs.openSync(huge, 'w');
    fs.ftruncateSync(handle, 60 * 1024 * 1024);
    fs.closeSync(handle);
    const tooLarge = await rejectsWithCode(app.call('documents.previewRecords', { workspaceId: workspace.id, path: huge }), 'DOCUMENT_TOO_LARGE');
    assert.match(tooLarge.message, /larger than 50 MB/);
    await rejectsWithCode(app.call('documents.importRecords', { workspaceId: workspace.id, path: huge, acceptProblems: true }), 'DOCUMENT_TOO_LARGE');
    const binary = writeFile('program.jsonl', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256)));
    await rejectsWithCode(app.call('documents.previewRecords', { workspaceId: workspace.id, path: binary }), 'DOCUMENT_UNREADABLE');
    await rejectsWithCode(app.call('documents.previewRecords', { workspaceId: workspace.id, path: path.join(tempDir(), 'missing.jsonl') }), 'NOT_FOUND');
    const relative = await app.raw('documents.importRecords', { workspaceId: workspace.id, path: 'records.jsonl' });
    assert.ok(!relative.ok && relative.error.code === 'VALIDATION');

    // Other encodings are read as documents are: UTF-16 with a BOM, EUC-KR by detection.
    const note = { doc_id: 'coaching_note:6', title: '4주차 코칭노트', content: '코칭노트 4주차: 발표 자료를 보완하고 데이터 품질 점검 결과를 공유합니다.'.repeat(3), source_type: 'coaching_note', week_number: 4 };
    const utf16 = writeFile('utf16.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(jsonl(note), 'utf16le')]));
    const fromUtf16 = await app.call('documents.previewRecords', { workspaceId: workspace.id, path: utf16 });
    assert.deepEqual([fromUtf16.encoding, fromUtf16.sample[0]?.title], ['UTF-16LE', '4주차 코칭노트']);
    const eucKr = writeFile('euc-kr.jsonl', iconv.encode(jsonl(note), 'EUC-KR'));
    const fromEucKr = await app.call('documents.importRecords', { workspaceId: workspace.id, path: eucKr });
    assert.equal(fromEucKr.outcomes[0]!.result, 'added');
    assert.equal(fromEucKr.outcomes[0]!.document!.title, '4주차 코칭노트');
    assert.equal((await app.call('documents.recordHistory', { workspaceId: workspace.id, docId: 'coaching_note:6' })).metadata?.['title'], '4주차 코칭노트');

    // A doc_id held by a document the caller may not see: refused for them (doc_id_unavailable), untouched for its owner.
    const secretText = '비공개 코칭 메모: 팀장 면담 내용.';
    await app.call('documents.importRecords', { workspaceId: workspace.id, text: jsonl({ doc_id: 'coaching_note:99', title: '비공개', content: secretText, source_type: 'coaching_note' }), scope: 'private' });
    const other = await addUser(app, { username: 'coach-b', memberOf: [workspace.id] });
    const asOther = callAs(app.core, other);
    const taken = await asOther('documents.importRecords', {
      workspaceId: workspace.id,
      text: jsonl({ doc_id: 'coaching_note:99', title: '덮어쓰기', content: '다른 내용', event_type: 'update' }, { doc_id: 'coaching_note:99', event_type: 'delete' }, { doc_id: 'board_post:50', content: '다른 사용자의 게시글' }),
    });
    assert.deepEqual(taken.outcomes.map((o) => [o.eventType, o.result, o.error?.params?.['reason'] ?? null]), [['update', 'failed', 'doc_id_unavailable'], ['delete', 'failed', 'doc_id_unavailable'], ['create', 'added', null]]);
    assert.ok(!JSON.stringify(taken).includes(secretText) && !JSON.stringify(taken).includes('비공개'), 'the refusal names nothing of the other document');
    assert.deepEqual(await found(app, workspace.id, userId, secretText), ['coaching_note:99'], 'the owner still finds their document as it was');
    const historyForOther = await asOther('documents.recordHistory', { workspaceId: workspace.id, docId: 'coaching_note:99' });
    assert.deepEqual([historyForOther.document, historyForOther.metadata, historyForOther.events], [null, null, []], 'nor its history');
    assert.equal((await app.call('documents.recordHistory', { workspaceId: workspace.id, docId: 'coaching_note:99' })).events.length, 1, 'the refused events left no trace in it');

    // A non-member cannot import into or read the workspace at all.
    const stranger = await addUser(app, { username: 'stranger' });
    await rejectsWithCode(callAs(app.core, stranger)('documents.importRecords', { workspaceId: workspace.id, text: jsonl(boardPost) }), 'FORBIDDEN');
    await rejectsWithCode(callAs(app.core, stranger)('documents.recordHistory', { workspaceId: workspace.id, docId: 'board_post:12' }), 'FORBIDDEN');
  } finally {
    await app.close();
  }
});

test('the CLI imports records: problems listed by line, nothing imported unless --accept-problems', async () => {
  const dataDir = tempDir();
  assert.equal((await evaldesk(dataDir, 'call', 'settings.update', JSON.stringify({ embedder: `gguf:${fixtures.tinyChat}` }))).code, 0);
  await evaldesk(dataDir, 'workspaces', 'create', '--name', 'Records');
  const file = writeFile('records.jsonl', [JSON.stringify(boardPost), '{"doc_id": broken', JSON.stringify({ ...coachingNote, event_type: 'publish' })].join('\n'));

  const refused = await evaldesk(dataDir, 'documents', 'import-records', '--workspace', '1', file);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^line 2: MALFORMED_LINE \(invalid_json\)$/m);
  assert.match(refused.stderr, /^line 3: UNKNOWN_EVENT "publish" coaching_note:5$/m);
  assert.match(refused.stderr, /nothing was imported/);
  assert.match((await evaldesk(dataDir, 'documents', 'list', '--workspace', '1')).stdout, /No documents/);

  const accepted = await evaldesk(dataDir, 'documents', 'import-records', '--workspace', '1', '--accept-problems', file);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.match(accepted.stdout, /^added\tboard_post:12\tcreate$/m);
  assert.match((await evaldesk(dataDir, 'documents', 'list', '--workspace', '1')).stdout, /ready\t1 chunks\tshared\tboard_post:12/);

  const deleted = await evaldesk(dataDir, 'documents', 'import-records', '--workspace', '1', writeFile('delete.jsonl', JSON.stringify({ doc_id: 'board_post:12', event_type: 'delete' })));
  assert.match(deleted.stdout, /^deleted\tboard_post:12\tdelete$/m);
  assert.equal((await evaldesk(dataDir, 'documents', 'import-records', file)).code, 2, 'a missing --workspace is a usage error');
});
