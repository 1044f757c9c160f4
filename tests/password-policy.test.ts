/**
 * The password policy (issue 14: "weak passwords (a configurable policy)") is stored in
 * auth_config.password_policy and changed only by admins through auth.setPasswordPolicy. New
 * passwords follow it at once, whichever path sets them; bad policies are refused, saving nothing.
 * Real dispatcher, real SQLite file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addUser, callAs, openTestApp, rejectsWithCode } from './helpers/app.ts';

test('an admin sets the password policy; a non-admin is refused; new passwords follow it at once', async () => {
  const app = await openTestApp();
  try {
    const defaults = (await app.call('auth.status', {})).passwordPolicy;
    assert.deepEqual(defaults, { minLength: 10, maxLength: 256, minClasses: 2, forbidNames: true, forbidCommon: true });

    // Others may read the rules (auth.status is public) but not change them.
    for (const role of ['manager', 'evaluator', 'viewer'] as const) {
      const someone = callAs(app.core, await addUser(app, { username: `${role}-1`, role }));
      await rejectsWithCode(someone('auth.setPasswordPolicy', { minLength: 8 }), 'FORBIDDEN');
    }
    assert.deepEqual((await app.call('auth.status', {})).passwordPolicy, defaults, 'a refused change saved nothing');

    const set = await app.call('auth.setPasswordPolicy', { minLength: 16, minClasses: 3 });
    assert.deepEqual(set, { ...defaults, minLength: 16, minClasses: 3 });
    assert.deepEqual((await app.call('auth.status', {})).passwordPolicy, set);

    // A password the old policy took (12 characters, 2 kinds) is now too short, with the policy's numbers.
    const short = await rejectsWithCode(app.call('users.create', { username: 'newcomer', displayName: 'New', role: 'evaluator', password: 'garden hose 7' }), 'WEAK_PASSWORD');
    assert.equal(short.params?.['reason'], 'password_too_short');
    assert.equal(short.params?.['min'], 16);
    const classes = await rejectsWithCode(app.call('users.create', { username: 'newcomer', displayName: 'New', role: 'evaluator', password: 'garden hose seventy seven' }), 'WEAK_PASSWORD');
    assert.equal(classes.params?.['reason'], 'password_needs_classes');
    assert.equal(classes.params?.['min'], 3);
    assert.equal((await app.call('users.list', {})).some((user) => user.username === 'newcomer'), false, 'nothing was saved');
    const created = await app.call('users.create', { username: 'newcomer', displayName: 'New', role: 'evaluator', password: 'Garden hose seventy 7' });
    assert.equal(created.user.hasPassword, true);
    // Resetting a password goes by the same rules.
    const reset = await rejectsWithCode(app.call('users.update', { id: created.user.id, patch: {}, password: 'Short 1 pw' }), 'WEAK_PASSWORD');
    assert.equal(reset.params?.['reason'], 'password_too_short');

    // The switches: common passwords allowed again when an admin says so.
    await app.call('auth.setPasswordPolicy', { minLength: 10, minClasses: 2 });
    const common = await rejectsWithCode(app.call('users.create', { username: 'common-1', displayName: 'C', role: 'viewer', password: 'password2024!' }), 'WEAK_PASSWORD');
    assert.equal(common.params?.['reason'], 'password_common');
    await app.call('auth.setPasswordPolicy', { forbidCommon: false });
    assert.equal((await app.call('users.create', { username: 'common-1', displayName: 'C', role: 'viewer', password: 'password2024!' })).user.username, 'common-1');
  } finally {
    await app.close();
  }
});

test('a bad password policy is refused and nothing of it is saved', async () => {
  const app = await openTestApp();
  try {
    const before = (await app.call('auth.status', {})).passwordPolicy;
    const crossed = await rejectsWithCode(app.call('auth.setPasswordPolicy', { minLength: 40, maxLength: 20 }), 'VALIDATION');
    assert.equal(crossed.params?.['reason'], 'min_over_max');
    // Against the stored maximum too.
    await app.call('auth.setPasswordPolicy', { maxLength: 30 });
    const overStored = await rejectsWithCode(app.call('auth.setPasswordPolicy', { minLength: 31 }), 'VALIDATION');
    assert.equal(overStored.params?.['reason'], 'min_over_max');
    await rejectsWithCode(app.call('auth.setPasswordPolicy', { minLength: 4 }), 'VALIDATION');
    await rejectsWithCode(app.call('auth.setPasswordPolicy', { maxLength: 5000 }), 'VALIDATION');
    await rejectsWithCode(app.call('auth.setPasswordPolicy', { minClasses: 5 }), 'VALIDATION');
    await rejectsWithCode(app.call('auth.setPasswordPolicy', { minClasses: 0 }), 'VALIDATION');
    await rejectsWithCode(app.call('auth.setPasswordPolicy', {}), 'VALIDATION');
    assert.equal((await app.raw('auth.setPasswordPolicy', { minLength: '12' })).ok, false);
    assert.equal((await app.raw('auth.setPasswordPolicy', { forbidNames: false, sessionHours: 1 })).ok, false, 'only the policy, nothing else of the sign-in settings');
    assert.deepEqual((await app.call('auth.status', {})).passwordPolicy, { ...before, maxLength: 30 });
    const stored = JSON.parse(app.core.internals!.db.raw.prepare('SELECT password_policy FROM auth_config').pluck().get() as string) as Record<string, unknown>;
    assert.equal(stored['maxLength'], 30);
    assert.equal(stored['minLength'], before.minLength);
  } finally {
    await app.close();
  }
});
