/**
 * Documents and people (issue 14): what one user may learn of another user's private documents,
 * or of documents above their security level, through every documents path, its events and the
 * exports. Each test calls the real dispatcher (validation, roles, membership) on a real SQLite
 * file and LanceDB table, as users created through the API, with the tiny GGUF fixture as embedder.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { EventName } from '../shared/contract/api.ts';
import { ApiError } from '../shared/contract/errors.ts';
import { callContext } from '../electron/core/call-context.ts';
import { createEventBus } from '../electron/core/event-bus.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { addUser, callAs, openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';

const fixtures = await ensureFixtures();

/** A workspace on the fixture embedder, with two evaluators in it: Ann and Bob (security level 1). */
async function peopleApp(options: { watchIntervalMs?: number; maxTokens?: number } = {}) {
  const app = await openTestApp({ watchIntervalMs: options.watchIntervalMs ?? 0 });
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  // Threshold -1: every passage is retrieved, so a private one would be in any answer it could reach.
  const workspace = await app.call('workspaces.create', { name: 'People PoC', temperature: 0, maxTokens: options.maxTokens ?? 8, contextSize: 1024, chunkSize: 48, chunkOverlap: 8, similarityThreshold: -1, topN: 8 });
  const ann = await addUser(app, { username: 'ann', memberOf: [workspace.id] });
  const bob = await addUser(app, { username: 'bob', memberOf: [workspace.id] });
  return { app, model, workspace, ann, bob, asAnn: callAs(app.core, ann), asBob: callAs(app.core, bob) };
}

interface Heard {
  event: EventName;
  payload: unknown;
  audience: number | null;
}

/** Every event the adapters are handed, with the audience they deliver it to. */
function listen(app: Awaited<ReturnType<typeof openTestApp>>) {
  const heard: Heard[] = [];
  const stop = app.core.events.subscribe((event, payload, audience) => heard.push({ event, payload, audience }));
  return { heard, stop };
}

const salary = 'Salary review: Ann proposes a raise of 7 percent for the lab team.';
const leave = 'Leave must be requested three days ahead and approved by the team lead.';
const topSecret = 'Level three memo: the merger closes on the first of June.';

test('documents.sync by a user covers only the documents they may see, and its answer names no other user\'s private path', async () => {
  const { app, workspace, bob, asAnn, asBob } = await peopleApp();
  try {
    const folder = (owner: string) => tempDir(`evaldesk-${owner}-`);
    const annFile = path.join(folder('ann'), 'ann-salary-review.md');
    const bobFile = path.join(folder('bob'), 'leave.md');
    const chrisFile = path.join(folder('chris'), 'merger.md');
    fs.writeFileSync(annFile, salary);
    fs.writeFileSync(bobFile, leave);
    fs.writeFileSync(chrisFile, topSecret);
    const chris = callAs(app.core, await addUser(app, { username: 'chris', securityLevel: 3, memberOf: [workspace.id] }));
    const [annDoc] = await asAnn('documents.addFiles', { workspaceId: workspace.id, paths: [annFile], scope: 'private', watched: true });
    const [bobDoc] = await asBob('documents.addFiles', { workspaceId: workspace.id, paths: [bobFile], watched: true });
    const [chrisDoc] = await chris('documents.addFiles', { workspaceId: workspace.id, paths: [chrisFile], watched: true, minSecurityLevel: 3 });
    assert.deepEqual([annDoc!.result, bobDoc!.result, chrisDoc!.result], ['added', 'added', 'added']);
    // Gone files: a sync's message would name them.
    fs.rmSync(annFile);
    fs.rmSync(chrisFile);

    const { heard, stop } = listen(app);
    const bobRuns = await asBob('documents.sync', { workspaceId: workspace.id });
    stop();
    assert.deepEqual(bobRuns.map((run) => [run.documentId, run.result]), [[bobDoc!.document!.id, 'unchanged']], 'only the shared document Bob may see');
    // What reached Bob: the answer, and the events delivered to him (or to everyone).
    const told = JSON.stringify([bobRuns, heard.filter((h) => h.audience === null || h.audience === bob.user.id)]);
    assert.ok(!told.includes(annFile) && !told.includes('ann-salary-review'), 'no trace of Ann\'s private file');
    assert.ok(!told.includes(chrisFile), 'nor of the level-3 file');
    assert.deepEqual(await asAnn('documents.syncRuns', { documentId: annDoc!.document!.id }), [], 'Bob\'s sync did not touch Ann\'s document');

    // Ann's own sync covers her private document (her path is hers to read) and the shared one.
    const annRuns = await asAnn('documents.sync', { workspaceId: workspace.id });
    assert.deepEqual(annRuns.map((run) => run.documentId).sort(), [annDoc!.document!.id, bobDoc!.document!.id].sort());
    assert.match(annRuns.find((run) => run.documentId === annDoc!.document!.id)!.message ?? '', /ann-salary-review\.md no longer exists/);
    // Chris (level 3) reaches the level-3 document; a manager of level 1, syncing every workspace, does not, nor Ann's.
    assert.ok((await chris('documents.sync', { workspaceId: workspace.id })).some((run) => run.documentId === chrisDoc!.document!.id && run.result === 'missing'));
    const manager = callAs(app.core, await addUser(app, { username: 'mona', role: 'manager' }));
    const managerRuns = await manager('documents.sync', {});
    assert.deepEqual(managerRuns.map((run) => run.documentId), [bobDoc!.document!.id]);
    assert.ok(!JSON.stringify(managerRuns).includes(annFile));
  } finally {
    await app.close();
  }
});

