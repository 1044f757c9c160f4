import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AuthMode, AuthStatus, PasswordPolicyView, SignedIn } from '../../../shared/contract/people.ts';
import type { User } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { AuthSessionsTable, UsersTable } from '../db/schema.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { acceptedUsername, toUser, type UserService } from '../users/users.ts';
import { defaultPasswordPolicy, generateRecoveryCodes, hashPassword, hashRecoveryCode, lockoutState, needsRehash, normalizeUsername, verifyPassword, verifyRecoveryCode, type PasswordPolicy } from './credentials.ts';
import { passwordProblemsOrThrow } from './password-rules.ts';

export type Client = AuthSessionsTable['client'];

/** A signed-in caller as the adapters resolve it from their session token. */
export interface SignedInCaller {
  user: User;
  /** The session the call came with; null in single-user mode (nobody signs in). */
  sessionTokenHash: string | null;
}

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** last_seen_at is written at most this often: not one write per call. */
const touchIntervalMs = 60_000;
/**
 * How long a resolved session is trusted without reading it again. Changes made in this process
 * (sign-out, suspension, a new password) apply at once through `forget`; one made by another
 * process on the same data folder (the CLI) applies within this time.
 */
const resolvedTrustMs = 2_000;

/**
 * Local sign-in (issue 14). Passwords and recovery codes are checked with scrypt
 * (credentials.ts); a session is a random token of which only the SHA-256 is stored.
 * A wrong name and a wrong password take the same time and give the same answer.
 */
