import type { GbnfJsonSchema } from 'node-llama-cpp';
import type { JsonGenerator } from '../runtime/json-generator.ts';
import type { UserRole } from '../../../shared/contract/entities.ts';
import type { CheckReason } from './check.ts';
import type { Cell } from './connection.ts';
import type { ExecuteFailure, SqlExecutor } from './executor.ts';
import { routeViews, viewSchemaForPrompt } from './views.ts';

/**
 * The admin SQL route's decisions (issue 15, seed 002): the model chooses `sql` or `rag` for a
 * question, writes one query over the documented views, and the executor checks and runs it.
 * Anything that goes wrong falls back to RAG with a coded stage and reason; every step's time
 * lands in a trace for the log.
 *
 * The model is injected as a JsonGenerator, so the route and safety logic are tested with fixed
 * strings and run in the app on node-llama-cpp under a JSON-schema grammar (runtime/json-generator.ts).
 */

/** Asks the model `prompt`, its answer constrained to `schema`; resolves with the raw text (shared with graph extraction). */
export type { JsonGenerator };

const routeReasonMaxLength = 160;
const sqlMaxLength = 2000;
/** A longer question is cut for the prompts (the chat keeps it whole). */
const questionMaxChars = 2000;

export const routeOutputSchema = {
  type: 'object',
  properties: {
    route: { enum: ['sql', 'rag'] },
    reason: { type: 'string', maxLength: routeReasonMaxLength },
  },
  required: ['route', 'reason'],
} as const satisfies GbnfJsonSchema;

export const sqlOutputSchema = {
  type: 'object',
  properties: { sql: { type: 'string', maxLength: sqlMaxLength } },
  required: ['sql'],
} as const satisfies GbnfJsonSchema;

/** Only admins may have questions routed to SQL, and only where the workspace turned it on; everyone else always gets RAG. */
export function mayUseSqlRoute(user: { role: UserRole }, workspaceEnabled: boolean): boolean {
  return workspaceEnabled && user.role === 'admin';
}

const clipQuestion = (question: string) => [...question.trim()].slice(0, questionMaxChars).join('');

export function routePrompt(question: string): string {
  return [
    'Decide how to answer the question below.',
    `"sql": it asks about EvalDesk's own records, which a database query can answer: workspaces, models, model versions, chat sessions, the answers models gave and the evaluators' verdicts on them (counts, rates, averages, lists, dates, who judged what). Those records are in the views ${routeViews.map((view) => view.name).join(', ')}.`,
    '"rag": anything else, such as a question about the content of documents or general knowledge.',
    'Reply with JSON: {"route": "sql" or "rag", "reason": one short sentence}.',
    '',
    `Question: ${clipQuestion(question)}`,
  ].join('\n');
}

export function sqlPrompt(question: string, schema: string = viewSchemaForPrompt()): string {
  return [
    'Write one SQLite query that answers the question, over these read-only views only:',
    '',
    schema,
    '',
    'Rules: a single SELECT (WITH allowed) statement; only the views above; no comments.',
    'Aggregate or add a LIMIT: at most a few hundred rows are shown.',
    'Reply with JSON: {"sql": "the query"}.',
    '',
    `Question: ${clipQuestion(question)}`,
  ].join('\n');
}

/**
 * Why the model's answer could not be used: generator_failed when the call itself failed (the
 * model unloaded, the runtime stopped), unusable_output when the text is not the JSON asked for
 * (cut off by the token limit, a wrong field).
 */
export type GenerationFailure = 'generator_failed' | 'unusable_output';

export type RouteDecision = { route: 'sql' | 'rag'; reason: string; failure: null } | { route: 'rag'; reason: null; failure: GenerationFailure };

async function generateJson(generate: JsonGenerator, prompt: string, schema: GbnfJsonSchema): Promise<{ value: Record<string, unknown> } | { failure: GenerationFailure }> {
  let text: string;
  try {
    text = await generate(prompt, schema);
  } catch {
    return { failure: 'generator_failed' };
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { value: value as Record<string, unknown> };
  } catch {
    // Falls through: not JSON.
  }
  return { failure: 'unusable_output' };
}

/** The model's choice between the SQL route and RAG; anything unusable means RAG. */
export async function decideRoute(question: string, generate: JsonGenerator): Promise<RouteDecision> {
  const output = await generateJson(generate, routePrompt(question), routeOutputSchema);
  if ('failure' in output) return { route: 'rag', reason: null, failure: output.failure };
  const { route, reason } = output.value;
  if ((route !== 'sql' && route !== 'rag') || typeof reason !== 'string') return { route: 'rag', reason: null, failure: 'unusable_output' };
  return { route, reason: [...reason.trim()].slice(0, routeReasonMaxLength).join(''), failure: null };
}

export type SqlDraft = { ok: true; sql: string } | { ok: false; failure: GenerationFailure };