test('a doc_id held by a document the caller may not see is refused with one error that names nothing of it', async () => {
  const { app, workspace, asAnn, asBob } = await peopleApp();
  try {
    const chris = callAs(app.core, await addUser(app, { username: 'chris', securityLevel: 3, memberOf: [workspace.id] }));
    const annPost = await asAnn('documents.addText', { workspaceId: workspace.id, docId: 'board_post:12', title: 'Ann salary review', text: salary, scope: 'private' });
    const chrisPost = await chris('documents.addText', { workspaceId: workspace.id, docId: 'board_post:99', title: 'Merger memo', text: topSecret, minSecurityLevel: 3 });

    const onPrivate = await rejectsWithCode(asBob('documents.addText', { workspaceId: workspace.id, docId: 'board_post:12', title: 'Bob post', text: leave }), 'CONFLICT');
    const onLevel = await rejectsWithCode(asBob('documents.addText', { workspaceId: workspace.id, docId: 'board_post:99', title: 'Bob post', text: leave, scope: 'private' }), 'CONFLICT');
    // Nothing tells the two apart, or says whose, what or which scope: only that the id is taken.
    const shape = (error: ApiError, docId: string) => ({ code: error.code, message: error.message.replaceAll(docId, 'ID'), params: { ...error.params, docId: undefined } });
    assert.deepEqual(shape(onPrivate, 'board_post:12'), shape(onLevel, 'board_post:99'));
    assert.equal(onPrivate.params?.['reason'], 'doc_id_unavailable');
    assert.doesNotMatch(onPrivate.message, /private|another user|salary|owner/i);
    assert.doesNotMatch(onPrivate.message, /\bAnn\b/);

    // A file another user added privately: the same refusal, in the file's outcome.
    const annFile = path.join(tempDir('evaldesk-ann-'), 'review.txt');
    fs.writeFileSync(annFile, salary);
    await asAnn('documents.addFiles', { workspaceId: workspace.id, paths: [annFile], scope: 'private' });
    const [bobOutcome] = await asBob('documents.addFiles', { workspaceId: workspace.id, paths: [annFile] });
    assert.equal(bobOutcome!.result, 'failed');
    assert.equal(bobOutcome!.document, null, 'the outcome carries no document');
    assert.equal(bobOutcome!.error?.code, 'CONFLICT');
    assert.doesNotMatch(bobOutcome!.error!.message, /private|another user/i);

    // Neither document was touched; their owners still use their ids.
    const annDocs = await asAnn('documents.list', { workspaceId: workspace.id });
    assert.deepEqual(annDocs.find((d) => d.docId === 'board_post:12')!.updatedAt, annPost.document!.updatedAt);
    assert.equal((await asAnn('documents.passage', { documentId: annPost.document!.id, chunkIndex: 0 })).text.includes('Salary review'), true);
    assert.equal((await chris('documents.passage', { documentId: chrisPost.document!.id, chunkIndex: 0 })).text.includes('Level three memo'), true);
    assert.equal((await asAnn('documents.addText', { workspaceId: workspace.id, docId: 'board_post:12', title: 'Ann salary review', text: salary, scope: 'private' })).result, 'unchanged');
    // Opening Ann's document by its id reads exactly like an id that does not exist.
    const hidden = await rejectsWithCode(asBob('documents.passage', { documentId: annPost.document!.id, chunkIndex: 0 }), 'NOT_FOUND');
    const missing = await rejectsWithCode(asBob('documents.passage', { documentId: 9999, chunkIndex: 0 }), 'NOT_FOUND');
    assert.equal(hidden.message.replace(String(annPost.document!.id), 'N'), missing.message.replace('9999', 'N'));
    // Bob's own ids and the shared ones stay his to use.
    assert.equal((await asBob('documents.addText', { workspaceId: workspace.id, docId: 'board_post:13', title: 'Bob post', text: leave })).result, 'added');
    assert.deepEqual((await asBob('documents.list', { workspaceId: workspace.id })).map((d) => d.docId), ['board_post:13']);
  } finally {
    await app.close();
  }
});

