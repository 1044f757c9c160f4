import { z } from 'zod';
import { method } from './define.ts';
import { userFieldsInput, type User, type UserRole } from './entities/user.ts';
import { entityId, isoDate } from './entities/fields.ts';
import { patchOf } from './entities/derive.ts';

/**
 * People (issue 14): single-user mode (one implicit local admin, no password: the default) or
 * multi-user mode with local sign-in. Every method's access is checked in the main process
 * (electron/core/access.ts), whichever adapter the call came through.
 */
export const authModes = ['single', 'multi'] as const;
export type AuthMode = (typeof authModes)[number];

export interface PasswordPolicyView {
  minLength: number;
  maxLength: number;
  minClasses: number;
  /** Refuses a password containing the username or display name. */
  forbidNames: boolean;
  /** Refuses the very common passwords. */
  forbidCommon: boolean;
}

/**
 * What an admin may set of the password policy (auth.setPasswordPolicy): a patch, checked
 * against the fields' bounds and against each other. New passwords follow it at once; existing
 * ones keep working until they are changed.
 */
export const passwordPolicyPatch = z
  .object({
    /** Below 8 characters no policy goes: the lockout alone does not make a 4-character password safe. */
    minLength: z.number().int().min(8).max(256).optional(),
    /** The API takes passwords up to 1,024 characters. */
    maxLength: z.number().int().min(8).max(1024).optional(),
    /** Of lower, upper, digit, symbol, other letter (Hangul, kana): at most 4 can be required. */
    minClasses: z.number().int().min(1).max(4).optional(),
    forbidNames: z.boolean().optional(),
    forbidCommon: z.boolean().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Name at least one rule to change' });

export interface AuthStatus {
  mode: AuthMode;
  /** The signed-in user (always the local user in single-user mode); null when nobody is. */
  user: User | null;
  passwordPolicy: PasswordPolicyView;
}

/**
 * A signed-in session. `token` identifies it on the wire of the CLI and of tests; the desktop
 * window and the web bridge keep it themselves (per window; an HttpOnly cookie per browser) and
 * hand the renderer only `user` and `expiresAt`.
 */
export interface SignedIn {
  user: User;
  expiresAt: string;
  token?: string;
}

/** The workspaces a user may use: all of them, or the ids of their memberships. */
export type WorkspaceVisibility = 'all' | ReadonlySet<number>;

export interface WorkspaceMember {
  userId: number;
  username: string;
  displayName: string;
  role: UserRole;
  addedAt: string;
}

export const auditEventNames = [
  'auth.sign_in',
  'auth.sign_in_failed',
  'auth.sign_out',
  'auth.locked',
  'auth.recovered',
  'auth.password_changed',
  'auth.recovery_codes_renewed',
  'auth.multi_user_enabled',
  'auth.password_policy_changed',
  'user.created',
  'user.updated',
  'workspace.created',
  'workspace.updated',
  'workspace.deleted',
  'workspace.member_added',
  'workspace.member_removed',
  'prompt.changed',
  'model.registered',
  'model.updated',
  'model.removed',
  'adapter.imported',
  'version.registered',
  'evaluation.saved',
  'evaluation.changed',
  'evaluation.adjudicated',
  'review.queue_created',
  'pack.exported',
  'pack.opened',
  'pack.results_exported',
  'pack.imported',
  'export.created',
  'export.marked_trained',
  'settings.changed',
] as const;
export type AuditEventName = (typeof auditEventNames)[number];

export interface AuditEvent {
  id: number;
  at: string;
  event: AuditEventName;
  /** Who did it; null for a failed sign-in of an unknown name. */
  userId: number | null;
  username: string | null;
  workspaceId: number | null;
  /** What changed, as recorded (before/after for changes); never a password or a token. */
  detail: Record<string, unknown>;
}

const username = z.string().min(1).max(200);
/** Bounded before hashing: a megabyte "password" must not cost a megabyte of scrypt input. */
const password = z.string().min(1).max(1024);

const auditFilters = z
  .object({
    events: z.array(z.enum(auditEventNames)).max(auditEventNames.length).optional(),
    userId: entityId.optional(),
    workspaceId: entityId.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict();

// patchOf, not .partial(): zod's partial keeps the defaults, and a patch of one field would reset the others.
const userPatch = patchOf(userFieldsInput);

export const peopleMethods = {
  'auth.status': method<AuthStatus>()({ input: z.object({}).strict(), permission: 'public' }),
  /**
   * Signs in with a username and password. A wrong name and a wrong password fail alike
   * (UNAUTHENTICATED, reason bad_credentials); repeated failures lock the account for a while.
   */
  'auth.signIn': method<SignedIn>()({ input: z.object({ username, password }).strict(), permission: 'public' }),
  /** Signs in with a recovery code (each works once) and sets a new password. */
  'auth.recover': method<SignedIn & { recoveryCodesLeft: number }>()({
    input: z.object({ username, recoveryCode: z.string().min(1).max(100), newPassword: password }).strict(),
    permission: 'public',
  }),
  'auth.signOut': method<{ signedOut: boolean }>()({ input: z.object({}).strict(), permission: 'signedIn' }),
  'auth.changePassword': method<{ changed: boolean }>()({ input: z.object({ currentPassword: password, newPassword: password }).strict(), permission: 'signedIn' }),
  /** New recovery codes, shown once; the old ones stop working. */
  'auth.newRecoveryCodes': method<{ codes: string[] }>()({ input: z.object({ password }).strict(), permission: 'signedIn' }),
  /**
   * Single-user mode to multi-user mode, keeping all data: the local user becomes the first
   * admin, with this username and password. Returns its recovery codes (shown once).
   */
  'auth.enableMultiUser': method<SignedIn & { recoveryCodes: string[] }>()({
    input: z.object({ username, displayName: z.string().trim().min(1).max(200).optional(), password }).strict(),
    permission: 'admin',
  }),

  /**
   * Changes the password policy (admins). Refused with VALIDATION (reason min_over_max) when the
   * minimum length would exceed the maximum; nothing is saved then.
   */
  'auth.setPasswordPolicy': method<PasswordPolicyView>()({ input: passwordPolicyPatch, permission: 'admin' }),

  'users.list': method<User[]>()({ input: z.object({}).strict(), permission: 'manage' }),
  /** A new user with a first password; returns the recovery codes to hand over (shown once). */
  'users.create': method<{ user: User; recoveryCodes: string[] }>()({
    input: userFieldsInput.extend({ username, password }).strict(),
    permission: 'admin',
  }),
  /** Changes a user; `password` sets a new one (and ends their sessions). A suspension applies at their next call. */
  'users.update': method<User>()({ input: z.object({ id: entityId, patch: userPatch, password: password.optional() }).strict(), permission: 'admin' }),

  'workspaces.members': method<WorkspaceMember[]>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'read' }),
  'workspaces.setMember': method<WorkspaceMember[]>()({ input: z.object({ workspaceId: entityId, userId: entityId, member: z.boolean() }).strict(), permission: 'manage' }),

  'audit.query': method<{ rows: AuditEvent[]; total: number }>()({
    input: z.object({ filters: auditFilters.default({}), limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) }).strict(),
    permission: 'admin',
  }),
  'audit.csv': method<{ fileName: string; csv: string }>()({ input: z.object({ filters: auditFilters.default({}) }).strict(), permission: 'admin' }),
};
