import type BetterSqlite3 from 'better-sqlite3';

/**
 * The read-only views the admin SQL route may query (issue 15, seed 002), and their description
 * for the model's prompt. One definition serves both: the view is created with the documented
 * column names, so the prompt can never describe a column the view does not have.
 *
 * The views are TEMP views of the route's own read-only connection, not a migration: a view
 * stored in the database file makes SQLite check it on every later `ALTER TABLE … RENAME`, and
 * the table rebuilds migrations do (create, copy, drop, rename) then fail with "error in view
 * v_answers: no such table". Kept here, they change with the code and never block a migration;
 * a renamed column fails the route's start (a test opens them on the current schema).
 *
 * What they leave out: password hashes, recovery codes and sign-in state; sessions' system prompts
 * and template variables; the passages quoted from documents (their security levels are not
 * checked here); evaluators' private memos and corrected answers; model file paths.
 *
 * Scope: every row of every workspace. The route is for admins only (see mayUseSqlRoute), and an
 * admin sees all workspaces; a non-admin question never reaches it.
 */

export interface ViewColumn {
  name: string;
  type: 'INTEGER' | 'REAL' | 'TEXT';
  /** One line, for the model. */
  meaning: string;
}

export interface RouteView {
  name: string;
  meaning: string;
  columns: ViewColumn[];
  /** The SELECT behind it; base tables are named with `main.` since the view itself is TEMP. */
  select: string;
}

const column = (name: string, type: ViewColumn['type'], meaning: string): ViewColumn => ({ name, type, meaning });

