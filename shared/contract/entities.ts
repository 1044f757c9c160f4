/** Shapes returned by the API. Timestamps are ISO-8601 strings in UTC. */

export type WorkspaceCategory = 'qa' | 'doc_gen' | 'summary';
export const workspaceCategories: readonly WorkspaceCategory[] = ['qa', 'doc_gen', 'summary'];

export type UserRole = 'admin' | 'manager' | 'evaluator' | 'viewer';

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: UserRole;
  createdAt: string;
}

export interface GenerationSettings {
  temperature: number;
  maxTokens: number;
  contextSize: number;
  historyTurns: number;
  /** Retrieval settings frozen with the session (absent in sessions from before documents existed). */
  topN?: number;
  similarityThreshold?: number;
  chatMode?: ChatMode;
  refusalResponse?: string;
  hybridSearch?: boolean;
}

export type ChatMode = 'chat' | 'query';

/** Retrieval settings of a workspace (seed 000): how many passages, how similar, and what to do without any. */
export interface RetrievalSettings {
  topN: number;
  /** Minimum cosine similarity (-1..1) a passage needs to be used. */
  similarityThreshold: number;
  /** `chat` answers even without passages; `query` answers only from documents. */
  chatMode: ChatMode;
  refusalResponse: string;
  chunkSize: number;
  chunkOverlap: number;
  /** `onnx:<model folder>` or `gguf:<path>`; null uses the app's default embedder. */
  embedderId: string | null;
  /** Also match passages by their words (full-text, n-grams for CJK), fused with vector ranking. */
  hybridSearch: boolean;
}

export interface Workspace extends Required<Pick<GenerationSettings, 'temperature' | 'maxTokens' | 'contextSize' | 'historyTurns'>>, RetrievalSettings {
  id: number;
  name: string;
  businessDomain: string;
  category: WorkspaceCategory;
  systemPrompt: string;
  createdAt: string;
  updatedAt: string;
}

export type ModelKind = 'base' | 'lora' | 'full';

export interface ModelInfo {
  id: number;
  displayName: string;
  filePath: string;
  fileSize: number;
  fingerprint: string;
  architecture: string;
  parameterCount: number | null;
  quantization: string | null;
  trainingContextLength: number | null;
  hasChatTemplate: boolean;
  kind: ModelKind;
  version: string;
  baseModelId: number | null;
  description: string;
  createdAt: string;
  trainedAt: string | null;
  registeredAt: string;
  /** False when the file was moved or deleted after registration. */
  fileExists: boolean;
}

export type GpuBackend = 'cuda' | 'vulkan' | 'metal' | 'cpu';

export interface RuntimeStatus {
  state: 'idle' | 'loading' | 'loaded' | 'failed';
  modelId: number | null;
  backend: GpuBackend | null;
  /** Load progress between 0 and 1 while loading. */
  progress: number;
  gpuLayers: number | null;
  vram: { total: number; used: number } | null;
  ram: { total: number; used: number; processRss: number };
  modelBytes: number | null;
  chatWrapper: string | null;
  error: { code: string; message: string } | null;
}

export interface RuntimeSettings {
  /** CPU threads used for generation; 0 means "physical cores". */
  threads: number;
  /** 'auto' lets node-llama-cpp fit as many layers as the GPU holds. */
  gpuLayers: 'auto' | 'max' | number;
  /** 'auto' tries CUDA, Metal and Vulkan before falling back to the CPU. */
  gpu: 'auto' | 'cpu';
}

export interface AppSettings extends RuntimeSettings {
  modelsDir: string;
  /** Default embedder for workspaces that name none; null until one is installed. */
  embedder: string | null;
  /** Chunks in one vector table above which an approximate (HNSW) index is built. */
  annIndexThreshold: number;
  language: 'en' | 'ko' | 'ja';
}

export interface SessionInfo {
  id: number;
  userId: number;
  workspaceId: number;
  modelId: number;
  systemPromptSnapshot: string;
  settingsSnapshot: GenerationSettings;
  startedAt: string;
  endedAt: string | null;
}

/** `answering` while the model streams; `interrupted` when the app ended before the answer did. */
export type StopReason = 'answering' | 'finished' | 'max_tokens' | 'stopped' | 'error' | 'interrupted';

