import { z } from 'zod';
import { entityId, timestamp } from './fields.ts';

export const userRoles = ['admin', 'manager', 'evaluator', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

/** Seed 000's security levels: a document may require one; 1 is the lowest. */
export const securityLevels = [1, 2, 3] as const;

/**
 * A person who uses EvalDesk (seed 000's `users`). The password hash, the failed-attempt counters
 * and the recovery-code hashes live in the same row but are never part of this entity: nothing
 * that leaves the main process can carry them.
 */
export const userSchema = z.object({
  id: entityId,
  username: z.string(),
  displayName: z.string(),
  role: z.enum(userRoles),
  department: z.string(),
  position: z.string(),
  securityLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  suspended: z.boolean(),
  /** Sign-in is refused after this moment; null: never expires. */
  expiresAt: timestamp.nullable(),
  /** Questions per rolling 24 hours; null: no limit. Admins are never limited. */
  dailyMessageLimit: z.number().int().nullable(),
  bio: z.string(),
  /** A small image as a data: URL, or null. */
  avatar: z.string().nullable(),
  /** Whether the user can sign in with a password (false for the single-user mode's local user). */
  hasPassword: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
  lastSignInAt: timestamp.nullable(),
});
export type User = z.output<typeof userSchema>;

/** What an admin sets on a user; the username is normalized (NFKC, case-folded) for uniqueness. */
export const userFieldsInput = z.object({
  displayName: z.string().trim().min(1).max(200),
  role: z.enum(userRoles),
  department: z.string().max(200).default(''),
  position: z.string().max(200).default(''),
  securityLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(1),
  suspended: z.boolean().default(false),
  expiresAt: z.iso.datetime({ offset: true }).nullable().default(null),
  dailyMessageLimit: z.number().int().min(1).max(1_000_000).nullable().default(null),
  bio: z.string().max(5_000).default(''),
  avatar: z
    .string()
    .max(200_000)
    .regex(/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/, 'an avatar is a PNG, JPEG or WebP data: URL')
    .nullable()
    .default(null),
});
