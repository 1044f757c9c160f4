import os from 'node:os';
import type { Selectable } from 'kysely';
import type { Permission } from '../../../shared/contract/define.ts';
import { userSchema, type User, type UserRole } from '../../../shared/contract/entities.ts';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow, toColumns } from '../db/rows.ts';
import type { UsersTable } from '../db/schema.ts';
import { checkUsername, generateRecoveryCodes, hashPassword, hashRecoveryCode, normalizeUsername } from '../auth/credentials.ts';
import { passwordProblemsOrThrow } from '../auth/password-rules.ts';

/**
 * What each role may do. Checked by the dispatcher for every call, whatever adapter it came
 * through; workspace membership is checked beside it (electron/core/access.ts).
 */
export const rolePermissions: Record<UserRole, ReadonlySet<Permission>> = {
  admin: new Set(['signedIn', 'read', 'ask', 'evaluate', 'export', 'manage', 'admin']),
  manager: new Set(['signedIn', 'read', 'ask', 'evaluate', 'export', 'manage']),
  evaluator: new Set(['signedIn', 'read', 'ask', 'evaluate']),
  viewer: new Set(['signedIn', 'read']),
};

/** Roles that see every workspace; the others see the workspaces they are members of. */
export const rolesSeeingAllWorkspaces: ReadonlySet<UserRole> = new Set(['admin', 'manager']);

/** The entity of a row: only the schema's fields, so no hash or counter ever leaves this module. */
export function toUser(row: Selectable<UsersTable>): User {
  const record = fromRow('users', row);
  return pickFields(userSchema, { ...record, updatedAt: record.updatedAt ?? record.createdAt, hasPassword: row.password_hash !== null } as User);
}

/** A username as stored, or the problem codes that refuse it (VALIDATION, field username). */
export function acceptedUsername(name: string): { username: string; normalized: string } {
  const problems = checkUsername(name);
  if (problems.length > 0) {
    throw new ApiError('VALIDATION', `This username cannot be used (${problems.map((p) => p.code).join(', ')}).`, { field: 'username', reason: `username_${problems[0]!.code}` });
  }
  return { username: name.trim().normalize('NFC'), normalized: normalizeUsername(name) };
}

export function createUserService(db: Db, deps: { passwordPolicy: () => Promise<import('../auth/credentials.ts').PasswordPolicy> }) {
  async function getRow(id: number): Promise<Selectable<UsersTable>> {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `User ${id} does not exist.`, { entity: 'user', id });
    return row;
  }

  async function ensureNameFree(normalized: string, exceptId?: number): Promise<void> {
    let query = db.selectFrom('users').select('id').where('normalized_username', '=', normalized);
    if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
    if (await query.executeTakeFirst()) throw new ApiError('CONFLICT', 'Another user already has this username (names that differ only in case or width are the same name).', { field: 'username', reason: 'username_taken' });
  }

  return {
    getRow,
    /**
     * The workstation's own user, created on first start with the admin role. In single-user
     * mode every adapter acts as this user; switching to multi-user mode makes it the first admin.
     */
    async ensureLocalUser(): Promise<User> {
      const existing = await db.selectFrom('users').selectAll().orderBy('id').limit(1).executeTakeFirst();
      if (existing) return toUser(existing);
      let name = 'local';
      try {
        name = os.userInfo().username || 'local';
      } catch {
        // Some sandboxes have no passwd entry; "local" is fine.
      }
      if (checkUsername(name).length > 0) name = 'local';
      const now = nowIso();
      const row = await db
        .insertInto('users')
        .values({ username: name, normalized_username: normalizeUsername(name), display_name: name, role: 'admin', department: '', position: '', security_level: 3, suspended: 0, expires_at: null, daily_message_limit: null, bio: '', avatar: null, password_hash: null, failed_attempts: 0, last_failure_at: null, recovery_codes: '[]', created_at: now, updated_at: now, last_sign_in_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    },

    async get(id: number): Promise<User> {
      return toUser(await getRow(id));
    },

    async list(): Promise<User[]> {
      return (await db.selectFrom('users').selectAll().orderBy('id').execute()).map(toUser);
    },

    /** A new user with a first password and recovery codes (the codes are returned once, stored hashed). */
    async create(input: ParsedInput<'users.create'>): Promise<{ user: User; recoveryCodes: string[] }> {
      const { username, normalized } = acceptedUsername(input.username);
      await ensureNameFree(normalized);
      await passwordProblemsOrThrow(input.password, await deps.passwordPolicy(), { username, displayName: input.displayName });
      const recoveryCodes = generateRecoveryCodes();
      const [passwordHash, codeHashes] = await Promise.all([hashPassword(input.password), Promise.all(recoveryCodes.map(hashRecoveryCode))]);
      const now = nowIso();
      const { username: _typed, password: _password, ...fields } = input;
      const row = await db
        .insertInto('users')
        .values({
          ...toColumns('users', fields),
          username,
          normalized_username: normalized,
          password_hash: passwordHash,
          failed_attempts: 0,
          last_failure_at: null,
          recovery_codes: JSON.stringify(codeHashes),
          created_at: now,
          updated_at: now,
          last_sign_in_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { user: toUser(row), recoveryCodes };
    },

    /** Changes a user's fields; a new password ends their signed-in sessions. */
    async update(input: ParsedInput<'users.update'>): Promise<{ before: User; after: User }> {
      const before = toUser(await getRow(input.id));
      const columns: Record<string, unknown> = { ...toColumns('users', input.patch), updated_at: nowIso() };
      if (input.password !== undefined) {
        await passwordProblemsOrThrow(input.password, await deps.passwordPolicy(), { username: before.username, displayName: input.patch.displayName ?? before.displayName });
        columns['password_hash'] = await hashPassword(input.password);
        columns['failed_attempts'] = 0;
        columns['last_failure_at'] = null;
      }
      await db.transaction().execute(async (trx) => {
        // The last admin cannot be demoted or suspended: nobody could manage users any more.
        if ((input.patch.role && input.patch.role !== 'admin') || input.patch.suspended) {
          if (before.role === 'admin') {
            const admins = await trx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'admin').where('suspended', '=', 0).where('id', '<>', input.id).executeTakeFirstOrThrow();
            if (Number(admins.n) === 0) throw new ApiError('CONFLICT', 'This is the last active admin; make another user admin first.', { reason: 'last_admin' });
          }
        }
        await trx.updateTable('users').set(columns).where('id', '=', input.id).execute();
        if (input.password !== undefined || input.patch.suspended) await trx.deleteFrom('auth_sessions').where('user_id', '=', input.id).execute();
      });
      return { before, after: toUser(await getRow(input.id)) };
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
