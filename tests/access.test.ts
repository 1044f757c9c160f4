/**
 * The role matrix (issue 14): every method of the contract, called through the real dispatcher
 * and its access control on a real SQLite file, as each role and as a non-member of the
 * workspace the call names. Behind the dispatcher stand recording stubs, so nothing a call would
 * do happens and only the decision is observed: a call either reaches its implementation or is
 * refused before it, with FORBIDDEN (the role, or a workspace the caller is not a member of) or
 * NOT_FOUND (a row of such a workspace: its id reveals nothing).
 *
 * `inputs` is typed by method: a method added to the contract without an entry here does not
 * compile, and without a rule in electron/core/access.ts it does not compile either.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { api, methodNames, type MethodInput, type MethodName } from '../shared/contract/api.ts';
import { userRoles, type User, type UserRole } from '../shared/contract/entities.ts';
import { accessRules, createAccessControl } from '../electron/core/access.ts';
import { createDispatcher, type Implementations } from '../electron/core/dispatcher.ts';
import { rolePermissions } from '../electron/services/users/users.ts';
import { openTestApp, tempDir } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

interface WorkspaceIds {
  workspace: number;
  session: number;
  log: number;
  set: number;
  run: number;
  comparison: number;
  document: number;
  model: number;
  user: number;
  queue: number;
  template: number;
  thread: number;
}

const file = path.join(tempDir(), 'x.txt');

const inputs: { [M in MethodName]: (ids: WorkspaceIds) => MethodInput<M> } = {
  'app.info': () => ({}),
  'settings.get': () => ({}),
  'settings.update': () => ({ batchParallelism: 2 }),
  'users.current': () => ({}),
  'users.list': () => ({}),
  'users.create': () => ({ username: 'new-user', displayName: 'New', role: 'viewer', password: 'long enough password 1' }),
  'users.update': (ids) => ({ id: ids.user, patch: { department: 'QA' } }),
  'auth.status': () => ({}),
  'auth.signIn': () => ({ username: 'nobody', password: 'x' }),
  'auth.recover': () => ({ username: 'nobody', recoveryCode: 'abcd-efgh-jkmn', newPassword: 'long enough password 1' }),
  'auth.signOut': () => ({}),
  'auth.changePassword': () => ({ currentPassword: 'a', newPassword: 'long enough password 1' }),
  'auth.newRecoveryCodes': () => ({ password: 'a' }),
  'auth.enableMultiUser': () => ({ username: 'lead', password: 'long enough password 1' }),
  'auth.setPasswordPolicy': () => ({ minLength: 12 }),
  'audit.query': () => ({}),
  'audit.csv': () => ({}),
  'workspaces.list': () => ({}),
  'workspaces.create': () => ({ name: 'New workspace' }),
  'workspaces.get': (ids) => ({ id: ids.workspace }),
  'workspaces.update': (ids) => ({ id: ids.workspace, patch: { name: 'Renamed' } }),
  'workspaces.delete': (ids) => ({ id: ids.workspace }),
  'workspaces.members': (ids) => ({ workspaceId: ids.workspace }),
  'workspaces.setMember': (ids) => ({ workspaceId: ids.workspace, userId: ids.user, member: true }),
  'models.list': () => ({}),
  'models.scan': () => ({}),
  'models.add': () => ({ path: file }),
  'models.update': (ids) => ({ id: ids.model, patch: { displayName: 'M' } }),
  'models.remove': (ids) => ({ id: ids.model }),
  'adapters.import': (ids) => ({ baseModelId: ids.model, path: file }),
  'versions.register': (ids) => ({ baseModelId: ids.model, name: 'v9', adapterPath: file }),
  'versions.list': (ids) => ({ baseModelId: ids.model }),
  'runtime.status': () => ({}),
  'runtime.load': (ids) => ({ modelId: ids.model }),
  'runtime.unload': () => ({}),
  'embedders.list': () => ({}),
  'downloads.catalog': () => ({}),
  'downloads.start': () => ({ catalogId: 'qwen' }),
  'downloads.discard': () => ({ catalogId: 'qwen' }),
  'files.browse': () => ({}),
  'jobs.cancel': () => ({ jobId: 'job-1' }),
  'chat.stop': () => ({ requestId: 'r1' }),
  'drafts.get': () => ({ key: 'k' }),
  'drafts.save': () => ({ key: 'k', value: { text: 'draft' } }),
  'drafts.discard': () => ({ key: 'k' }),
  'datasets.list': () => ({}),
  'export.markTrained': () => ({ datasetId: 1 }),
  'sessions.start': (ids) => ({ workspaceId: ids.workspace, modelId: ids.model }),
  'sessions.end': (ids) => ({ id: ids.session }),
  'sessions.get': (ids) => ({ id: ids.session }),
  'chat.ask': (ids) => ({ sessionId: ids.session, question: 'q', requestId: 'r1' }),
  'chat.history': (ids) => ({ sessionId: ids.session }),
  'threads.list': (ids) => ({ workspaceId: ids.workspace }),
  'threads.rename': (ids) => ({ id: ids.thread, name: 'Renamed' }),
  'threads.archive': (ids) => ({ id: ids.thread, archived: true }),
  'threads.history': (ids) => ({ id: ids.thread }),
  'logs.query': (ids) => ({ filters: { workspaceId: ids.workspace } }),
  'logs.count': (ids) => ({ filters: { workspaceId: ids.workspace } }),
  'logs.nextUnevaluated': (ids) => ({ workspaceId: ids.workspace }),
  'logs.get': (ids) => ({ id: ids.log }),
  'evaluations.save': (ids) => ({ logId: ids.log, evaluation: 1 }),
  'export.run': (ids) => ({ format: 'mlx', name: 'x', filters: { workspaceId: ids.workspace } }),
  'ab.ask': (ids) => ({ workspaceId: ids.workspace, modelId: ids.model, first: null, second: 1, question: 'q', requestId: 'ab' }),
  'ab.choose': (ids) => ({ comparisonId: ids.comparison, choice: 'a' }),
  'ab.tally': (ids) => ({ workspaceId: ids.workspace }),
  'questionSets.list': (ids) => ({ workspaceId: ids.workspace }),
  'questionSets.create': (ids) => ({ workspaceId: ids.workspace, name: 'set', items: [{ question: 'q' }] }),
  'questionSets.get': (ids) => ({ id: ids.set }),
  'questionSets.addItems': (ids) => ({ setId: ids.set, items: [{ question: 'q' }] }),
  'questionSets.update': (ids) => ({ id: ids.set, patch: { name: 'n' } }),
  'questionSets.delete': (ids) => ({ id: ids.set }),
  'questionSets.previewImport': () => ({ path: file }),
  'questionSets.import': (ids) => ({ setId: ids.set, path: file, mapping: { question: 'q' } }),
  'runs.start': (ids) => ({ setId: ids.set, modelId: ids.model, versionIds: [null] }),
  'runs.resume': (ids) => ({ id: ids.run }),
  'runs.list': (ids) => ({ workspaceId: ids.workspace }),
  'runs.get': (ids) => ({ id: ids.run }),
  'rejudge.items': (ids) => ({ runId: ids.run }),
  'rejudge.save': (ids) => ({ runId: ids.run, itemId: 1, evaluation: 1 }),
  'scorecards.get': (ids) => ({ workspaceId: ids.workspace }),
  'scorecards.csv': (ids) => ({ workspaceId: ids.workspace, table: 'versions' }),
  'report.create': (ids) => ({ workspaceId: ids.workspace }),
  'documents.list': (ids) => ({ workspaceId: ids.workspace }),
  'documents.addFiles': (ids) => ({ workspaceId: ids.workspace, paths: [file] }),
  'documents.addText': (ids) => ({ workspaceId: ids.workspace, docId: 'd', title: 't', text: 'x' }),
  'documents.sync': (ids) => ({ workspaceId: ids.workspace }),
  'documents.reembed': (ids) => ({ workspaceId: ids.workspace }),
  'documents.remove': (ids) => ({ id: ids.document }),
  'documents.setPinned': (ids) => ({ id: ids.document, pinned: true }),
  'documents.setWatched': (ids) => ({ id: ids.document, watched: true }),
  'documents.syncRuns': (ids) => ({ documentId: ids.document }),
  'documents.passage': (ids) => ({ documentId: ids.document, chunkIndex: 0 }),
  'documents.graph': (ids) => ({ documentId: ids.document }),
  'graph.entities': (ids) => ({ workspaceId: ids.workspace }),
  'graph.extract': (ids) => ({ workspaceId: ids.workspace }),
  'documents.previewRecords': (ids) => ({ workspaceId: ids.workspace, text: '{"doc_id":"d","content":"x"}' }),
  'documents.importRecords': (ids) => ({ workspaceId: ids.workspace, text: '{"doc_id":"d","content":"x"}' }),
  'documents.recordHistory': (ids) => ({ workspaceId: ids.workspace, docId: 'doc' }),
  'documents.sourceTypes': (ids) => ({ workspaceId: ids.workspace }),
  'reviews.createQueue': (ids) => ({ workspaceId: ids.workspace, name: 'queue', evaluatorIds: [ids.user] }),
  'reviews.queues': (ids) => ({ workspaceId: ids.workspace }),
  'reviews.myQueue': (ids) => ({ queueId: ids.queue }),
  'reviews.agreement': (ids) => ({ workspaceId: ids.workspace }),
  'reviews.adjudicate': (ids) => ({ logId: ids.log, evaluation: 1 }),
  'packs.export': (ids) => ({ queueId: ids.queue, evaluatorId: ids.user }),
  'packs.open': () => ({ path: file }),
  'packs.exportResults': (ids) => ({ workspaceId: ids.workspace }),
  'packs.importResults': () => ({ path: file }),
  'prompts.templates': (ids) => ({ workspaceId: ids.workspace }),
  'prompts.saveTemplate': (ids) => ({ workspaceId: ids.workspace, category: 'qa', name: 't', body: 'Hello {{user_name}}' }),
  'prompts.deleteTemplate': (ids) => ({ id: ids.template }),
  'prompts.versions': (ids) => ({ workspaceId: ids.workspace }),
  'prompts.current': (ids) => ({ workspaceId: ids.workspace }),
  'preferences.get': () => ({}),
  'preferences.update': () => ({ temperature: 0.3 }),
};

test('every method as every role, in a workspace the caller belongs to and in one it does not: only the allowed calls get through', async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 8, workspaces: 2, models: 1 });
    const now = new Date().toISOString();
    const [w1, w2] = raw.prepare('SELECT id FROM workspaces ORDER BY id').pluck().all() as number[];
    const model = raw.prepare('SELECT min(id) FROM models').pluck().get() as number;
    const localUser = raw.prepare('SELECT min(id) FROM users').pluck().get() as number;
    const idsOf = (workspace: number): WorkspaceIds => {
      const session = raw.prepare('SELECT min(id) FROM sessions WHERE workspace_id = ?').pluck().get(workspace) as number;
      const logs = raw.prepare('SELECT id FROM conversation_logs WHERE workspace_id = ? ORDER BY id LIMIT 2').pluck().all(workspace) as number[];
      const set = Number(raw.prepare("INSERT INTO question_sets (workspace_id, name, created_by, created_at, updated_at) VALUES (?, 'set', ?, ?, ?)").run(workspace, localUser, now, now).lastInsertRowid);
      const run = Number(
        raw.prepare("INSERT INTO batch_runs (set_id, workspace_id, model_id, session_id, parallelism, temperature, seed, status, total, created_by, created_at) VALUES (?, ?, ?, ?, 1, 0, 42, 'completed', 0, ?, ?)").run(set, workspace, model, session, localUser, now).lastInsertRowid,
      );
      const comparison = Number(raw.prepare('INSERT INTO ab_comparisons (workspace_id, model_id, evaluator_id, question, log_a, log_b, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(workspace, model, localUser, 'q', logs[0], logs[1], now).lastInsertRowid);
      const document = Number(raw.prepare("INSERT INTO documents (workspace_id, doc_id, scope, owner_id, title, format, status, created_at, updated_at) VALUES (?, 'doc', 'shared', ?, 'Doc', 'txt', 'ready', ?, ?)").run(workspace, localUser, now, now).lastInsertRowid);
      const queue = Number(raw.prepare("INSERT INTO review_queues (workspace_id, name, evaluators_per_item, created_by, created_at) VALUES (?, 'queue', 1, ?, ?)").run(workspace, localUser, now).lastInsertRowid);
      const template = Number(raw.prepare("INSERT INTO prompt_templates (workspace_id, category, name, body, variables, created_by, created_at, updated_at) VALUES (?, 'qa', 't', 'x', '[]', ?, ?, ?)").run(workspace, localUser, now, now).lastInsertRowid);
      const thread = Number(raw.prepare("INSERT INTO threads (workspace_id, user_id, name, created_at, updated_at) VALUES (?, ?, 't', ?, ?)").run(workspace, localUser, now, now).lastInsertRowid);
      return { workspace, session, log: logs[0]!, set, run, comparison, document, model, user: localUser, queue, template, thread };
    };
    const member = idsOf(w1!);
    const stranger = idsOf(w2!);

    // One user per role, a member of w1 only.
    const users = new Map<UserRole, User>();
    for (const role of userRoles) {
      const { user } = await app.call('users.create', { username: `${role}-user`, displayName: role, role, password: 'correct horse battery 9' });
      raw.prepare('INSERT INTO workspace_members (workspace_id, user_id, added_at) VALUES (?, ?, ?)').run(w1, user.id, now);
      users.set(role, user);
    }

    const reached: string[] = [];
    const stubs = Object.fromEntries(methodNames.map((name) => [name, () => (reached.push(name), 'reached')])) as unknown as Implementations;
    const dispatch = createDispatcher(stubs, createAccessControl(app.core.internals!.db.db));
    const seesAll = (role: UserRole) => role === 'admin' || role === 'manager';

    const problems: string[] = [];
    for (const method of methodNames) {
      const spec = api[method];
      // Whether the call touches a workspace is read from the inputs, not from the rules under
      // test: a call whose input names a row of the member's workspace touches that workspace.
      const input = inputs[method] as (ids: WorkspaceIds) => unknown;
      const touchesWorkspace = JSON.stringify(input(member)) !== JSON.stringify(input(stranger));
      assert.equal(accessRules[method].kind !== 'global', touchesWorkspace, `${method}: its rule and its input disagree on whether it touches a workspace`);
      for (const role of userRoles) {
        const caller = { user: users.get(role)! };
        const roleAllows = spec.permission === 'public' || rolePermissions[role].has(spec.permission);
        for (const [where, ids] of [['member', member], ['non-member', stranger]] as const) {
          const result = await dispatch(method, input(ids), caller);
          const code = result.ok ? 'reached' : result.error.code;
          if (code === 'VALIDATION') {
            problems.push(`${method}: the matrix input is invalid (${!result.ok && result.error.message})`);
            continue;
          }
          const refusedHere = touchesWorkspace && where === 'non-member' && !seesAll(role);
          // A row of another workspace does not exist for the caller (NOT_FOUND); a workspace named outright is FORBIDDEN.
          const expected = !roleAllows ? ['FORBIDDEN'] : refusedHere ? ['FORBIDDEN', 'NOT_FOUND'] : ['reached'];
          if (!expected.includes(code)) problems.push(`${method} as ${role} (${where}): ${code}, expected ${expected.join(' or ')}`);
        }
      }
      // Nobody signed in: only the public methods are reached.
      const anonymous = await dispatch(method, input(member), null);
      const anonymousCode = anonymous.ok ? 'reached' : anonymous.error.code;
      const expectedAnonymous = spec.permission === 'public' ? 'reached' : 'UNAUTHENTICATED';
      if (anonymousCode !== expectedAnonymous) problems.push(`${method} signed out: ${anonymousCode}, expected ${expectedAnonymous}`);
    }
    assert.deepEqual(problems, []);
    // Every method was reached by someone: no method is closed to all.
    assert.deepEqual(methodNames.filter((name) => !reached.includes(name)), []);
  } finally {
    await app.close();
  }
});
