/**
 * Sign-in and users (issue 14) on the real app core: single-user mode by default, the switch to
 * multi-user mode keeping all data, passwords, lockout, recovery codes, expiry and suspension,
 * Unicode and hostile usernames, the audit log, the daily message limit, and two browsers with
 * their own identities on one web bridge.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { startWebBridge } from '../electron/adapters/web/web-bridge.ts';
import { createClient } from '../shared/contract/client.ts';
import { createWebBridge } from '../shared/contract/web-client.ts';
import { addUser, callAs, openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';

const adminPassword = '관리자 비밀번호 2026!';

/** Calls as whoever `token` signs in (null: nobody), through the same resolution the adapters use. */
function asSession(app: Awaited<ReturnType<typeof openTestApp>>, token: string | null) {
  return async <M extends Parameters<typeof app.call>[0]>(method: M, input: Parameters<typeof app.call<M>>[1]) => {
    const caller = await app.core.resolveCaller(token);
    const result = await app.core.dispatch(method, input, caller, 'cli');
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code, params: result.error.params });
    return result.value as Awaited<ReturnType<typeof app.call<M>>>;
  };
}

const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'ok', (error: { code?: string; params?: Record<string, unknown> }) => `${error.code}${error.params?.['reason'] ? `:${error.params['reason']}` : ''}`);

test('single-user mode by default; switching to multi-user keeps the data and makes the local user the first admin', async () => {
  const app = await openTestApp();
  try {
    const status = await app.call('auth.status', {});
    assert.equal(status.mode, 'single');
    assert.equal(status.user?.role, 'admin');
    const workspace = await app.call('workspaces.create', { name: 'Before the switch' });
    assert.equal((await app.core.resolveCaller(null))?.user.id, status.user!.id, 'single-user mode: every adapter is the local user');
    await rejectsWithCode(app.call('auth.signIn', { username: status.user!.username, password: 'x' }), 'CONFLICT');

    // A weak password changes nothing.
    const weak = await rejectsWithCode(app.call('auth.enableMultiUser', { username: 'lead', password: 'short' }), 'WEAK_PASSWORD');
    assert.equal(weak.params?.['reason'], 'password_too_short');
    assert.equal((await app.call('auth.status', {})).mode, 'single');

    const enabled = await app.call('auth.enableMultiUser', { username: 'lead', displayName: '팀장', password: adminPassword });
    assert.equal(enabled.recoveryCodes.length, 10);
    assert.equal(new Set(enabled.recoveryCodes).size, 10);
    assert.ok(enabled.token);
    assert.equal(enabled.user.id, status.user!.id, 'the same user, now with a name and password');
    assert.equal(await app.core.resolveCaller(null), null, 'multi-user mode: no session, no caller');
    const lead = asSession(app, enabled.token!);
    assert.equal((await lead('users.current', {})).username, 'lead');
    assert.deepEqual((await lead('workspaces.list', {})).map((w) => w.name), [workspace.name], 'everything made before is still there');
    assert.equal(await codeOf(asSession(app, null)('workspaces.list', {})), 'UNAUTHENTICATED:signed_out');
    assert.equal((await asSession(app, null)('auth.status', {})).user, null, 'the status is public');
    assert.equal(await codeOf(lead('auth.enableMultiUser', { username: 'x', password: adminPassword })), 'CONFLICT:already_multi_user');
  } finally {
    await app.close();
  }
});

