import { z } from 'zod';
import { entityId, timestamp } from './fields.ts';

export const userRoles = ['admin', 'manager', 'evaluator', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

export const userSchema = z.object({
  id: entityId,
  username: z.string(),
  displayName: z.string(),
  role: z.enum(userRoles),
  createdAt: timestamp,
});
export type User = z.output<typeof userSchema>;
