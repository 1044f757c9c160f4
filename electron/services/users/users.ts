import os from 'node:os';
import type { Permission } from '../../../shared/contract/define.ts';
import type { User, UserRole } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';

/** What each role may do. Checked by the dispatcher for every call, whatever adapter it came through. */
export const rolePermissions: Record<UserRole, ReadonlySet<Permission>> = {
  admin: new Set(['read', 'ask', 'evaluate', 'export', 'manage']),
  manager: new Set(['read', 'ask', 'evaluate', 'export', 'manage']),
  evaluator: new Set(['read', 'ask', 'evaluate']),
  viewer: new Set(['read']),
};

export function createUserService(db: Db) {
  return {
    /**
     * The workstation's own user, created on first start with the admin role. Sign-in and more
     * users come later; until then every adapter acts as this user.
     */
    async ensureLocalUser(): Promise<User> {
      const existing = await db.selectFrom('users').selectAll().orderBy('id').limit(1).executeTakeFirst();
      if (existing) return fromRow('users', existing);
      let name = 'local';
      try {
        name = os.userInfo().username || 'local';
      } catch {
        // Some sandboxes have no passwd entry; "local" is fine.
      }
      const row = await db
        .insertInto('users')
        .values({ username: name, display_name: name, role: 'admin', created_at: nowIso() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return fromRow('users', row);
    },
    async get(id: number): Promise<User> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ApiError('NOT_FOUND', `User ${id} does not exist.`, { entity: 'user', id });
      return fromRow('users', row);
    },
  };
}