test('a document above the caller\'s security level does not exist for them on any documents path', async () => {
  const { app, workspace, asBob } = await peopleApp();
  try {
    const chris = callAs(app.core, await addUser(app, { username: 'chris', securityLevel: 3, memberOf: [workspace.id] }));
    const dana = callAs(app.core, await addUser(app, { username: 'dana', securityLevel: 2, memberOf: [workspace.id] }));
    const file = path.join(tempDir('evaldesk-chris-'), 'merger.md');
    fs.writeFileSync(file, topSecret);
    const [memo] = await chris('documents.addFiles', { workspaceId: workspace.id, paths: [file], minSecurityLevel: 3 });
    const id = memo!.document!.id;
    assert.equal(memo!.document!.minSecurityLevel, 3);

    for (const [who, as] of [['bob (level 1)', asBob], ['dana (level 2)', dana]] as const) {
      assert.deepEqual((await as('documents.list', { workspaceId: workspace.id })).map((d) => d.id), [], who);
      await rejectsWithCode(as('documents.passage', { documentId: id, chunkIndex: 0 }), 'NOT_FOUND');
      await rejectsWithCode(as('documents.setPinned', { id, pinned: true }), 'NOT_FOUND');
      await rejectsWithCode(as('documents.setWatched', { id, watched: true }), 'NOT_FOUND');
      await rejectsWithCode(as('documents.syncRuns', { documentId: id }), 'NOT_FOUND');
      await rejectsWithCode(as('documents.remove', { id }), 'NOT_FOUND');
    }
    // The same answer as for an id that does not exist at all.
    const missing = await rejectsWithCode(asBob('documents.passage', { documentId: id + 1000, chunkIndex: 0 }), 'NOT_FOUND');
    const hidden = await rejectsWithCode(asBob('documents.passage', { documentId: id, chunkIndex: 0 }), 'NOT_FOUND');
    assert.deepEqual({ ...hidden.params, id: 'N' }, { ...missing.params, id: 'N' });
    assert.equal(hidden.message.replace(String(id), 'N'), missing.message.replace(String(id + 1000), 'N'));

    // It is all still there for the level-3 user, unpinned and unwatched.
    const [kept] = await chris('documents.list', { workspaceId: workspace.id });
    assert.deepEqual([kept!.id, kept!.pinned, kept!.watched, kept!.status], [id, false, false, 'ready']);
    assert.match((await chris('documents.passage', { documentId: id, chunkIndex: 0 })).text, /merger closes/);
  } finally {
    await app.close();
  }
});

