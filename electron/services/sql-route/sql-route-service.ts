import type { SessionInfo, UserRole } from '../../../shared/contract/entities.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { createLlamaJsonGenerator } from '../runtime/json-generator.ts';
import type { LlamaRuntime } from '../runtime/llama-runtime.ts';
import type { Cell } from './connection.ts';
import type { SqlExecutor } from './executor.ts';
import { answerWithSql, mayUseSqlRoute, type JsonGenerator, type SqlRouteResult } from './route.ts';

/** Context the route and query prompts get: enough for the views' description and a question. */
const routeContextSize = 4096;

/**
 * The admin SQL route as the chat uses it (issue 15, seed 002): for an admin's question in a
 * workspace that turned it on, the loaded model chooses SQL or documents and writes one query
 * (under JSON-schema grammars, on a context of its own beside the chat's), which the executor
 * checks and runs read-only. Null: the route does not apply (not an admin, the option off, the
 * session's model not loaded), and the question goes to documents as always.
 */
export function createSqlRouteService(deps: {
  executor: Pick<SqlExecutor, 'run'>;
  runtime: Pick<LlamaRuntime, 'withModel' | 'loadedModelId'>;
  models: Pick<ModelRegistry, 'loadRequest'>;
  roleOf: (userId: number) => Promise<UserRole>;
  /** Replaces the model's answers with fixed ones: tests of the route and its safety at this boundary. */
  generator?: JsonGenerator;
}) {
  return {
    async answer(request: { question: string; userId: number; session: SessionInfo; signal: AbortSignal }): Promise<SqlRouteResult | null> {
      const { session } = request;
      if (!mayUseSqlRoute({ role: await deps.roleOf(request.userId) }, session.settingsSnapshot.sqlRoute)) return null;
      if (deps.generator) return answerWithSql(request.question, { generate: deps.generator, executor: deps.executor });
      // The chat answers with the loaded model only; a session of another model fails there as always.
      if (deps.runtime.loadedModelId() !== session.modelId) return null;
      const model = await deps.models.loadRequest(session.modelId);
      return deps.runtime.withModel({ ...model, signal: request.signal }, routeContextSize, (side, signal) =>
        answerWithSql(request.question, { generate: createLlamaJsonGenerator(side, { signal, seed: session.settingsSnapshot.seed ?? 0 }), executor: deps.executor }),
      );
    },
  };
}

export type SqlRouteService = ReturnType<typeof createSqlRouteService>;

/** A cell as text in a table row: null as empty, one line, its pipes escaped. */
function cellText(cell: Cell): string {
  return cell === null ? '' : String(cell).replace(/\r?\n/g, ' ').replaceAll('|', '\\|');
}

/**
 * The rows as the answer's text: a Markdown table, which exports, evaluation and the log browser
 * keep and show as it is (the chat draws a real table from the step's record beside it).
 */
export function tableAsText(columns: readonly string[], rows: readonly Cell[][]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(columns.map((c) => cellText(c))), line(columns.map(() => '---')), ...rows.map((row) => line(row.map(cellText)))].join('\n');
}
