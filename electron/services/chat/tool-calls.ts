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

/** An answer's steps, in order. */
export async function toolCallsOf(db: Db, logId: number): Promise<ToolCall[]> {
  const rows = await db.selectFrom('tool_calls').selectAll().where('log_id', '=', logId).orderBy('position').execute();
  return rows.map(({ log_id: _logId, ...row }) => {
    const record = fromRow('tool_calls', { ...row, log_id: logId });
    return pickFields(toolCallSchema, { ...record, arguments: JSON.parse(row.arguments) as Record<string, unknown> });
  });
}
