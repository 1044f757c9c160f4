import type { Transaction } from 'kysely';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { toolCallSchema, type ToolCall, type ToolName } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { Db } from '../db/database.ts';
import type { DatabaseSchema } from '../db/schema.ts';
import { fromRow, toColumns } from '../db/rows.ts';

/** A step recorded before its position in the answer is known. */
export type ToolCallRecord = Omit<ToolCall, 'position'>;

/**
 * Runs the steps of one answer as recorded tool calls (issue 15, seed 003): each with its
 * arguments, a short result, success or its error code, and its time, in the order they ran.
 * A failing step is recorded and its error passed on, so the caller decides whether to fall back.
 */
export function createToolCallRecorder() {
  const calls: ToolCallRecord[] = [];
  return {
    calls,
    async run<T>(toolName: ToolName, args: Record<string, unknown>, work: () => Promise<T>, summarize: (result: T) => Record<string, unknown>): Promise<T> {
      const started = performance.now();
      try {
        const result = await work();
        calls.push({ toolName, arguments: args, resultSummary: JSON.stringify(summarize(result)), success: true, errorCode: null, errorMessage: null, executionTimeMs: performance.now() - started });
        return result;
      } catch (error) {
        const code = error instanceof ApiError ? error.code : 'INTERNAL';
        calls.push({ toolName, arguments: args, resultSummary: '', success: false, errorCode: code, errorMessage: error instanceof Error ? error.message : String(error), executionTimeMs: performance.now() - started });
        throw error;
      }
    },
    /** A step whose outcome is known without running anything here (a check that refused, a fallback taken). */
    record(call: ToolCallRecord): void {
      calls.push(call);
    },
  };
}

export type ToolCallRecorder = ReturnType<typeof createToolCallRecorder>;

/** Stores an answer's steps with its log, in the transaction that completes the log. */
export async function saveToolCalls(trx: Transaction<DatabaseSchema>, logId: number, calls: readonly ToolCallRecord[]): Promise<void> {
  if (calls.length === 0) return;
  await trx
    .insertInto('tool_calls')
    .values(calls.map((call, position) => ({ ...toColumns('tool_calls', { ...call, position, arguments: JSON.stringify(call.arguments) }), log_id: logId })))
    .execute();
}

/** The steps of several answers, grouped by log id, each in order. */
export async function toolCallsByLog(db: Db, logIds: readonly number[]): Promise<Map<number, ToolCall[]>> {
  const grouped = new Map<number, ToolCall[]>();
  if (logIds.length === 0) return grouped;
  const rows = await db.selectFrom('tool_calls').selectAll().where('log_id', 'in', logIds).orderBy('log_id').orderBy('position').execute();
  for (const row of rows) {
    const list = grouped.get(row.log_id) ?? [];
    list.push(pickFields(toolCallSchema, { ...fromRow('tool_calls', row), arguments: JSON.parse(row.arguments) as Record<string, unknown> }));
    grouped.set(row.log_id, list);
  }
  return grouped;
}

/** The records as they read back once stored: each with its position. */
export const positioned = (calls: readonly ToolCallRecord[]): ToolCall[] => calls.map((call, position) => ({ ...call, position }));