test('events about a document go only to a user who may see it, also from the background watched sync', async () => {
  const { app, workspace, ann, bob, asAnn } = await peopleApp({ watchIntervalMs: 150 });
  try {
    const annFile = path.join(tempDir('evaldesk-ann-'), 'ann-salary-review.txt');
    fs.writeFileSync(annFile, salary);
    const [added] = await asAnn('documents.addFiles', { workspaceId: workspace.id, paths: [annFile], scope: 'private', watched: true });
    const { heard, stop } = listen(app);
    fs.writeFileSync(annFile, `${salary} Revised after the board meeting.`);
    fs.utimesSync(annFile, new Date(), new Date(Date.now() + 5000));
    let runs = await asAnn('documents.syncRuns', { documentId: added!.document!.id });
    for (let i = 0; i < 150 && !runs.some((run) => run.trigger === 'watch' && run.result === 'updated'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      runs = await asAnn('documents.syncRuns', { documentId: added!.document!.id });
    }
    stop();
    assert.ok(runs.some((run) => run.trigger === 'watch' && run.result === 'updated'), JSON.stringify(runs));
    const about = heard.filter((h) => h.event === 'document.progress' && (h.payload as { path: string | null }).path === annFile);
    assert.ok(about.some((h) => (h.payload as { phase: string }).phase === 'ready'), 'the background sync reported its progress');
    assert.deepEqual([...new Set(about.map((h) => h.audience))], [ann.user.id], 'to the owner only');
    // Nothing but app-wide state goes to everyone; nothing at all goes to Bob.
    assert.deepEqual(heard.filter((h) => h.audience === null && h.event !== 'runtime.changed'), []);
    assert.deepEqual(heard.filter((h) => h.audience === bob.user.id), []);
  } finally {
    await app.close();
  }
});

test('the event bus: an event outside any call reaches nobody, unless it is app-wide state or names its audience', () => {
  const bus = createEventBus();
  const heard: Array<[string, number | null]> = [];
  bus.subscribe((event, _payload, audience) => heard.push([event, audience]));
  // Start-up re-ingestion and other background work run outside any call.
  bus.emit('job.progress', { jobId: 'recover:1', kind: 'ingest', progress: 0.5, detail: 'Ann salary review' });
  bus.emit('document.progress', { jobId: 'recover:1', path: '/home/ann/private.txt', docId: 'x', progress: 1, phase: 'ready' });
  assert.deepEqual(heard, []);
  bus.emit('document.progress', { jobId: 'recover:1', path: '/home/ann/private.txt', docId: 'x', progress: 1, phase: 'ready' }, 7);
  bus.emit('runtime.changed', { state: 'idle' } as never);
  callContext.run({ userId: 3 }, () => {
    bus.emit('chat.token', { requestId: 'r', text: 'hi' });
    bus.emit('document.progress', { jobId: 'j', path: null, docId: 'y', progress: 1, phase: 'ready' }, 7);
  });
  assert.deepEqual(heard, [['document.progress', 7], ['runtime.changed', null], ['chat.token', 3], ['document.progress', 7]]);
});

test('re-embedding by a manager re-embeds every document but tells them only of those they may see', async () => {
  const { app, workspace, ann, asAnn, asBob } = await peopleApp();
  try {
    const manager = await addUser(app, { username: 'mona', role: 'manager' });
    const asManager = callAs(app.core, manager);
    await asAnn('documents.addText', { workspaceId: workspace.id, docId: 'ann-plan', title: 'Ann salary review', text: salary, scope: 'private' });
    await asBob('documents.addText', { workspaceId: workspace.id, docId: 'leave', title: 'Leave', text: leave });

    // The app default embedder changes; the manager re-embeds the workspace.
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyNoChat}` });
    const { heard, stop } = listen(app);
    const outcomes = await asManager('documents.reembed', { workspaceId: workspace.id });
    stop();
    assert.deepEqual(outcomes.map((o) => [o.docId, o.result]), [['leave', 'updated']]);
    const annDocs = await asAnn('documents.list', { workspaceId: workspace.id });
    assert.deepEqual(annDocs.map((d) => [d.docId, d.embedderId]).sort(), [['ann-plan', 'gguf:tiny-llama-nochat.gguf'], ['leave', 'gguf:tiny-llama-nochat.gguf']], 'Ann\'s document was re-embedded too');
    const tellsOfAnn = (h: Heard) => JSON.stringify(h.payload).includes('ann-plan') || JSON.stringify(h.payload).includes('Ann salary review');
    assert.ok(heard.some(tellsOfAnn), 'Ann hears of her document');
    assert.deepEqual([...new Set(heard.filter(tellsOfAnn).map((h) => h.audience))], [ann.user.id]);
    assert.ok(heard.some((h) => h.audience === manager.user.id && h.event === 'document.progress' && (h.payload as { docId: string }).docId === 'leave'), 'the manager hears of the shared one');

    // Switching the workspace's embedder re-embeds in the background, with the same rule.
    const second = listen(app);
    await asManager('workspaces.update', { id: workspace.id, patch: { embedderId: `gguf:${fixtures.tinyChat}` } });
    let docs = await asAnn('documents.list', { workspaceId: workspace.id });
    for (let i = 0; i < 150 && docs.some((d) => d.embedderId !== 'gguf:tiny-llama-chat.gguf'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      docs = await asAnn('documents.list', { workspaceId: workspace.id });
    }
    second.stop();
    assert.ok(docs.every((d) => d.embedderId === 'gguf:tiny-llama-chat.gguf'));
    assert.deepEqual([...new Set(second.heard.filter(tellsOfAnn).map((h) => h.audience))], [ann.user.id]);
  } finally {
    await app.close();
  }
});

test('an export with context by another user never carries a private passage or one above their level', async () => {
  const { app, model, workspace, asAnn } = await peopleApp();
  try {
    const chris = callAs(app.core, await addUser(app, { username: 'chris', securityLevel: 3, memberOf: [workspace.id] }));
    await asAnn('documents.addText', { workspaceId: workspace.id, docId: 'ann-plan', title: 'Ann salary review', text: salary, scope: 'private' });
    await chris('documents.addText', { workspaceId: workspace.id, docId: 'merger', title: 'Merger memo', text: topSecret, minSecurityLevel: 3 });
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'leave', title: 'Leave', text: leave });
    await app.call('runtime.load', { modelId: model.id });

    // Ann and Chris ask; everything each may see is retrieved (threshold -1) and judged.
    for (const [as, requestId] of [[asAnn, 'ann-q'], [chris, 'chris-q']] as const) {
      const session = await as('sessions.start', { workspaceId: workspace.id, modelId: model.id });
      const log = await as('chat.ask', { sessionId: session.id, question: 'What should the team know this month?', requestId });
      assert.ok(log.sources.length >= 2);
      await as('evaluations.save', { logId: log.id, evaluation: 3, correctAnswer: 'Ask the team lead.' });
    }
    const manager = callAs(app.core, await addUser(app, { username: 'mona', role: 'manager' }));
    const exported = await manager('export.run', { format: 'mlx', name: 'with-context', includeContext: true, dedupeQuestions: false, validRatio: 0.01, filters: { workspaceId: workspace.id } });
    assert.equal(exported.manifest.includesRetrievedContext, true);
    const written = fs.readdirSync(exported.outDir).map((f) => fs.readFileSync(path.join(exported.outDir, f), 'utf8')).join('\n');
    assert.ok(written.includes('Leave must be requested'), 'the shared passage is in the context');
    assert.ok(!written.includes('Salary review') && !written.includes('Ann salary review'), 'Ann\'s private passage is not');
    assert.ok(!written.includes('merger closes') && !written.includes('Merger memo'), 'nor the level-3 one');
  } finally {
    await app.close();
  }
});

test('jobs.cancel and chat.stop of another user\'s job or request are refused; the owner can', async () => {
  const { app, model, workspace, asAnn, asBob } = await peopleApp({ maxTokens: 400 });
  try {
    // A folder ingestion of Ann's: Bob cannot cancel it, Ann can.
    const folder = tempDir('evaldesk-ann-many-');
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(folder, `note-${String(i).padStart(2, '0')}.txt`), `Note ${i} of Ann.`);
    // Set from an event listener: typed wide, so the checks after the call are not narrowed to null.
    let attempts = null as Promise<[{ cancelled: boolean }, { cancelled: boolean }]> | null;
    const stopIngest = app.core.events.subscribe((event, payload) => {
      if (event === 'document.progress' && !attempts && (payload as { phase: string }).phase === 'ready') {
        attempts = (async () => {
          const byBob = await asBob('jobs.cancel', { jobId: 'ann-ingest' });
          return [byBob, await asAnn('jobs.cancel', { jobId: 'ann-ingest' })];
        })();
      }
    });
    const outcomes = await asAnn('documents.addFiles', { workspaceId: workspace.id, paths: [folder], jobId: 'ann-ingest' });
    stopIngest();
    assert.ok(attempts);
    const [byBob, byAnn] = await attempts!;
    assert.deepEqual(byBob, { cancelled: false }, 'Bob\'s cancel is refused');
    assert.deepEqual(byAnn, { cancelled: true }, 'the job was still running, and Ann cancels it');
    assert.ok(outcomes.some((o) => o.result === 'cancelled'));

    // A long answer of Ann's: Bob cannot stop it, Ann can.
    await app.call('runtime.load', { modelId: model.id });
    const session = await asAnn('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    let stops = null as Promise<[{ stopped: boolean }, { stopped: boolean }]> | null;
    let tokens = 0;
    const stopTokens = app.core.events.subscribe((event, payload) => {
      if (event === 'chat.token' && (payload as { requestId: string }).requestId === 'ann-long' && ++tokens === 3) {
        stops = (async () => {
          const byBobStop = await asBob('chat.stop', { requestId: 'ann-long' });
          return [byBobStop, await asAnn('chat.stop', { requestId: 'ann-long' })];
        })();
      }
    });
    const log = await asAnn('chat.ask', { sessionId: session.id, question: 'Write a long essay about contracts.', requestId: 'ann-long' });
    stopTokens();
    assert.ok(stops);
    assert.deepEqual(await stops!, [{ stopped: false }, { stopped: true }]);
    assert.equal(log.stopReason, 'stopped');
    assert.ok(log.completionTokens < 400);
  } finally {
    await app.close();
  }
});