export function createAuthService(db: Db, deps: { users: UserService; audit: AuditLog; localUserId: () => number; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const resolved = new Map<string, { caller: SignedInCaller; sessionExpiresAt: number; userExpiresAt: number; readAt: number }>();
  /** Single-user mode's caller, read once and again after the local user changes (forget). */
  let localCaller: Promise<SignedInCaller> | null = null;
  /** Forgets the resolved sessions of `userId` (all when undefined): they are read again at the next call. */
  function forget(userId?: number): void {
    if (userId === undefined || userId === deps.localUserId()) localCaller = null;
    if (userId === undefined) resolved.clear();
    else for (const [hash, entry] of resolved) if (entry.caller.user.id === userId) resolved.delete(hash);
  }
  /** Verified against when the username is unknown, so an unknown name costs what a wrong password does. */
  const dummyHash = hashPassword(crypto.randomBytes(16).toString('hex'));

  /** Read once: only enableMultiUser and setPasswordPolicy change it, and they forget it. */
  let configured: Promise<{ mode: AuthMode; sessionHours: number; policy: PasswordPolicy }> | null = null;
  function config(): Promise<{ mode: AuthMode; sessionHours: number; policy: PasswordPolicy }> {
    configured ??= db
      .selectFrom('auth_config')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
      .then((row) => ({ mode: row.mode, sessionHours: row.session_hours, policy: { ...defaultPasswordPolicy, ...(JSON.parse(row.password_policy) as Partial<PasswordPolicy>) } }))
      .catch((error: unknown) => {
        configured = null;
      forget();
        throw error;
      });
    return configured;
  }

  async function startSession(user: Selectable<UsersTable>, client: Client): Promise<SignedIn & { token: string }> {
    const { sessionHours } = await config();
    const token = crypto.randomBytes(32).toString('base64url');
    const at = new Date(now()).toISOString();
    const expiresAt = new Date(now() + sessionHours * 3_600_000).toISOString();
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('auth_sessions').values({ token_hash: hashToken(token), user_id: user.id, client, created_at: at, last_seen_at: at, expires_at: expiresAt }).execute();
      await trx.updateTable('users').set({ failed_attempts: 0, last_failure_at: null, last_sign_in_at: at }).where('id', '=', user.id).execute();
    });
    return { user: toUser({ ...user, last_sign_in_at: at }), expiresAt, token };
  }

  /** Refuses a user who may not sign in now (checked only after their password or code proved them). */
  function refuseInactive(user: Selectable<UsersTable>): void {
    if (user.suspended) throw new ApiError('ACCOUNT_SUSPENDED', 'This account is suspended. Ask an admin.', { reason: 'suspended' });
    if (user.expires_at && Date.parse(user.expires_at) <= now()) throw new ApiError('ACCOUNT_EXPIRED', 'This account has expired. Ask an admin to extend it.', { reason: 'expired', expiresAt: user.expires_at });
  }

  async function findByName(username: string): Promise<Selectable<UsersTable> | undefined> {
    return db.selectFrom('users').selectAll().where('normalized_username', '=', normalizeUsername(username)).executeTakeFirst();
  }

  /** Counts a failure; the failure that reaches the lockout threshold is audited as a lock. */
  async function countFailure(user: Selectable<UsersTable>): Promise<void> {
    const failedAttempts = user.failed_attempts + 1;
    const at = new Date(now()).toISOString();
    await db.updateTable('users').set({ failed_attempts: failedAttempts, last_failure_at: at }).where('id', '=', user.id).execute();
    const state = lockoutState({ failedAttempts, lastFailureAt: at }, now());
    if (state.locked) await deps.audit.record('auth.locked', { userId: user.id, username: user.username, detail: { failedAttempts, lockedForMs: state.retryAfterMs } });
  }

  function refuseLocked(user: Selectable<UsersTable>): void {
    const state = lockoutState({ failedAttempts: user.failed_attempts, lastFailureAt: user.last_failure_at }, now());
    if (state.locked) throw new ApiError('ACCOUNT_LOCKED', `Too many failed sign-ins. Try again in ${Math.ceil(state.retryAfterMs / 60_000)} minutes.`, { reason: 'locked', retryAfterMs: state.retryAfterMs, minutes: Math.ceil(state.retryAfterMs / 60_000) });
  }

  const badCredentials = () => new ApiError('UNAUTHENTICATED', 'The username or password is wrong.', { reason: 'bad_credentials' });

  const policyView = (policy: PasswordPolicy): PasswordPolicyView => ({ minLength: policy.minLength, maxLength: policy.maxLength, minClasses: policy.minClasses, forbidNames: policy.forbidNames, forbidCommon: policy.forbidCommon });

  async function requireMulti(): Promise<void> {
    if ((await config()).mode !== 'multi') throw new ApiError('CONFLICT', 'EvalDesk is in single-user mode: nobody signs in. Switch to multi-user mode in Settings first.', { reason: 'single_user_mode' });
  }

  return {
    config,

    async status(caller: SignedInCaller | null): Promise<AuthStatus> {
      const { mode, policy } = await config();
      return { mode, user: caller?.user ?? null, passwordPolicy: policyView(policy) };
    },

    /**
     * An admin's change of the password policy (auth_config.password_policy). New passwords (a new
     * user, a changed, reset or recovered password) follow it at once; stored ones keep working.
     * A minimum above the maximum is refused and nothing is saved. Audited with before and after.
     */
    async setPasswordPolicy(caller: SignedInCaller, patch: Partial<PasswordPolicy>): Promise<PasswordPolicyView> {
      const before = (await config()).policy;
      const after: PasswordPolicy = { ...before, ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) };
      if (after.minLength > after.maxLength) {
        throw new ApiError('VALIDATION', `The minimum length (${after.minLength}) is above the maximum length (${after.maxLength}).`, { field: 'minLength', reason: 'min_over_max', min: after.minLength, max: after.maxLength });
      }
      await db.updateTable('auth_config').set({ password_policy: JSON.stringify(after) }).where('id', '=', 1).execute();
      configured = null;
      const changed = (Object.keys(after) as Array<keyof PasswordPolicy>).filter((key) => before[key] !== after[key]);
      if (changed.length > 0) {
        await deps.audit.record('auth.password_policy_changed', {
          userId: caller.user.id,
          username: caller.user.username,
          detail: { before: Object.fromEntries(changed.map((key) => [key, before[key]])), after: Object.fromEntries(changed.map((key) => [key, after[key]])) },
        });
      }
      return policyView((await config()).policy);
    },

    async signIn(username: string, password: string, client: Client): Promise<SignedIn & { token: string }> {
      await requireMulti();
      const user = await findByName(username);
      if (!user || user.password_hash === null) {
        await verifyPassword(password, await dummyHash);
        await deps.audit.record('auth.sign_in_failed', { userId: user?.id ?? null, username: username.slice(0, 200), detail: { reason: 'unknown_user' } });
        throw badCredentials();
      }
      refuseLocked(user);
      if (!(await verifyPassword(password, user.password_hash))) {
        await countFailure(user);
        await deps.audit.record('auth.sign_in_failed', { userId: user.id, username: user.username, detail: { reason: 'wrong_password' } });
        throw badCredentials();
      }
      refuseInactive(user);
      // Raised parameters apply at the next successful sign-in, when the password is at hand.
      if (needsRehash(user.password_hash)) await db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', user.id).execute();
      const signedIn = await startSession(user, client);
      await deps.audit.record('auth.sign_in', { userId: user.id, username: user.username, detail: { client } });
      return signedIn;
    },

    async recover(username: string, code: string, newPassword: string, client: Client): Promise<SignedIn & { token: string; recoveryCodesLeft: number }> {
      await requireMulti();
      const user = await findByName(username);
      if (!user) {
        await verifyPassword(code, await dummyHash);
        throw badCredentials();
      }
      refuseLocked(user);
      const codes = JSON.parse(user.recovery_codes) as Array<string | null>;
      const index = await verifyRecoveryCode(code, codes);
      if (index < 0) {
        await countFailure(user);
        await deps.audit.record('auth.sign_in_failed', { userId: user.id, username: user.username, detail: { reason: 'wrong_recovery_code' } });
        throw badCredentials();
      }
      refuseInactive(user);
      await passwordProblemsOrThrow(newPassword, (await config()).policy, { username: user.username, displayName: user.display_name });
      codes[index] = null;
      await db.updateTable('users').set({ password_hash: await hashPassword(newPassword), recovery_codes: JSON.stringify(codes), updated_at: nowIso() }).where('id', '=', user.id).execute();
      // A recovered account's other sessions end: whoever had the old password is signed out.
      await db.deleteFrom('auth_sessions').where('user_id', '=', user.id).execute();
      forget(user.id);
      const signedIn = await startSession(user, client);
      await deps.audit.record('auth.recovered', { userId: user.id, username: user.username, detail: { client, codesLeft: codes.filter(Boolean).length } });
      return { ...signedIn, recoveryCodesLeft: codes.filter(Boolean).length };
    },

    async signOut(caller: SignedInCaller): Promise<{ signedOut: boolean }> {
      if (caller.sessionTokenHash === null) return { signedOut: false };
      const result = await db.deleteFrom('auth_sessions').where('token_hash', '=', caller.sessionTokenHash).executeTakeFirst();
      resolved.delete(caller.sessionTokenHash);
      await deps.audit.record('auth.sign_out', { userId: caller.user.id, username: caller.user.username, detail: {} });
      return { signedOut: Number(result.numDeletedRows) > 0 };
    },

    async changePassword(caller: SignedInCaller, currentPassword: string, newPassword: string): Promise<{ changed: boolean }> {
      const row = await deps.users.getRow(caller.user.id);
      if (row.password_hash === null || !(await verifyPassword(currentPassword, row.password_hash))) {
        await countFailure(row);
        throw new ApiError('UNAUTHENTICATED', 'The current password is wrong.', { reason: 'bad_credentials', field: 'currentPassword' });
      }
      await passwordProblemsOrThrow(newPassword, (await config()).policy, { username: row.username, displayName: row.display_name });
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ password_hash: await hashPassword(newPassword), updated_at: nowIso() }).where('id', '=', row.id).execute();
        // Other sessions of this user end; this one stays.
        let others = trx.deleteFrom('auth_sessions').where('user_id', '=', row.id);
        if (caller.sessionTokenHash) others = others.where('token_hash', '<>', caller.sessionTokenHash);
        await others.execute();
      });
      forget(row.id);
      await deps.audit.record('auth.password_changed', { userId: row.id, username: row.username, detail: {} });
      return { changed: true };
    },

    async newRecoveryCodes(caller: SignedInCaller, password: string): Promise<{ codes: string[] }> {
      const row = await deps.users.getRow(caller.user.id);
      if (row.password_hash === null || !(await verifyPassword(password, row.password_hash))) {
        await countFailure(row);
        throw new ApiError('UNAUTHENTICATED', 'The password is wrong.', { reason: 'bad_credentials', field: 'password' });
      }
      const codes = generateRecoveryCodes();
      await db.updateTable('users').set({ recovery_codes: JSON.stringify(await Promise.all(codes.map(hashRecoveryCode))) }).where('id', '=', row.id).execute();
      await deps.audit.record('auth.recovery_codes_renewed', { userId: row.id, username: row.username, detail: {} });
      return { codes };
    },

    /** Single-user to multi-user: the local user becomes the first admin, keeping everything it made. */
    async enableMultiUser(caller: SignedInCaller, input: { username: string; displayName?: string | undefined; password: string }, client: Client): Promise<SignedIn & { token: string; recoveryCodes: string[] }> {
      const current = await config();
      if (current.mode === 'multi') throw new ApiError('CONFLICT', 'Multi-user mode is already on.', { reason: 'already_multi_user' });
      const { username, normalized } = acceptedUsername(input.username);
      const taken = await db.selectFrom('users').select('id').where('normalized_username', '=', normalized).where('id', '<>', caller.user.id).executeTakeFirst();
      if (taken) throw new ApiError('CONFLICT', 'Another user already has this username.', { field: 'username', reason: 'username_taken' });
      const displayName = input.displayName ?? caller.user.displayName;
      await passwordProblemsOrThrow(input.password, current.policy, { username, displayName });
      const recoveryCodes = generateRecoveryCodes();
      const [passwordHash, codeHashes] = await Promise.all([hashPassword(input.password), Promise.all(recoveryCodes.map(hashRecoveryCode))]);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ username, normalized_username: normalized, display_name: displayName, role: 'admin', suspended: 0, password_hash: passwordHash, recovery_codes: JSON.stringify(codeHashes), updated_at: nowIso() }).where('id', '=', caller.user.id).execute();
        await trx.updateTable('auth_config').set({ mode: 'multi' }).where('id', '=', 1).execute();
      });
      configured = null;
      forget();
      const row = await deps.users.getRow(caller.user.id);
      const signedIn = await startSession(row, client);
      await deps.audit.record('auth.multi_user_enabled', { userId: row.id, username, detail: { previousUsername: caller.user.username } });
      return { ...signedIn, recoveryCodes };
    },

    /**
     * Who a call comes from. Single-user mode: the local user, whatever the token. Multi-user
     * mode: the user of a live session, or null (the call is refused unless it is public). The
     * user row is read on every call, so a suspension or expiry applies at the next call.
     */
    async resolve(token: string | null): Promise<SignedInCaller | null> {
      const { mode } = await config();
      if (mode === 'single') {
        localCaller ??= deps.users.get(deps.localUserId()).then(
          (user) => ({ user, sessionTokenHash: null }),
          (error: unknown) => {
            localCaller = null;
            throw error;
          },
        );
        return localCaller;
      }
      if (!token) return null;
      const tokenHash = hashToken(token);
      const at = now();
      const known = resolved.get(tokenHash);
      if (known && at - known.readAt < resolvedTrustMs && known.sessionExpiresAt > at && known.userExpiresAt > at) return known.caller;
      resolved.delete(tokenHash);
      // One statement for the session and its user.
      const found = await db
        .selectFrom('auth_sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .selectAll('u')
        .select(['s.expires_at as session_expires_at', 's.last_seen_at as session_last_seen_at'])
        .where('s.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!found) return null;
      const { session_expires_at: sessionExpiresAt, session_last_seen_at: lastSeenAt, ...row } = found;
      if (Date.parse(sessionExpiresAt) <= at) {
        await db.deleteFrom('auth_sessions').where('token_hash', '=', tokenHash).execute();
        return null;
      }
      if (row.suspended || (row.expires_at && Date.parse(row.expires_at) <= at)) return null;
      if (at - Date.parse(lastSeenAt) > touchIntervalMs) await db.updateTable('auth_sessions').set({ last_seen_at: new Date(at).toISOString() }).where('token_hash', '=', tokenHash).execute();
      const caller = { user: toUser(row), sessionTokenHash: tokenHash };
      resolved.set(tokenHash, { caller, sessionExpiresAt: Date.parse(sessionExpiresAt), userExpiresAt: row.expires_at ? Date.parse(row.expires_at) : Infinity, readAt: at });
      return caller;
    },

    forget,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
