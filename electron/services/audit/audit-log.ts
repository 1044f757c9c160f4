import type { AuditEvent, AuditEventName } from '../../../shared/contract/people.ts';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import { nowIso, type Db } from '../db/database.ts';
import { toCsvText } from '../export/csv.ts';

type Filters = ParsedInput<'audit.query'>['filters'];

/** Detail keys that must never be written, whoever passes them. */
const secretKeys = /pass(word)?|token|secret|recovery|hash/i;

function scrub(detail: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(detail).map(([key, value]) => [key, secretKeys.test(key) ? '[withheld]' : value && typeof value === 'object' && !Array.isArray(value) ? scrub(value as Record<string, unknown>) : value]));
}

/** A day filter means the whole day: `to` 2026-12-04 includes everything on the 4th. */
const endOf = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : new Date(value).toISOString());
const startOf = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : new Date(value).toISOString());

/**
 * Seed 000's event_logs (issue 14): who did what, when, with a JSON detail (before/after for
 * changes). Append-only: the API has no way to change or remove an event, and triggers refuse it
 * in SQL too. Passwords, tokens and recovery codes never reach it.
 */
export function createAuditLog(db: Db) {
  function filtered(filters: Filters) {
    let query = db.selectFrom('event_logs');
    if (filters.events?.length) query = query.where('event', 'in', filters.events);
    if (filters.userId !== undefined) query = query.where('user_id', '=', filters.userId);
    if (filters.workspaceId !== undefined) query = query.where('workspace_id', '=', filters.workspaceId);
    if (filters.from) query = query.where('at', '>=', startOf(filters.from));
    if (filters.to) query = query.where('at', '<=', endOf(filters.to));
    return query;
  }

  const toEvent = (row: { id: number; at: string; event: string; user_id: number | null; username: string | null; workspace_id: number | null; detail: string }): AuditEvent => ({
    id: row.id,
    at: row.at,
    event: row.event as AuditEventName,
    userId: row.user_id,
    username: row.username,
    workspaceId: row.workspace_id,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  });

  return {
    async record(event: AuditEventName, entry: { userId: number | null; username?: string | null; workspaceId?: number | null; detail?: Record<string, unknown> }): Promise<void> {
      await db
        .insertInto('event_logs')
        .values({ at: nowIso(), event, user_id: entry.userId, username: entry.username ?? null, workspace_id: entry.workspaceId ?? null, detail: JSON.stringify(scrub(entry.detail ?? {})) })
        .execute();
    },

    async query(input: ParsedInput<'audit.query'>): Promise<{ rows: AuditEvent[]; total: number }> {
      const rows = await filtered(input.filters).selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(input.limit).offset(input.offset).execute();
      const total = await filtered(input.filters).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return { rows: rows.map(toEvent), total: Number(total.n) };
    },

    async csv(filters: Filters): Promise<{ fileName: string; csv: string }> {
      const rows = (await filtered(filters).selectAll().orderBy('at').orderBy('id').execute()).map(toEvent);
      return {
        fileName: `evaldesk-audit-${nowIso().slice(0, 10)}.csv`,
        csv: toCsvText([['id', 'at', 'event', 'user_id', 'username', 'workspace_id', 'detail'], ...rows.map((row) => [row.id, row.at, row.event, row.userId, row.username, row.workspaceId, row.detail])]),
      };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