test('passwords, lockout, recovery codes, expiry and suspension', async () => {
  const app = await openTestApp();
  try {
    const { token } = await app.call('auth.enableMultiUser', { username: 'lead', password: adminPassword });
    const lead = asSession(app, token!);
    const created = await lead('users.create', { username: '김연구', displayName: '김 연구원', role: 'evaluator', department: '품질', password: '평가자의 긴 비밀번호' });
    assert.equal(created.recoveryCodes.length, 10);
    assert.equal(created.user.hasPassword, true);
    assert.ok(!JSON.stringify(created.user).includes('scrypt'), 'no hash leaves the main process');
    const anonymous = asSession(app, null);

    // Wrong name and wrong password: the same answer.
    assert.equal(await codeOf(anonymous('auth.signIn', { username: 'nobody', password: 'whatever 123' })), 'UNAUTHENTICATED:bad_credentials');
    assert.equal(await codeOf(anonymous('auth.signIn', { username: '김연구', password: 'wrong password 1' })), 'UNAUTHENTICATED:bad_credentials');
    const signedIn = await anonymous('auth.signIn', { username: '김연구', password: '평가자의 긴 비밀번호' });
    assert.equal(signedIn.user.username, '김연구');
    const kim = asSession(app, signedIn.token!);
    assert.equal((await kim('users.current', {})).displayName, '김 연구원');
    assert.equal(await codeOf(kim('users.list', {})), 'FORBIDDEN', 'an evaluator does not manage users');

    // Five failures lock the account; while locked even the right password is refused.
    for (let i = 0; i < 5; i++) assert.equal(await codeOf(anonymous('auth.signIn', { username: '김연구', password: `wrong ${i} password` })), 'UNAUTHENTICATED:bad_credentials');
    assert.equal(await codeOf(anonymous('auth.signIn', { username: '김연구', password: '평가자의 긴 비밀번호' })), 'ACCOUNT_LOCKED:locked');
    const raw = app.core.internals!.db.raw;
    raw.prepare("UPDATE users SET last_failure_at = ? WHERE username = '김연구'").run(new Date(Date.now() - 16 * 60_000).toISOString());
    await anonymous('auth.signIn', { username: '김연구', password: '평가자의 긴 비밀번호' });

    // A recovery code signs in once and sets a new password.
    const recovered = await anonymous('auth.recover', { username: '김연구', recoveryCode: ` ${created.recoveryCodes[0]!.toUpperCase()} `, newPassword: '새로 정한 긴 비밀번호' });
    assert.equal(recovered.recoveryCodesLeft, 9);
    assert.equal(await app.core.resolveCaller(signedIn.token!), null, 'recovering ends the other sessions');
    assert.equal(await codeOf(anonymous('auth.recover', { username: '김연구', recoveryCode: created.recoveryCodes[0]!, newPassword: '또 다른 긴 비밀번호' })), 'UNAUTHENTICATED:bad_credentials', 'a used code works once');
    const kim2 = asSession(app, recovered.token!);
    assert.equal(await codeOf(kim2('auth.changePassword', { currentPassword: 'not it at all', newPassword: '바뀐 긴 비밀번호 3' })), 'UNAUTHENTICATED:bad_credentials');
    await kim2('auth.changePassword', { currentPassword: '새로 정한 긴 비밀번호', newPassword: '바뀐 긴 비밀번호 3' });
    const renewed = await kim2('auth.newRecoveryCodes', { password: '바뀐 긴 비밀번호 3' });
    assert.equal(await codeOf(anonymous('auth.recover', { username: '김연구', recoveryCode: created.recoveryCodes[1]!, newPassword: '또 다른 긴 비밀번호' })), 'UNAUTHENTICATED:bad_credentials', 'renewed codes replace the old ones');
    assert.equal(renewed.codes.length, 10);

    // Suspension applies at the next call; expiry refuses sign-in.
    await lead('users.update', { id: created.user.id, patch: { suspended: true } });
    assert.equal(await codeOf(kim2('users.current', {})), 'UNAUTHENTICATED:signed_out');
    assert.equal(await codeOf(anonymous('auth.signIn', { username: '김연구', password: '바뀐 긴 비밀번호 3' })), 'ACCOUNT_SUSPENDED:suspended');
    await lead('users.update', { id: created.user.id, patch: { suspended: false, expiresAt: new Date(Date.now() - 1000).toISOString() } });
    assert.equal(await codeOf(anonymous('auth.signIn', { username: '김연구', password: '바뀐 긴 비밀번호 3' })), 'ACCOUNT_EXPIRED:expired');

    // The last admin cannot demote itself; passwords never reach the audit log; it is append-only.
    const leadUser = await lead('users.current', {});
    assert.equal(await codeOf(lead('users.update', { id: leadUser.id, patch: { role: 'manager' } })), 'CONFLICT:last_admin');
    const events = raw.prepare('SELECT event, detail FROM event_logs ORDER BY id').all() as Array<{ event: string; detail: string }>;
    for (const expected of ['auth.multi_user_enabled', 'user.created', 'auth.sign_in', 'auth.sign_in_failed', 'auth.locked', 'auth.recovered', 'auth.password_changed', 'auth.recovery_codes_renewed', 'user.updated']) {
      assert.ok(events.some((event) => event.event === expected), `${expected} is audited`);
    }
    const everything = JSON.stringify(events);
    for (const secret of [adminPassword, '평가자의 긴 비밀번호', '바뀐 긴 비밀번호 3', created.recoveryCodes[2]!, token!]) assert.ok(!everything.includes(secret), 'no secret in the audit log');
    assert.throws(() => raw.prepare('UPDATE event_logs SET event = ?').run('x'), /append-only/);
    assert.throws(() => raw.prepare('DELETE FROM event_logs').run(), /append-only/);
    const audit = await lead('audit.query', { filters: { events: ['auth.sign_in_failed'] } });
    assert.ok(audit.total >= 7 && audit.rows.every((row) => row.event === 'auth.sign_in_failed'));
    const csv = await lead('audit.csv', { filters: {} });
    assert.ok(csv.csv.startsWith('\uFEFFid,at,event') && csv.csv.includes('user.created'));
    assert.equal(await codeOf(kim2('audit.query', {})), 'UNAUTHENTICATED:signed_out');
  } finally {
    await app.close();
  }
});