export const routeViews: readonly RouteView[] = [
  {
    name: 'v_workspaces',
    meaning: 'Workspaces (one evaluation project each).',
    columns: [
      column('id', 'INTEGER', 'workspace id'),
      column('name', 'TEXT', 'workspace name'),
      column('category', 'TEXT', "'qa', 'doc_gen' or 'summary'"),
      column('business_domain', 'TEXT', 'free-text business domain'),
      column('created_at', 'TEXT', 'creation time'),
      column('deleted_at', 'TEXT', 'deletion time; NULL while the workspace exists'),
    ],
    select: 'SELECT w.id, w.name, w.category, w.business_domain, w.created_at, w.deleted_at FROM main.workspaces w',
  },
  {
    name: 'v_users',
    meaning: 'People who use the app (evaluators, admins).',
    columns: [
      column('id', 'INTEGER', 'user id'),
      column('username', 'TEXT', 'sign-in name'),
      column('display_name', 'TEXT', 'name shown in the app'),
      column('role', 'TEXT', "'admin', 'manager', 'evaluator' or 'viewer'"),
      column('suspended', 'INTEGER', '1 when the account is suspended, else 0'),
      column('created_at', 'TEXT', 'creation time'),
    ],
    select: 'SELECT u.id, u.username, u.display_name, u.role, u.suspended, u.created_at FROM main.users u',
  },
  {
    name: 'v_models',
    meaning: 'Registered GGUF models.',
    columns: [
      column('id', 'INTEGER', 'model id'),
      column('name', 'TEXT', 'display name'),
      column('architecture', 'TEXT', "e.g. 'llama', 'qwen2'"),
      column('parameter_count', 'INTEGER', 'number of parameters, when known'),
      column('quantization', 'TEXT', "e.g. 'Q4_K_M', when known"),
      column('kind', 'TEXT', "'base', 'lora' or 'full'"),
      column('base_model_id', 'INTEGER', 'the model it was derived from, or NULL'),
      column('file_size', 'INTEGER', 'file size in bytes'),
      column('registered_at', 'TEXT', 'when it was added to the app'),
      column('removed_at', 'TEXT', 'when it was removed; NULL while registered'),
    ],
    select:
      'SELECT m.id, m.display_name, m.architecture, m.parameter_count, m.quantization, m.kind, m.base_model_id, m.file_size, m.registered_at, m.removed_at FROM main.models m',
  },
  {
    name: 'v_model_versions',
    meaning: 'Fine-tuned versions (LoRA adapters) of a base model.',
    columns: [
      column('id', 'INTEGER', 'version id'),
      column('base_model_id', 'INTEGER', 'the base model (v_models.id)'),
      column('base_model_name', 'TEXT', "the base model's name"),
      column('parent_version_id', 'INTEGER', 'the version it was trained from, or NULL'),
      column('name', 'TEXT', "version name, e.g. 'v2'"),
      column('dataset_id', 'INTEGER', 'the training dataset, or NULL'),
      column('trained_at', 'TEXT', 'training time, when known'),
      column('created_at', 'TEXT', 'when it was registered'),
    ],
    select:
      'SELECT v.id, v.base_model_id, m.display_name, v.parent_version_id, v.name, v.dataset_id, v.trained_at, v.created_at FROM main.model_versions v LEFT JOIN main.models m ON m.id = v.base_model_id',
  },
  {
    name: 'v_sessions',
    meaning: 'Chat sessions: one model (and version) answering in one workspace.',
    columns: [
      column('id', 'INTEGER', 'session id'),
      column('workspace_id', 'INTEGER', 'v_workspaces.id'),
      column('model_id', 'INTEGER', 'v_models.id'),
      column('version_id', 'INTEGER', 'v_model_versions.id; NULL for the base model alone'),
      column('user_id', 'INTEGER', 'who chatted (v_users.id)'),
      column('category', 'TEXT', "'qa', 'doc_gen' or 'summary'; NULL for older sessions"),
      column('temperature', 'REAL', 'sampling temperature used'),
      column('started_at', 'TEXT', 'start time'),
      column('ended_at', 'TEXT', 'end time; NULL while open'),
    ],
    select:
      "SELECT s.id, s.workspace_id, s.model_id, s.version_id, s.user_id, s.category, json_extract(s.settings_snapshot, '$.temperature'), s.started_at, s.ended_at FROM main.sessions s",
  },
  {
    name: 'v_answers',
    meaning: 'Every question asked and the answer the model gave (the conversation log).',
    columns: [
      column('id', 'INTEGER', 'answer (log) id'),
      column('session_id', 'INTEGER', 'v_sessions.id'),
      column('workspace_id', 'INTEGER', 'v_workspaces.id'),
      column('workspace_name', 'TEXT', "the workspace's name"),
      column('model_id', 'INTEGER', 'v_models.id'),
      column('model_name', 'TEXT', "the model's name"),
      column('version_id', 'INTEGER', 'v_model_versions.id; NULL for the base model alone'),
      column('version_name', 'TEXT', "the version's name; NULL for the base model alone"),
      column('user_id', 'INTEGER', 'who asked (v_users.id)'),
      column('user_name', 'TEXT', "the asker's display name"),
      column('asked_at', 'TEXT', 'when the question was asked'),
      column('asked_day', 'TEXT', "the day asked, 'YYYY-MM-DD' (UTC)"),
      column('completed_at', 'TEXT', 'when the answer ended'),
      column('prompt_tokens', 'INTEGER', 'tokens in the prompt'),
      column('completion_tokens', 'INTEGER', 'tokens in the answer'),
      column('ttft_ms', 'REAL', 'time to first token, milliseconds'),
      column('tokens_per_second', 'REAL', 'generation speed'),
      column('duration_ms', 'REAL', 'question to last token, milliseconds'),
      column('stop_reason', 'TEXT', "'finished', 'max_tokens', 'stopped', 'error', 'interrupted' or 'answering'"),
      column('retrieval_outcome', 'TEXT', "'found', 'below_threshold', or NULL when no documents were searched"),
      column('question', 'TEXT', 'the question'),
      column('answer', 'TEXT', "the model's answer"),
    ],
    select: [
      'SELECT l.id, l.session_id, l.workspace_id, w.name, l.model_id, m.display_name, s.version_id, v.name, l.user_id, u.display_name,',
      'l.asked_at, substr(l.asked_at, 1, 10), l.completed_at, l.prompt_tokens, l.completion_tokens, l.ttft_ms, l.tokens_per_second, l.duration_ms,',
      'l.stop_reason, l.retrieval_outcome, l.question, l.answer',
      'FROM main.conversation_logs l',
      'LEFT JOIN main.sessions s ON s.id = l.session_id',
      'LEFT JOIN main.model_versions v ON v.id = s.version_id',
      'LEFT JOIN main.workspaces w ON w.id = l.workspace_id',
      'LEFT JOIN main.models m ON m.id = l.model_id',
      'LEFT JOIN main.users u ON u.id = l.user_id',
    ].join(' '),
  },
  {
    name: 'v_evaluations',
    meaning: "Evaluators' verdicts on answers (one row per answer and evaluator).",
    columns: [
      column('id', 'INTEGER', 'evaluation id'),
      column('log_id', 'INTEGER', 'the judged answer (v_answers.id)'),
      column('workspace_id', 'INTEGER', "the answer's workspace"),
      column('model_id', 'INTEGER', "the answer's model"),
      column('version_id', 'INTEGER', "the answer's model version; NULL for the base model alone"),
      column('evaluator_id', 'INTEGER', 'who judged (v_users.id)'),
      column('evaluator_name', 'TEXT', "the evaluator's display name"),
      column('verdict', 'INTEGER', '1 good, 2 insufficient, 3 wrong'),
      column('priority', 'INTEGER', 'fix priority 1, 2 or 3 (1 most urgent); NULL for verdict 1'),
      column('status', 'INTEGER', '1 untreated, 2 trained into a version, 3 verified fixed'),
      column('reason', 'TEXT', "the evaluator's short reason; NULL for verdict 1"),
      column('has_correction', 'INTEGER', '1 when a corrected answer was written, else 0'),
      column('trained_version_id', 'INTEGER', 'the version the correction was trained into, or NULL'),
      column('verified_version_id', 'INTEGER', 'the version verified to answer well, or NULL'),
      column('created_at', 'TEXT', 'when the verdict was first given'),
      column('created_day', 'TEXT', "that day, 'YYYY-MM-DD' (UTC)"),
      column('updated_at', 'TEXT', 'when it was last changed'),
    ],
    select: [
      'SELECT e.id, e.log_id, l.workspace_id, l.model_id, s.version_id, e.evaluator_id, u.display_name, e.evaluation, e.priority, e.status, e.reason,',
      'e.correct_answer IS NOT NULL, e.trained_version_id, e.verified_version_id, e.created_at, substr(e.created_at, 1, 10), e.updated_at',
      'FROM main.evaluations e',
      'JOIN main.conversation_logs l ON l.id = e.log_id',
      'LEFT JOIN main.sessions s ON s.id = l.session_id',
      'LEFT JOIN main.users u ON u.id = e.evaluator_id',
    ].join(' '),
  },
];

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The statement creating `view` as a TEMP view, with its documented column names. */
export function createViewStatement(view: RouteView): string {
  return `CREATE TEMP VIEW ${quote(view.name)} (${view.columns.map((c) => quote(c.name)).join(', ')}) AS ${view.select}`;
}

/** Creates every route view on `connection` (before it is made query-only). */
export function createRouteViews(connection: BetterSqlite3.Database): void {
  for (const view of routeViews) connection.exec(createViewStatement(view));
}

/**
 * The views as the model sees them: CREATE VIEW-like column lists, one line of meaning per column.
 * Dates are ISO-8601 UTC text, so SQLite's date functions apply to them directly.
 */
export function viewSchemaForPrompt(): string {
  const blocks = routeViews.map((view) => {
    const width = Math.max(...view.columns.map((c) => `${c.name} ${c.type}`.length)) + 1;
    const lines = view.columns.map((c, index) => `  ${`${c.name} ${c.type}${index < view.columns.length - 1 ? ',' : ''}`.padEnd(width)} -- ${c.meaning}`);
    return `-- ${view.meaning}\nCREATE VIEW ${view.name} (\n${lines.join('\n')}\n);`;
  });
  return [
    '-- Read-only views of EvalDesk data (SQLite). Times are ISO-8601 UTC text such as',
    "-- '2026-02-27T15:10:00.000Z': compare them with date('now', '-7 days') or strftime().",
    ...blocks,
  ].join('\n');
}