/** One passage that went into an answer's prompt: the retrieval trace shown as a citation. */
export interface RetrievedSource {
  rank: number;
  chunkId: string;
  documentId: number | null;
  docId: string;
  title: string;
  page: number | null;
  section: string | null;
  score: number;
  pinned: boolean;
  /** Exactly the text that was put into the prompt. */
  promptText: string;
}

export interface ConversationLog {
  id: number;
  sessionId: number;
  workspaceId: number;
  modelId: number;
  userId: number;
  question: string;
  answer: string;
  askedAt: string;
  completedAt: string;
  promptTokens: number;
  completionTokens: number;
  timeToFirstTokenMs: number | null;
  tokensPerSecond: number | null;
  stopReason: StopReason;
  errorMessage: string | null;
  sources: RetrievedSource[];
}

export type Verdict = 1 | 2 | 3;
export type Priority = 1 | 2 | 3;
export type TrainingStatus = 1 | 2 | 3;

export interface Evaluation {
  id: number;
  logId: number;
  evaluatorId: number;
  evaluation: Verdict;
  reason: string | null;
  correctAnswer: string | null;
  priority: Priority | null;
  status: TrainingStatus;
  memo: string | null;
  trainedDatasetId: number | null;
  createdAt: string;
  updatedAt: string;
}

/** One row of the log browser: the log plus the current user's verdict, if any. */
export interface LogListRow {
  id: number;
  sessionId: number;
  workspaceId: number;
  workspaceName: string;
  modelId: number;
  modelName: string;
  question: string;
  answerPreview: string;
  askedAt: string;
  stopReason: StopReason;
  completionTokens: number;
  tokensPerSecond: number | null;
  evaluation: Verdict | null;
  priority: Priority | null;
  status: TrainingStatus | null;
}

export interface LogDetail {
  log: ConversationLog;
  workspaceName: string;
  modelName: string;
  systemPromptSnapshot: string;
  evaluations: Evaluation[];
}

export interface Draft {
  key: string;
  value: unknown;
  updatedAt: string;
}

export type ExportFormat = 'mlx' | 'openai';

export interface ExportManifest {
  app: { name: 'EvalDesk'; version: string };
  format: ExportFormat;
  createdAt: string;
  datasetId: number;
  filters: Record<string, unknown>;
  seed: number;
  splitRatios: { train: number; valid: number; test: number };
  /** True when user turns carry the retrieved passages before the question. */
  includesRetrievedContext: boolean;
  counts: {
    total: number;
    perSplit: Record<string, number>;
    perEvaluation: Record<'1' | '2' | '3', number>;
  };
  skipped: { total: number; reasons: Record<string, number> };
  files: Array<{ name: string; rows: number; bytes: number; sha256: string }>;
}

export interface ExportResult {
  datasetId: number;
  outDir: string;
  manifest: ExportManifest;
}

export interface Dataset {
  id: number;
  name: string;
  format: ExportFormat;
  outDir: string;
  exampleCount: number;
  createdAt: string;
  markedTrainedAt: string | null;
}

export interface AppInfo {
  name: 'EvalDesk';
  version: string;
  dataDir: string;
  databasePath: string;
  /** Set when the app started but could not open its data: the UI shows it instead of the screens. */
  startupError: { code: string; message: string } | null;
}

export type DocumentScope = 'shared' | 'private';
export type DocumentStatus = 'queued' | 'ingesting' | 'ready' | 'failed';

export interface DocumentInfo {
  id: number;
  workspaceId: number;
  docId: string;
  scope: DocumentScope;
  ownerId: number;
  title: string;
  sourceType: string;
  sourcePath: string | null;
  format: string;
  sizeBytes: number;
  encoding: string | null;
  status: DocumentStatus;
  error: string | null;
  chunkCount: number;
  embedderId: string | null;
  pinned: boolean;
  watched: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface IngestOutcome {
  path: string | null;
  docId: string;
  result: 'added' | 'updated' | 'unchanged' | 'failed' | 'cancelled';
  document: DocumentInfo | null;
  error: { code: string; message: string } | null;
  warnings: string[];
}

export interface SyncRun {
  id: number;
  documentId: number;
  trigger: 'watch' | 'manual';
  result: 'updated' | 'unchanged' | 'failed' | 'missing';
  message: string | null;
  startedAt: string;
  finishedAt: string;
}

export interface PassageView {
  document: DocumentInfo;
  chunkIndex: number;
  text: string;
  page: number | null;
  section: string | null;
}