test('usernames: Korean and Japanese accepted; case, width and Unicode variants are one name; metacharacters, control characters and long fields refused with nothing saved', async () => {
  const app = await openTestApp();
  try {
    const password = 'a long enough password 7';
    await app.call('users.create', { username: 'Kim', displayName: 'Kim', role: 'viewer', password });
    await app.call('users.create', { username: '山田', displayName: '山田 花子', role: 'viewer', password });
    const before = (await app.call('users.list', {})).length;
    for (const [username, reason] of [
      ['kim', 'username_taken'],
      ['ＫＩＭ', 'username_taken'],
      ['山田', 'username_taken'],
      ["robert');DROP--", 'username_invalid_characters'],
      ["robert'); DROP TABLE users;--", 'username_contains_whitespace'],
      ['two words', 'username_contains_whitespace'],
      ['zero\u200bwidth', 'username_invalid_characters'],
      ['x'.repeat(80), 'username_too_long'],
    ] as const) {
      const error = await rejectsWithCode(app.call('users.create', { username, displayName: 'x', role: 'viewer', password }), reason === 'username_taken' ? 'CONFLICT' : 'VALIDATION');
      assert.equal(error.params?.['reason'], reason, username);
    }
    await rejectsWithCode(app.call('users.create', { username: 'long', displayName: 'x'.repeat(201), role: 'viewer', password }), 'VALIDATION');
    const common = await rejectsWithCode(app.call('users.create', { username: 'pat', displayName: 'Pat', role: 'viewer', password: 'password2024!' }), 'WEAK_PASSWORD');
    assert.equal(common.params?.['reason'], 'password_common');
    const named = await rejectsWithCode(app.call('users.create', { username: 'patricia', displayName: 'Pat', role: 'viewer', password: 'patricia-1234-xyz' }), 'WEAK_PASSWORD');
    assert.equal(named.params?.['reason'], 'password_contains_username');
    assert.equal((await app.call('users.list', {})).length, before, 'nothing saved half-way');
  } finally {
    await app.close();
  }
});

test('the daily message limit counts questions over a rolling 24 hours; admins are exempt', async () => {
  const app = await openTestApp();
  try {
    const fixtures = await ensureFixtures();
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: 'limits' });
    const asker = await addUser(app, { username: 'asker', memberOf: [workspace.id] });
    await app.call('users.update', { id: asker.user.id, patch: { dailyMessageLimit: 2 } });
    const asAsker = callAs(app.core, { user: await app.call('users.list', {}).then((users) => users.find((u) => u.id === asker.user.id)!) });
    const session = await asAsker('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const raw = app.core.internals!.db.raw;
    const insert = raw.prepare("INSERT INTO conversation_logs (session_id, workspace_id, model_id, user_id, question, answer, asked_at, completed_at, prompt_tokens, completion_tokens, duration_ms, stop_reason) VALUES (?, ?, ?, ?, 'q', 'a', ?, ?, 0, 0, 0, 'finished')");
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
    insert.run(session.id, workspace.id, model.id, asker.user.id, at(25), at(25));
    insert.run(session.id, workspace.id, model.id, asker.user.id, at(1), at(1));
    // One question in the last 24 hours of a limit of 2: the next is allowed (it fails later: no model is loaded).
    await rejectsWithCode(asAsker('chat.ask', { sessionId: session.id, question: 'allowed?', requestId: 'one' }), 'MODEL_NOT_LOADED');
    insert.run(session.id, workspace.id, model.id, asker.user.id, at(0.5), at(0.5));
    const limited = await rejectsWithCode(asAsker('chat.ask', { sessionId: session.id, question: 'one more?', requestId: 'two' }), 'RATE_LIMITED');
    assert.equal(limited.params?.['limit'], 2);
    const admin = (await app.call('users.current', {})).id;
    await app.call('users.update', { id: admin, patch: { dailyMessageLimit: 1 } });
    const adminSession = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    for (let i = 0; i < 3; i++) insert.run(adminSession.id, workspace.id, model.id, admin, at(0.1), at(0.1));
    await rejectsWithCode(app.call('chat.ask', { sessionId: adminSession.id, question: 'admin', requestId: 'admin' }), 'MODEL_NOT_LOADED');
  } finally {
    await app.close();
  }
});

