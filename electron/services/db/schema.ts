import type { Generated } from 'kysely';
import type {
  ConversationLog,
  Dataset,
  DocumentInfo,
  Evaluation,
  ModelInfo,
  RetrievedSource,
  ToolCall,
  SessionInfo,
  SyncRun,
  Thread,
  User,
  Workspace,
} from '../../../shared/contract/entities.ts';
import type { RecordEventType, RecordOutcome } from '../../../shared/contract/records.ts';
import type { SnakeCase } from './naming.ts';

/**
 * Kysely's view of the SQLite schema built by ./migrations. Booleans are 0/1, timestamps ISO text.
 *
 * A table that stores an entity takes its columns from the entity's schema in shared/contract
 * (camelCase fields become snake_case columns), plus the columns that never leave the main
 * process: adding a field to the entity and a column in a migration is all a new setting needs.
 */
export interface DatabaseSchema {
  users: UsersTable;
  settings: SettingsTable;
  workspaces: WorkspacesTable;
  models: ModelsTable;
  sessions: SessionsTable;
  conversation_logs: ConversationLogsTable;
  evaluations: EvaluationsTable;
  drafts: DraftsTable;
  datasets: DatasetsTable;
  dataset_items: DatasetItemsTable;
  documents: DocumentsTable;
  document_sync_runs: DocumentSyncRunsTable;
  document_records: DocumentRecordsTable;
  document_record_events: DocumentRecordEventsTable;
  conversation_log_sources: ConversationLogSourcesTable;
  pending_exports: PendingExportsTable;
  fine_tune_jobs: FineTuneJobsTable;
  model_versions: ModelVersionsTable;
  model_version_adapters: ModelVersionAdaptersTable;
  ab_comparisons: AbComparisonsTable;
  question_sets: QuestionSetsTable;
  question_set_items: QuestionSetItemsTable;
  batch_runs: BatchRunsTable;
  batch_run_items: BatchRunItemsTable;
  verdict_totals: VerdictTotalsTable;
  auth_config: AuthConfigTable;
  auth_sessions: AuthSessionsTable;
  workspace_members: WorkspaceMembersTable;
  event_logs: EventLogsTable;
  review_queues: ReviewQueuesTable;
  review_assignments: ReviewAssignmentsTable;
  adjudications: AdjudicationsTable;
  pack_imports: PackImportsTable;
  pack_items: PackItemsTable;
  prompt_templates: PromptTemplatesTable;
  prompt_versions: PromptVersionsTable;
  threads: ThreadsTable;
  user_preferences: UserPreferencesTable;
  tool_calls: ToolCallsTable;
  graph_extractions: GraphExtractionsTable;
  graph_entities: GraphEntitiesTable;
  graph_mentions: GraphMentionsTable;
  graph_relations: GraphRelationsTable;
  cache_data: CacheDataTable;
}

/** SQLite has no boolean: true/false are stored as 1/0 (rows.ts converts them back). */
type StoredValue<Value> = Value extends boolean ? 0 | 1 : Value;

/** The columns of an entity's table: its fields in snake_case, booleans as 0/1, the id generated. */
type EntityColumns<Entity> = {
  [Field in keyof Entity & string as SnakeCase<Field>]: Field extends 'id' ? Generated<number> : StoredValue<Entity[Field]>;
};

/** Flattens an intersection so Kysely (and error messages) see one plain object type. */
type Table<Columns> = { [Column in keyof Columns]: Columns[Column] };

/** A user's row: the entity's fields (less `hasPassword`, read from the hash) and the sign-in state. */
export type UsersTable = Table<
  EntityColumns<Omit<User, 'hasPassword' | 'updatedAt'>> & {
    updated_at: string | null;
    /** NFKC, case-folded: two names that differ only so are one name. */
    normalized_username: string;
    password_hash: string | null;
    failed_attempts: number;
    last_failure_at: string | null;
    /** JSON array of recovery-code hashes, null where a code was used. */
    recovery_codes: string;
  }
>;

export interface AuthConfigTable {
  id: number;
  mode: 'single' | 'multi';
  session_hours: number;
  password_policy: string;
}

