/**
 * Prompt templates and prompt history (issue 14): built-in and typed variables resolved when a
 * session starts, required variables checked first, one default template per workspace and
 * category, every change a numbered version with who and when, sessions recording the version
 * they used, logs filtered by it; and per-user preferences (seed 003).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveTemplate } from '../shared/prompt-template.ts';
import { addUser, callAs, openTestApp, rejectsWithCode } from './helpers/app.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';

const context = { userName: '김연구', department: '품질팀', position: '선임', workspace: '계약 PoC', now: new Date('2026-12-04T09:30:00Z') };

test('templates resolve built-ins, typed variables and defaults; every problem is a code with the variable named', () => {
  const variables = [
    { name: 'product', label: '', type: 'text' as const, required: true, default: null, options: [] },
    { name: 'tone', label: '', type: 'choice' as const, required: false, default: 'formal', options: ['formal', 'casual'] },
    { name: 'limit', label: '', type: 'number' as const, required: false, default: '3', options: [] },
  ];
  const body = '{{user_name}} ({{department}}, {{position}}) asks about {{product}} in {{workspace}} on {{today}}; tone {{tone}}, at most {{ limit }} points.';
  const resolved = resolveTemplate(body, variables, { product: 'Falcon' }, context);
  assert.deepEqual(resolved, { ok: true, text: '김연구 (품질팀, 선임) asks about Falcon in 계약 PoC on 2026-12-04; tone formal, at most 3 points.', used: { product: 'Falcon', tone: 'formal', limit: '3' } });
  assert.deepEqual(resolveTemplate(body, variables, {}, context), { ok: false, problems: [{ code: 'template_missing_variable', name: 'product' }] });
  assert.deepEqual(resolveTemplate(body, variables, { product: 'x', tone: 'angry', limit: 'many' }, context), {
    ok: false,
    problems: [
      { code: 'template_invalid_value', name: 'tone', type: 'choice' },
      { code: 'template_invalid_value', name: 'limit', type: 'number' },
    ],
  });
  assert.deepEqual(resolveTemplate('Hi {{nobody}}', [], { extra: '1' }, context), { ok: false, problems: [{ code: 'template_unknown_variable', name: 'nobody' }, { code: 'template_unknown_variable', name: 'extra' }] });
  assert.equal((resolveTemplate('{{now}}', [], {}, context) as { text: string }).text, '2026-12-04 09:30 UTC');
});

test('a default template per workspace and category, the history of every change, sessions on the version they used, logs by version', async () => {
  const app = await openTestApp();
  try {
    const fixtures = await ensureFixtures();
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: '계약 PoC', systemPrompt: 'You answer for {{workspace}}.' });
    const first = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    assert.equal(first.systemPromptSnapshot, 'You answer for 계약 PoC.');
    const v1 = (await app.call('prompts.versions', { workspaceId: workspace.id }))[0]!;
    assert.equal(first.promptVersionId, v1.id);

    await rejectsWithCode(app.call('prompts.saveTemplate', { workspaceId: workspace.id, category: 'qa', name: 'bad', body: 'Hi {{undeclared}}' }), 'VALIDATION');
    const template = await app.call('prompts.saveTemplate', {
      workspaceId: workspace.id,
      category: 'qa',
      name: '고객 응대',
      body: '{{user_name}} answers about {{product}} for {{department}}.',
      variables: [{ name: 'product', label: '제품', type: 'text', required: true }],
      isDefault: true,
    });
    const versions = await app.call('prompts.versions', { workspaceId: workspace.id });
    assert.deepEqual(versions.map((v) => [v.version, v.templateId]), [[2, template.id], [1, null]]);
    assert.equal(versions[0]!.changedByName, (await app.call('users.current', {})).displayName);

    const missing = await rejectsWithCode(app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id }), 'VALIDATION');
    assert.deepEqual([missing.params?.['reason'], missing.params?.['name']], ['template_missing_variable', 'product']);
    await rejectsWithCode(app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id, variables: { product: 'Falcon', colour: 'red' } }), 'VALIDATION');
    // A batch run resolves the template the same way, and is refused up front without the values.
    const set = await app.call('questionSets.create', { workspaceId: workspace.id, name: 'run set', items: [{ question: 'q' }] });
    const runWithout = await rejectsWithCode(app.call('runs.start', { setId: set.id, modelId: model.id, versionIds: [null] }), 'VALIDATION');
    assert.equal(runWithout.params?.['reason'], 'template_missing_variable');
    assert.equal((await app.call('runs.list', { workspaceId: workspace.id })).length, 0);
    const [run] = await app.call('runs.start', { setId: set.id, modelId: model.id, versionIds: [null], variables: { product: 'Falcon' }, wait: true });
    assert.match((await app.call('sessions.get', { id: run!.sessionId })).systemPromptSnapshot, /answers about Falcon/);
    const member = await addUser(app, { username: 'kim', memberOf: [workspace.id] });
    await app.call('users.update', { id: member.user.id, patch: { displayName: '김연구', department: '품질팀' } });
    const asKim = callAs(app.core, { user: (await app.call('users.list', {})).find((u) => u.id === member.user.id)! });
    const second = await asKim('sessions.start', { workspaceId: workspace.id, modelId: model.id, variables: { product: 'Falcon' } });
    assert.equal(second.systemPromptSnapshot, '김연구 answers about Falcon for 품질팀.');
    assert.deepEqual(second.promptVariables, { product: 'Falcon' });
    assert.equal(second.promptVersionId, versions[0]!.id);

    // A second default for the category replaces the first; an unchanged save adds no version.
    const other = await app.call('prompts.saveTemplate', { workspaceId: workspace.id, category: 'qa', name: '간단', body: 'Be brief.', isDefault: true });
    assert.deepEqual((await app.call('prompts.templates', { workspaceId: workspace.id })).map((t) => [t.name, t.isDefault]).sort(), [['간단', true], ['고객 응대', false]]);
    await app.call('prompts.saveTemplate', { workspaceId: workspace.id, id: other.id, category: 'qa', name: '간단', body: 'Be brief.', isDefault: true });
    assert.equal((await app.call('prompts.versions', { workspaceId: workspace.id })).length, 3);
    const third = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    assert.equal(third.systemPromptSnapshot, 'Be brief.');

    // Logs filtered by the prompt version their session used.
    const raw = app.core.internals!.db.raw;
    const insert = raw.prepare("INSERT INTO conversation_logs (session_id, workspace_id, model_id, user_id, question, answer, asked_at, completed_at, prompt_tokens, completion_tokens, duration_ms, stop_reason) VALUES (?, ?, ?, ?, ?, 'a', ?, ?, 0, 0, 0, 'finished')");
    const now = new Date().toISOString();
    for (const [session, question] of [[first, 'v1 question'], [second, 'v2 question'], [third, 'v3 question']] as const) insert.run(session.id, workspace.id, model.id, session.userId, question, now, now);
    const byVersion = await app.call('logs.query', { filters: { promptVersionId: versions[0]!.id } });
    assert.deepEqual(byVersion.rows.map((row) => row.question), ['v2 question']);
    const audit = raw.prepare("SELECT count(*) FROM event_logs WHERE event = 'prompt.changed'").pluck().get();
    assert.equal(audit, 3, 'the first prompt and each change are audited');
  } finally {
    await app.close();
  }
});

test('preferences belong to each user and refuse an unknown model', async () => {
  const app = await openTestApp();
  try {
    assert.deepEqual(await app.call('preferences.get', {}), { preferredModelId: null, temperature: null, maxTokens: null, useDocuments: true, language: null });
    await rejectsWithCode(app.call('preferences.update', { preferredModelId: 999 }), 'NOT_FOUND');
    const updated = await app.call('preferences.update', { temperature: 0.2, language: 'ko', useDocuments: false });
    assert.deepEqual(updated, { preferredModelId: null, temperature: 0.2, maxTokens: null, useDocuments: false, language: 'ko' });
    const other = await addUser(app, { username: 'other' });
    assert.equal((await callAs(app.core, other)('preferences.get', {})).language, null, 'another user has their own');
  } finally {
    await app.close();
  }
});