test('two browsers on one web bridge, each signed in as its own user: own identity, own events, and a sign-out that sticks', async () => {
  const app = await openTestApp();
  const bridge = await startWebBridge({ dispatch: app.core.dispatch, events: app.core.events, resolveCaller: app.core.resolveCaller, rendererDir: tempDir(), token: 'bridge-token-1234567890' });
  const browsers = [createWebBridge(bridge.origin, bridge.token), createWebBridge(bridge.origin, bridge.token)];
  try {
    await app.call('auth.enableMultiUser', { username: 'lead', password: adminPassword });
    const [leadBrowser, evaluatorBrowser] = browsers.map((raw) => createClient(raw));
    await leadBrowser!.call('auth.signIn', { username: 'lead', password: adminPassword });
    const created = await leadBrowser!.call('users.create', { username: 'eva', displayName: 'Eva', role: 'evaluator', password: 'long secret phrase 42' });
    const signedIn = await evaluatorBrowser!.call('auth.signIn', { username: 'eva', password: 'long secret phrase 42' });
    assert.equal(signedIn.token, undefined, 'the token stays in the cookie, out of the page');
    assert.equal((await leadBrowser!.call('users.current', {})).username, 'lead');
    assert.equal((await evaluatorBrowser!.call('users.current', {})).username, 'eva');
    assert.equal((await evaluatorBrowser!.call('users.list', {}).then(() => 'ok', (error: { code: string }) => error.code)), 'FORBIDDEN');

    // The lead's export reports progress to the lead's browser only.
    const seen = { lead: [] as string[], evaluator: [] as string[] };
    leadBrowser!.on('job.progress', (payload) => seen.lead.push(payload.jobId));
    evaluatorBrowser!.on('job.progress', (payload) => seen.evaluator.push(payload.jobId));
    await leadBrowser!.call('export.run', { format: 'mlx', name: 'lead-export', outDir: path.join(tempDir(), 'out'), jobId: 'lead-export-job' }).catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(seen.lead.includes('lead-export-job'), 'the lead sees their job');
    assert.deepEqual(seen.evaluator, [], 'the evaluator sees nothing of it');
    assert.equal(created.user.role, 'evaluator');

    await evaluatorBrowser!.call('auth.signOut', {});
    assert.equal(await evaluatorBrowser!.call('users.current', {}).then(() => 'ok', (error: { code: string }) => error.code), 'UNAUTHENTICATED');
    assert.equal((await leadBrowser!.call('users.current', {})).username, 'lead', 'the other browser stays signed in');
  } finally {
    for (const browser of browsers) browser.close();
    await bridge.close();
    await app.close();
  }
});

test('a user patch changes exactly the fields it names', async () => {
  const app = await openTestApp();
  try {
    const { user } = await app.call('users.create', { username: 'pat', displayName: 'Pat', role: 'evaluator', department: 'QA', position: 'Lead', securityLevel: 2, dailyMessageLimit: 50, password: 'a long enough secret 9' });
    const after = await app.call('users.update', { id: user.id, patch: { displayName: 'Patricia' } });
    assert.deepEqual([after.displayName, after.department, after.position, after.securityLevel, after.dailyMessageLimit], ['Patricia', 'QA', 'Lead', 2, 50]);
  } finally {
    await app.close();
  }
});