export interface AuthSessionsTable {
  token_hash: string;
  user_id: number;
  client: 'desktop' | 'web' | 'cli';
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface WorkspaceMembersTable {
  workspace_id: number;
  user_id: number;
  added_at: string;
}

export interface EventLogsTable {
  id: Generated<number>;
  at: string;
  event: string;
  user_id: number | null;
  username: string | null;
  workspace_id: number | null;
  detail: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export type WorkspacesTable = Table<
  EntityColumns<Workspace> & {
    /** Soft delete: logs keep pointing at the workspace they were made in. */
    deleted_at: string | null;
    /** Travels in evaluation packs: a pack is imported only into the workspace it came from. */
    uid: string;
  }
>;

/** `fileExists` is checked on the disk when a model is read, not stored. */
export type ModelsTable = Table<EntityColumns<Omit<ModelInfo, 'fileExists'>>>;

export type SessionsTable = Table<
  EntityColumns<Omit<SessionInfo, 'settingsSnapshot' | 'promptVariables'>> & {
    /** The frozen SessionSettings as JSON. */
    settings_snapshot: string;
    /** The template variable values as JSON. */
    prompt_variables: string;
  }
>;

export type ConversationLogsTable = Table<
  EntityColumns<Omit<ConversationLog, 'sources' | 'toolCalls' | 'timeToFirstTokenMs' | 'task'>> & {
    ttft_ms: number | null;
    /** The ChatTask as JSON. */
    task: string | null;
    /** Question to last token; the "slowest" sort. */
    duration_ms: number;
  }
>;

export type ThreadsTable = Table<EntityColumns<Thread>>;

export type EvaluationsTable = Table<EntityColumns<Evaluation>>;

export interface DraftsTable {
  user_id: number;
  draft_key: string;
  value: string;
  updated_at: string;
}

export type DatasetsTable = Table<
  EntityColumns<Dataset> & {
    seed: number;
    filters: string;
    /** Null until the export is committed; then the manifest.json written beside the data. */
    manifest: string | null;
    created_by: number;
  }
>;

/** One source of a dataset's examples: an evaluation or (migration 021) a blind A/B comparison. */
export interface DatasetItemsTable {
  dataset_id: number;
  evaluation_id: number | null;
  ab_comparison_id: number | null;
  split: 'train' | 'valid' | 'test';
}

export type DocumentsTable = Table<
  EntityColumns<DocumentInfo> & {
    /** Hash of the ingested bytes: an unchanged re-add is skipped, and the stored copy is found by it. */
    content_hash: string | null;
    /** Vector size of the embedder that indexed it: with embedder_id, names its LanceDB table. */
    dimensions: number | null;
    file_mtime_ms: number | null;
  }
>;

export type DocumentSyncRunsTable = Table<EntityColumns<SyncRun>>;

/** A structured record's metadata (migration 026): the record's top-level fields but `content`, as JSON. */
export interface DocumentRecordsTable {
  document_id: number;
  workspace_id: number;
  doc_id: string;
  source_type: string;
  doc_schema: string | null;
  event_type: string;
  /** The record's own updated_at, ISO in UTC; null when it had none. */
  updated_at: string | null;
  metadata: string;
  imported_at: string;
}

/** A sync event applied to a doc_id (migration 026), with the document's visibility at the time. */
export interface DocumentRecordEventsTable {
  id: Generated<number>;
  workspace_id: number;
  doc_id: string;
  document_id: number | null;
  event_type: RecordEventType;
  event_at: string;
  recorded_at: string;
  result: RecordOutcome['result'];
  error_code: string | null;
  user_id: number | null;
  scope: 'shared' | 'private';
  owner_id: number | null;
  min_security_level: number;
}

export type ConversationLogSourcesTable = Table<EntityColumns<RetrievedSource> & { log_id: number }>;

/** A cached value that survives a restart, until it expires (migration 027). */
export interface CacheDataTable {
  namespace: string;
  key: string;
  value: Uint8Array;
  created_at: string;
  expires_at: string;
}

/** A step an answer took, in order (migration 023); `arguments` is the JSON text of the entity's object. */
export type ToolCallsTable = Table<Omit<EntityColumns<ToolCall>, 'arguments'> & { log_id: number; arguments: string }>;

/** A document's last graph-RAG extraction (migration 025, electron/services/graph). */
export interface GraphExtractionsTable {
  document_id: number;
  workspace_id: number;
  outcome: 'extracted' | 'summary_only' | 'failed';
  /** Null exactly when the outcome is failed. */
  summary: string | null;
  reason: string | null;
  parts: number;
  model_id: number | null;
  content_hash: string;
  extracted_at: string;
}

/** A workspace's entity, one per normalized name (migration 025). */
export interface GraphEntitiesTable {
  id: Generated<number>;
  workspace_id: number;
  normalized_name: string;
  name: string;
  type: string;
  description: string;
}

/** A document naming an entity, as its extraction gave it (migration 025). */
export interface GraphMentionsTable {
  entity_id: number;
  document_id: number;
  position: number;
  name: string;
  type: string;
  description: string;
}

/** source → relation → target, as a document's extraction gave it (migration 025). */
export interface GraphRelationsTable {
  id: Generated<number>;
  workspace_id: number;
  document_id: number;
  position: number;
  source_entity_id: number;
  relation: string;
  target_entity_id: number;
}

/** An export being written: its staging folder, and the dataset once committed (migration 003). */
export interface PendingExportsTable {
  id: Generated<number>;
  staging_dir: string;
  out_dir: string;
  dataset_id: number | null;
  /** The process writing it: recovery leaves exports of a live process (a CLI beside the app) alone. */
  owner_pid: number;
  started_at: string;
}

/** Training done outside the app, as recorded when its adapter is registered (migration 008). */
export interface FineTuneJobsTable {
  id: Generated<number>;
  dataset_id: number | null;
  trainer: string;
  provider_job_id: string | null;
  /** JSON object. */
  hyperparameters: string;
  /** JSON object. */
  metrics: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  started_at: string | null;
  finished_at: string | null;
}

export interface ModelVersionsTable {
  id: Generated<number>;
  base_model_id: number;
  parent_version_id: number | null;
  name: string;
  dataset_id: number | null;
  job_id: number | null;
  notes: string;
  base_fingerprint: string;
  trained_at: string | null;
  created_at: string;
}

export interface ModelVersionAdaptersTable {
  version_id: number;
  position: number;
  file_path: string;
  sha256: string;
  scale: number;
  format: 'gguf' | 'peft' | 'mlx';
  source_path: string;
  alpha: number | null;
  /** JSON array of ranks. */
  ranks: string;
  target_count: number;
}

/** A blind comparison of two versions' answers to one question (migration 010). */
export interface AbComparisonsTable {
  id: Generated<number>;
  workspace_id: number;
  model_id: number;
  evaluator_id: number;
  question: string;
  /** The version shown as A (null: the base alone), and as B. */
  version_a: number | null;
  version_b: number | null;
  log_a: number;
  log_b: number;
  choice: 'a' | 'b' | 'tie' | 'both_bad' | null;
  created_at: string;
  decided_at: string | null;
}

/** Questions to replay on a version (migration 012). */
export interface QuestionSetsTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  description: string;
  status: 'active' | 'closed';
  created_by: number;
  created_at: string;
  updated_at: string;
}

export interface QuestionSetItemsTable {
  id: Generated<number>;
  set_id: number;
  position: number;
  question: string;
  expected_answer: string | null;
  /** JSON array of strings. */
  tags: string;
  origin: 'trained' | 'guard' | 'evaluation' | 'typed' | 'imported';
  source_log_id: number | null;
  source_evaluation_id: number | null;
  source_verdict: 1 | 2 | 3 | null;
}

export interface BatchRunsTable {
  id: Generated<number>;
  set_id: number;
  workspace_id: number;
  model_id: number;
  version_id: number | null;
  session_id: number;
  parallelism: number;
  temperature: number;
  seed: number;
  assist: 'none' | 'embedding' | 'judge';
  status: 'pending' | 'running' | 'paused' | 'completed' | 'failed';
  error_code: string | null;
  error_message: string | null;
  total: number;
  created_by: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The model that suggests verdicts when `assist` is 'judge'. */
  judge_model_id: number | null;
}

export interface BatchRunItemsTable {
  run_id: number;
  item_id: number;
  position: number;
  log_id: number | null;
  suggested_verdict: 1 | 2 | 3 | null;
  suggested_reason: string | null;
  suggestion_score: number | null;
  /** When the assistant looked at the answer (also when it could not suggest anything). */
  suggested_at: string | null;
}

/** Verdict counts kept by triggers on `evaluations` (migrations 015 and 020), read by score cards. */
export interface VerdictTotalsTable {
  workspace_id: number;
  model_id: number;
  /** 0: the base alone. */
  version_key: number;
  day: string;
  /** 0: no priority. */
  priority_key: number;
  /** The session's category (migration 020). */
  category: string;
  judged: number;
  good: number;
  insufficient: number;
  wrong: number;
}

export interface ReviewQueuesTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  evaluators_per_item: number;
  created_by: number;
  created_at: string;
}

