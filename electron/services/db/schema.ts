import type { Generated } from 'kysely';
import type { StopReason } from '../../../shared/contract/entities.ts';

/** Kysely's view of the SQLite schema built by ./migrations. Booleans are 0/1, timestamps ISO text. */
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
  conversation_log_sources: ConversationLogSourcesTable;
  pending_exports: PendingExportsTable;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  role: 'admin' | 'manager' | 'evaluator' | 'viewer';
  created_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface WorkspacesTable {
  id: Generated<number>;
  name: string;
  business_domain: string;
  category: 'qa' | 'doc_gen' | 'summary';
  system_prompt: string;
  temperature: number;
  max_tokens: number;
  context_size: number;
  history_turns: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  top_n: Generated<number>;
  similarity_threshold: Generated<number>;
  chat_mode: Generated<'chat' | 'query'>;
  refusal_response: Generated<string>;
  chunk_size: Generated<number>;
  chunk_overlap: Generated<number>;
  embedder_id: string | null;
  hybrid_search: Generated<0 | 1>;
}

export interface ModelsTable {
  id: Generated<number>;
  display_name: string;
  file_path: string;
  file_size: number;
  fingerprint: string;
  architecture: string;
  parameter_count: number | null;
  quantization: string | null;
  training_context_length: number | null;
  has_chat_template: 0 | 1;
  kind: 'base' | 'lora' | 'full';
  version: string;
  base_model_id: number | null;
  description: string;
  created_at: string;
  trained_at: string | null;
  registered_at: string;
}

export interface SessionsTable {
  id: Generated<number>;
  user_id: number;
  workspace_id: number;
  model_id: number;
  system_prompt_snapshot: string;
  settings_snapshot: string;
  started_at: string;
  ended_at: string | null;
}

export interface ConversationLogsTable {
  id: Generated<number>;
  session_id: number;
  workspace_id: number;
  model_id: number;
  user_id: number;
  question: string;
  answer: string;
  asked_at: string;
  completed_at: string;
  prompt_tokens: number;
  completion_tokens: number;
  ttft_ms: number | null;
  tokens_per_second: number | null;
  duration_ms: number;
  stop_reason: StopReason;
  error_message: string | null;
}

export interface EvaluationsTable {
  id: Generated<number>;
  log_id: number;
  evaluator_id: number;
  evaluation: 1 | 2 | 3;
  reason: string | null;
  correct_answer: string | null;
  priority: 1 | 2 | 3 | null;
  status: 1 | 2 | 3;
  memo: string | null;
  trained_dataset_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface DraftsTable {
  user_id: number;
  draft_key: string;
  value: string;
  updated_at: string;
}

export interface DatasetsTable {
  id: Generated<number>;
  name: string;
  format: 'mlx' | 'openai';
  out_dir: string;
  seed: number;
  filters: string;
  manifest: string | null;
  example_count: number;
  created_by: number;
  created_at: string;
  marked_trained_at: string | null;
}

export interface DatasetItemsTable {
  dataset_id: number;
  evaluation_id: number;
  split: 'train' | 'valid' | 'test';
}

export interface DocumentsTable {
  id: Generated<number>;
  workspace_id: number;
  doc_id: string;
  scope: 'shared' | 'private';
  owner_id: number;
  title: string;
  source_type: string;
  source_path: string | null;
  format: string;
  size_bytes: number;
  content_hash: string | null;
  encoding: string | null;
  status: 'queued' | 'ingesting' | 'ready' | 'failed';
  error: string | null;
  chunk_count: number;
  embedder_id: string | null;
  dimensions: number | null;
  pinned: 0 | 1;
  watched: 0 | 1;
  file_mtime_ms: number | null;
  created_at: string;
  updated_at: string;
}

export interface DocumentSyncRunsTable {
  id: Generated<number>;
  document_id: number;
  trigger: 'watch' | 'manual';
  result: 'updated' | 'unchanged' | 'failed' | 'missing';
  message: string | null;
  started_at: string;
  finished_at: string;
}

export interface ConversationLogSourcesTable {
  log_id: number;
  rank: number;
  chunk_id: string;
  document_id: number | null;
  doc_id: string;
  title: string;
  page: number | null;
  section: string | null;
  score: number;
  pinned: 0 | 1;
  prompt_text: string;
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