/** The model's query for `question`; whether it is safe is the executor's check to say. */
export async function writeSql(question: string, generate: JsonGenerator, schema?: string): Promise<SqlDraft> {
  const output = await generateJson(generate, sqlPrompt(question, schema), sqlOutputSchema);
  if ('failure' in output) return { ok: false, failure: output.failure };
  const { sql } = output.value;
  return typeof sql === 'string' ? { ok: true, sql } : { ok: false, failure: 'unusable_output' };
}

export type FallbackStage = 'route' | 'write' | 'check' | 'execute';
/** model_chose_rag: the model routed the question to RAG; empty_result: the query ran and found no row. */
export type FallbackReason = 'empty_question' | 'model_chose_rag' | GenerationFailure | CheckReason | ExecuteFailure | 'empty_result';

export interface SqlRouteStep {
  step: FallbackStage;
  ok: boolean;
  /** The failure's code; null when the step succeeded. */
  code: FallbackReason | null;
  ms: number;
}

/** What the log keeps of a routed question: JSON-serializable. */
export interface SqlRouteTrace {
  route: 'sql' | 'rag' | null;
  routeReason: string | null;
  /** The query as the model wrote it (null when none was written). */
  sql: string | null;
  steps: SqlRouteStep[];
  outcome: 'answered' | 'fallback';
  stage: FallbackStage | null;
  reason: FallbackReason | null;
  rowCount: number | null;
  truncated: boolean | null;
  /** SQLite's error code when the query failed while running. */
  sqliteCode: string | null;
  totalMs: number;
}

export type SqlRouteResult =
  | { outcome: 'answered'; sql: string; columns: string[]; rows: Cell[][]; truncated: boolean; trace: SqlRouteTrace }
  | { outcome: 'fallback'; stage: FallbackStage; reason: FallbackReason; trace: SqlRouteTrace };

export interface SqlRouteDeps {
  generate: JsonGenerator;
  executor: Pick<SqlExecutor, 'run'>;
  /** Skips the route decision (the caller already chose SQL, e.g. an explicit "ask the data" action). */
  skipRouteDecision?: boolean;
}

/**
 * Route → query → check → run. Answers with the rows, or falls back (to RAG, the caller's part)
 * with the stage and a coded reason. Call it only where mayUseSqlRoute allows.
 */
export async function answerWithSql(question: string, deps: SqlRouteDeps): Promise<SqlRouteResult> {
  const started = performance.now();
  const trace: SqlRouteTrace = { route: null, routeReason: null, sql: null, steps: [], outcome: 'fallback', stage: null, reason: null, rowCount: null, truncated: null, sqliteCode: null, totalMs: 0 };
  const finish = (result: SqlRouteResult): SqlRouteResult => {
    trace.totalMs = performance.now() - started;
    return result;
  };
  const fallback = (stage: FallbackStage, reason: FallbackReason): SqlRouteResult => {
    Object.assign(trace, { outcome: 'fallback', stage, reason });
    return finish({ outcome: 'fallback', stage, reason, trace });
  };
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const at = performance.now();
    const value = await work();
    return [value, performance.now() - at];
  };

  if (!question.trim()) return fallback('route', 'empty_question');

  if (!deps.skipRouteDecision) {
    const [decision, ms] = await timed(() => decideRoute(question, deps.generate));
    trace.route = decision.route;
    trace.routeReason = decision.reason;
    const code = decision.failure ?? (decision.route === 'rag' ? 'model_chose_rag' : null);
    trace.steps.push({ step: 'route', ok: code === null, code, ms });
    if (code) return fallback('route', code);
  } else {
    trace.route = 'sql';
  }

  const [draft, writeMs] = await timed(() => writeSql(question, deps.generate));
  trace.steps.push({ step: 'write', ok: draft.ok, code: draft.ok ? null : draft.failure, ms: writeMs });
  if (!draft.ok) return fallback('write', draft.failure);
  trace.sql = draft.sql;

  const result = await deps.executor.run(draft.sql);
  if (!result.ok && result.stage === 'check') {
    trace.steps.push({ step: 'check', ok: false, code: result.reason, ms: result.checkMs });
    return fallback('check', result.reason);
  }
  // The worker reports its check time when the check passed and the query ran; a killed, dead or
  // unavailable process reports nothing, and the check step is then left out of the trace.
  if (result.checkMs !== null) trace.steps.push({ step: 'check', ok: true, code: null, ms: result.checkMs });
  if (!result.ok) {
    trace.sqliteCode = result.sqliteCode;
    trace.steps.push({ step: 'execute', ok: false, code: result.reason, ms: result.executeMs });
    return fallback('execute', result.reason);
  }
  trace.rowCount = result.rows.length;
  trace.truncated = result.truncated;
  if (result.rows.length === 0) {
    trace.steps.push({ step: 'execute', ok: false, code: 'empty_result', ms: result.executeMs });
    return fallback('execute', 'empty_result');
  }
  trace.steps.push({ step: 'execute', ok: true, code: null, ms: result.executeMs });
  trace.outcome = 'answered';
  return finish({ outcome: 'answered', sql: result.sql, columns: result.columns, rows: result.rows, truncated: result.truncated, trace });
}