export interface ReviewAssignmentsTable {
  queue_id: number;
  log_id: number;
  evaluator_id: number;
  position: number;
}

export interface AdjudicationsTable {
  log_id: number;
  evaluation: 1 | 2 | 3;
  reason: string | null;
  correct_answer: string | null;
  priority: 1 | 2 | 3 | null;
  adjudicator_id: number;
  decided_at: string;
}

export interface PackImportsTable {
  pack_id: string;
  kind: 'assignment' | 'result';
  workspace_id: number;
  imported_at: string;
  detail: string;
}

export interface PackItemsTable {
  pack_id: string;
  item_log_id: number;
  local_log_id: number;
}

export interface PromptTemplatesTable {
  id: Generated<number>;
  workspace_id: number;
  category: 'qa' | 'doc_gen' | 'summary';
  /** `system`: a session's system prompt; `document`: a document a doc_gen answer fills in. */
  kind: 'system' | 'document';
  name: string;
  body: string;
  variables: string;
  is_default: number;
  created_by: number;
  created_at: string;
  updated_at: string;
}

export interface PromptVersionsTable {
  id: Generated<number>;
  workspace_id: number;
  version: number;
  template_id: number | null;
  body: string;
  variables: string;
  changed_by: number | null;
  changed_at: string;
}

export interface UserPreferencesTable {
  user_id: number;
  preferred_model_id: number | null;
  temperature: number | null;
  max_tokens: number | null;
  use_documents: number;
  language: 'en' | 'ko' | 'ja' | null;
  updated_at: string;
}
