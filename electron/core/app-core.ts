import os from 'node:os';
import path from 'node:path';
import { methodNames } from '../../shared/contract/api.ts';
import type { AppInfo, FlashAttentionMode, User } from '../../shared/contract/entities.ts';
import { ApiError } from '../../shared/contract/errors.ts';
import { createChatService } from '../services/chat/chat-service.ts';
import { openDatabase, type OpenedDatabase } from '../services/db/database.ts';
import { acquireInstanceLock, type InstanceLock } from '../services/db/instance-lock.ts';
import { createFileBrowser } from '../services/browse/file-browser.ts';
import { createContentStore } from '../services/documents/content-store.ts';
import { createDocumentService } from '../services/documents/document-service.ts';
import { createIngestRunner } from '../services/documents/ingest-runner.ts';
import { createRecordService } from '../services/documents/records.ts';
import { createAdapterService } from '../services/lora/adapter-service.ts';
import { createVersionService } from '../services/versions/versions.ts';
import { createThreadService } from '../services/threads/threads.ts';
import { createTaskBuilder } from '../services/chat/category-tasks.ts';
import { createAbService } from '../services/ab/ab.ts';
import { createQuestionSetService } from '../services/reverify/question-sets.ts';
import { createJudgingAssistant } from '../services/reverify/assist.ts';
import { createBatchRunService } from '../services/reverify/batch-runs.ts';
import { createRejudgeService } from '../services/reverify/rejudge.ts';
import { createScoreCardService } from '../services/reverify/scorecards.ts';
import { createReportService } from '../services/report/report-service.ts';
import { findChromiumPdfRenderer, type PdfRenderer } from '../services/report/pdf.ts';
import { startWatchedSync } from '../services/documents/watched-sync.ts';
import { listAvailableEmbedders } from '../services/embeddings/available.ts';
import { createDownloadService, type TransferTuning } from '../services/downloads/download-service.ts';
import { createDraftService } from '../services/drafts/drafts.ts';
import { createEvaluationService } from '../services/evaluation/evaluations.ts';
import { createExporter } from '../services/export/exporter.ts';
import { createJobRegistry } from '../services/jobs/jobs.ts';
import { createLogService } from '../services/logs/logs.ts';
import { createModelRegistry } from '../services/models/model-registry.ts';
import { createLlamaRuntime, defaultThreadCount } from '../services/runtime/llama-runtime.ts';
import { createRetriever } from '../services/rag/retriever.ts';
import { createSessionService } from '../services/sessions/sessions.ts';
import { createSettingsService, defaultSettings } from '../services/settings/settings.ts';
import { createUserService, rolesSeeingAllWorkspaces } from '../services/users/users.ts';
import { createAuthService, type AuthService } from '../services/auth/auth-service.ts';
import { createAuditLog } from '../services/audit/audit-log.ts';
import { createReviewService } from '../services/reviews/reviews.ts';
import { createPromptService } from '../services/prompts/prompts.ts';
import { createPreferenceService } from '../services/users/preferences.ts';
import { createPackService } from '../services/reviews/packs.ts';
import { createAccessControl } from './access.ts';
import { callContext } from './call-context.ts';
import { builtInVariables } from '../../shared/prompt-template.ts';
import { createVectorStore } from '../services/vectors/vector-store.ts';
import { createWorkspaceService } from '../services/workspaces/workspaces.ts';
import { ensureDataDir } from '../services/files/safe-fs.ts';
import { createDispatcher, type Caller, type Implementations } from './dispatcher.ts';
import { createEventBus } from './event-bus.ts';
import { createCacheData } from '../services/cache/cache-data.ts';
import { cachingQueryEmbedder, cachingRetriever } from '../services/cache/retrieval-caches.ts';
import { createSqlExecutor, type SpawnWorker } from '../services/sql-route/executor.ts';
import { createSqlRouteService } from '../services/sql-route/sql-route-service.ts';
import { createGraphService } from '../services/graph/graph-service.ts';
import { documentGraph, workspaceEntities } from '../services/graph/store.ts';
import type { JsonGenerator } from '../services/sql-route/route.ts';

export interface AppCoreOptions {
  dataDir: string;
  appVersion: string;
  /** Interactive front ends (desktop, web bridge) hold the data folder; the CLI does not. */
  lockDataDir?: boolean;
  /** Overrides the stored thread setting (tests and benchmarks pin it). */
  threads?: number;
  gpu?: 'auto' | 'cpu';
  /** Overrides the stored flash attention setting (`--flash-attention`). */
  flashAttention?: FlashAttentionMode;
  /** The ingestion worker's entry file when bundled (electron-vite); the .ts source otherwise. */
  ingestWorkerPath?: string;
  /** How often watched documents are checked for changes; 0 turns the background sync off. */
  watchIntervalMs?: number;
  /** How long an embedding model may take to load before it is given up (tests shorten it). */
  embedderLoadTimeoutMs?: number;
  /** Stall timeout and retries of model downloads (tests shorten them). */
  downloadTuning?: Partial<TransferTuning>;
  /** Turns a report's HTML into a PDF: Electron's printToPDF in the desktop app; Chromium if found otherwise. */
  pdfRenderer?: () => PdfRenderer | null;
  /** How the SQL route's query process starts: the bundled entry and Electron's utilityProcess in the desktop app. */
  sqlWorker?: { workerPath?: string; spawn?: SpawnWorker };
  /** Fixed model answers for the SQL route (tests of the route and its safety at the service boundary). */
  sqlRouteGenerator?: JsonGenerator;
  /** Fixed model answers for graph extraction (tests of the pipeline at the service boundary). */
  graphGenerator?: JsonGenerator;
}

/** How often expired cache_data rows are removed. */
const cachePurgeIntervalMs = 10 * 60_000;

/** How long closing may take before the database is closed regardless of what is still running. */
const closeDeadlineMs = 4_000;

/**
 * Wires the services around one data folder and exposes them as the API contract. Every adapter
 * (Electron IPC, web bridge, CLI) is a thin layer over `dispatch` and `events`.
 */
export async function createAppCore(options: AppCoreOptions) {
  const dataDir = path.resolve(options.dataDir);
  const databasePath = path.join(dataDir, 'evaldesk.sqlite');
  const events = createEventBus();
  const info = (startupError: AppInfo['startupError']): AppInfo => ({
    name: 'EvalDesk',
    version: options.appVersion,
    dataDir,
    databasePath,
    startupError,
  });

  let lock: InstanceLock | null = null;
  let opened: OpenedDatabase;
  try {
    if (options.lockDataDir) lock = acquireInstanceLock(dataDir);
    opened = await openDatabase(databasePath);
  } catch (error) {
    lock?.release();
    if (!(error instanceof ApiError)) throw error;
    // The app still starts and shows what is wrong instead of vanishing; every other call says it too.
    const failing = Object.fromEntries(methodNames.map((name) => [name, () => Promise.reject(error)])) as unknown as Implementations;
    failing['app.info'] = () => info({ code: error.code, message: error.message });
    // The caller is a placeholder: there is no user table to read while the database is unusable.
    const placeholder: Caller = { user: { id: 0, username: 'local', displayName: 'local', role: 'admin', department: '', position: '', securityLevel: 1, suspended: false, expiresAt: null, dailyMessageLimit: null, bio: '', avatar: null, hasPassword: false, createdAt: '', updatedAt: '', lastSignInAt: null } };
    return { dispatch: createDispatcher(failing), events, startupError: error, localCaller: () => placeholder, resolveCaller: async () => placeholder, close: async () => ({ clean: true }), internals: null, recovery: null };
  }

  const { db } = opened;
  const defaults = defaultSettings(dataDir);
  ensureDataDir(defaults.modelsDir);
  const settings = createSettingsService(db, defaults);
  // The password policy is the auth service's; the users service needs it before that exists.
  let auth: AuthService | null = null;
  const users = createUserService(db, { passwordPolicy: async () => (await auth!.config()).policy });
  const audit = createAuditLog(db);
  const access = createAccessControl(db);
  const workspaces = createWorkspaceService(db);
  const jobs = createJobRegistry((payload) => events.emit('job.progress', payload), { currentUserId: callContext.currentUserId });
  const runtime = createLlamaRuntime({
    // The runtime's four settings, with the command line's overrides (--threads, --cpu, --flash-attention).
    getSettings: async () => {
      const stored = await settings.get();
      return { threads: options.threads ?? stored.threads, gpuLayers: stored.gpuLayers, gpu: options.gpu || stored.gpu, flashAttention: options.flashAttention || stored.flashAttention };
    },
    onChange: (status) => events.emit('runtime.changed', status),
  });
  const models = createModelRegistry(db, { runtime });
  const adapters = createAdapterService({ storeDir: path.join(dataDir, 'adapters'), models });
  const versions = createVersionService(db, { adapters, models });
  const prompts = createPromptService(db);
  const sessions = createSessionService(db, { workspaces, models, versions, prompts, users });
  const logs = createLogService(db);
  const evaluations = createEvaluationService(db);
  const drafts = createDraftService(db);
  const downloads = createDownloadService({ models, settings, ...(options.downloadTuning && { tuning: options.downloadTuning }) });
  const fileBrowser = createFileBrowser({ roots: async () => [{ id: 'home', path: os.homedir() }, { id: 'data', path: dataDir }, { id: 'models', path: (await settings.get()).modelsDir }] });
  const exporter = createExporter(db, { appVersion: options.appVersion, exportsDir: path.join(dataDir, 'exports') });
  const embedderThreads = options.threads ?? defaultThreadCount();
  const vectors = createVectorStore({ dir: path.join(dataDir, 'vectors'), annIndexThreshold: async () => (await settings.get()).annIndexThreshold });
  const runner = createIngestRunner({
    threads: embedderThreads,
    ...(options.ingestWorkerPath && { workerPath: options.ingestWorkerPath }),
    ...(options.embedderLoadTimeoutMs !== undefined && { loadTimeoutMs: options.embedderLoadTimeoutMs }),
  });
  const documents = createDocumentService(db, {
    vectors,
    runner,
    settings,
    workspaces,
    jobs,
    store: createContentStore(path.join(dataDir, 'document-store')),
    // The service names who may hear of each document; background work has no caller to go to.
    onProgress: (payload, audience) => events.emit('document.progress', payload, audience),
    currentUserId: callContext.currentUserId,
    // Seed 002's graph metadata is extracted once the new content is searchable (the workspace's option).
    onIndexed: (document) => void graph.schedule(document).catch(() => {}),
  });
  const graph = createGraphService(db, {
    runtime,
    models,
    vectors,
    jobs,
    workspace: (id) => workspaces.get(id),
    ...(options.graphGenerator && { generator: options.graphGenerator }),
  });
  // Caches that pay (issue 15): query embeddings (memory and cache_data) and retrieval results,
  // both behind the `caching` setting; expired cache_data rows are purged in the background.
  const cachingOn = async () => (await settings.get()).caching;
  const cacheData = createCacheData(db);
  const queryEmbedder = cachingQueryEmbedder(runner, { store: cacheData, enabled: cachingOn });
  const records = createRecordService(db, { documents });
  const retriever = cachingRetriever(createRetriever({ vectors, documents, runner: queryEmbedder, records, graph }), {
    documents,
    enabled: cachingOn,
    // A new extraction changes what entity-aware retrieval brings in.
    version: async (request) => (request.entities ? graph.version(request.workspaceId) : null),
  });
  const purgeCaches = () => cacheData.purgeExpired().catch((error: unknown) => console.error('[evaldesk] purging expired cache rows failed', error));
  const cachePurgeTimer = setInterval(() => void purgeCaches(), cachePurgeIntervalMs);
  cachePurgeTimer.unref();
  void purgeCaches();
  // The SQL route's queries run in a process of their own, started on first use: killing it is the
  // only way to stop a runaway query (better-sqlite3 cannot interrupt a statement).
  const sqlExecutor = createSqlExecutor({ databasePath, ...options.sqlWorker });
  const sqlRoute = createSqlRouteService({
    executor: sqlExecutor,
    runtime,
    models,
    roleOf: async (userId) => (await users.get(userId)).role,
    ...(options.sqlRouteGenerator && { generator: options.sqlRouteGenerator }),
  });
  const chat = createChatService(db, { runtime, sessions, retriever, sqlRoute, reusePrefix: cachingOn, versionAdapters: (versionId) => versions.adaptersFor(versionId) });
  const ab = createAbService(db, { chat, sessions, versions, models });
  const threads = createThreadService(db);
  const tasks = createTaskBuilder({ workspaces, documents, prompts, users });
  const questionSets = createQuestionSetService(db, { workspaces });
  const assistant = createJudgingAssistant(db, { runtime, models, documents, runner });
  const batchRuns = createBatchRunService(db, { chat, sessions, versions, models, jobs, assistant, defaultParallelism: async () => (await settings.get()).batchParallelism });
  const rejudge = createRejudgeService(db, { evaluations, versions, models });
  const scoreCards = createScoreCardService(db, { ab, models, versions });
  const reviews = createReviewService(db, logs);
  const packs = createPackService(db, { packsDir: path.join(dataDir, 'packs'), sessions });
  const reports = createReportService(db, {
    appVersion: options.appVersion,
    reportsDir: path.join(dataDir, 'reports'),
    workspaces,
    scoreCards,
    versions,
    models,
    pdfRenderer: options.pdfRenderer ?? findChromiumPdfRenderer,
  });
  const watchedSync = startWatchedSync({ documents, jobs, intervalMs: options.watchIntervalMs ?? 60_000 });
  const localUser: User = await users.ensureLocalUser();
  auth = createAuthService(db, { users, audit, localUserId: () => localUser.id });
  const authService = auth;
  const asSignedIn = (caller: Caller) => ({ user: caller.user, sessionTokenHash: caller.sessionTokenHash ?? null });
  const seesAll = (caller: Caller) => rolesSeeingAllWorkspaces.has(caller.user.role);
  /** A session another user started is not there for this caller to ask in or end. */
  const ownSession = async (sessionId: number, caller: Caller) => {
    const session = await sessions.get(sessionId);
    if (session.userId !== caller.user.id) throw new ApiError('NOT_FOUND', `Session ${sessionId} does not exist.`, { entity: 'session', id: sessionId });
    return session;
  };
  /** Seed 000's daily message limit over a rolling 24 hours; admins are exempt; batch answers do not count. */
  const withinDailyLimit = async (caller: Caller) => {
    const limit = caller.user.dailyMessageLimit;
    if (limit === null || caller.user.role === 'admin') return;
    const since = new Date(Date.now() - 24 * 3_600_000).toISOString();
    const asked = await db
      .selectFrom('conversation_logs as l')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('l.user_id', '=', caller.user.id)
      .where('l.asked_at', '>', since)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('batch_run_items as r').select('r.log_id').whereRef('r.log_id', '=', 'l.id'))))
      .executeTakeFirstOrThrow();
    if (Number(asked.n) >= limit) throw new ApiError('RATE_LIMITED', `You have asked ${limit} questions in the last 24 hours, your daily limit. Ask an admin to raise it.`, { reason: 'daily_limit', limit });
  };
  const preferences = createPreferenceService(db);
  /** A change of a workspace's effective prompt becomes a version of its history, and an audit event. */
  const promptChanged = async (caller: Caller, workspaceId: number) => {
    const version = await prompts.recordIfChanged(workspaceId, caller.user.id);
    if (version) await record(caller, 'prompt.changed', { version: version.version, templateId: version.templateId, body: version.body }, workspaceId);
  };
  const record = (caller: Caller, event: Parameters<typeof audit.record>[0], detail: Record<string, unknown>, workspaceId: number | null = null) =>
    audit.record(event, { userId: caller.user.id, username: caller.user.username, workspaceId, detail });
  /** One evaluator's stored verdict on a log, as the audit log shows it (before/after). */
  const evaluationOf = async (logId: number, evaluatorId: number) => {
    const row = await db.selectFrom('evaluations').select(['evaluation', 'priority', 'status', 'reason', 'correct_answer']).where('log_id', '=', logId).where('evaluator_id', '=', evaluatorId).executeTakeFirst();
    return row && { evaluation: row.evaluation, priority: row.priority, status: row.status, reason: row.reason, correctAnswer: row.correct_answer };
  };
  /** Every path that saves an evaluation (evaluations.save, rejudge.save) records it alike: saved, or changed with before and after. */
  const recordEvaluation = async (caller: Caller, logId: number, before: Awaited<ReturnType<typeof evaluationOf>>, after: NonNullable<Awaited<ReturnType<typeof evaluationOf>>>, context: Record<string, unknown> = {}) => {
    const workspaceId = (await db.selectFrom('conversation_logs').select('workspace_id').where('id', '=', logId).executeTakeFirst())?.workspace_id ?? null;
    await record(caller, before ? 'evaluation.changed' : 'evaluation.saved', { logId, ...context, ...(before && { before }), after }, workspaceId);
  };
  let closing: Promise<{ clean: boolean }> | null = null;

  // After a crash: finish or remove what the previous run left half-done. Only the process that
  // owns the data folder does this (a CLI only when no app holds it), so nobody's work in
  // progress is "recovered" from under it.
  const recovery = await recoverIfOwner(dataDir, Boolean(lock), async () => {
    const interruptedAnswers = await chat.recoverInterrupted();
    const interruptedRuns = await batchRuns.recoverInterrupted();
    const exports = await exporter.recover();
    const interruptedDocuments = await documents.recoverInterrupted();
    if (interruptedDocuments.requeue.length > 0) {
      const ids = interruptedDocuments.requeue.map((entry) => entry.id);
      void jobs.background('ingest', `recover:${Date.now()}`, (job) => documents.reingest(ids, job), 're-ingesting interrupted documents');
    }
    return { interruptedAnswers, interruptedRuns, exportsCleaned: exports.removed, exportsFinished: exports.finished, interruptedDocuments: interruptedDocuments.failed };
  });

  const implementations: Implementations = {
    'app.info': () => info(null),
    'settings.get': () => settings.get(),
    'settings.update': async (input, caller) => {
      const updated = await settings.update(input);
      await record(caller, 'settings.changed', { changed: input });
      return updated;
    },
    'users.current': (_input, caller) => caller.user,
    'users.list': () => users.list(),
    'users.create': async (input, caller) => {
      const created = await users.create(input);
      await record(caller, 'user.created', { userId: created.user.id, username: created.user.username, role: created.user.role });
      return created;
    },
    'users.update': async (input, caller) => {
      const { before, after } = await users.update(input);
      access.forget(after.id);
      authService.forget(after.id);
      const changed = (Object.keys(input.patch) as Array<keyof typeof before>).filter((key) => before[key] !== after[key]);
      await record(caller, 'user.updated', { userId: after.id, before: Object.fromEntries(changed.map((key) => [key, before[key]])), after: Object.fromEntries(changed.map((key) => [key, after[key]])), resetCredential: input.password !== undefined });
      return after;
    },
    'auth.status': (_input, caller) => authService.status(caller && asSignedIn(caller)),
    'auth.signIn': ({ username, password }, _caller, client) => authService.signIn(username, password, client),
    'auth.recover': ({ username, recoveryCode, newPassword }, _caller, client) => authService.recover(username, recoveryCode, newPassword, client),
    'auth.signOut': (_input, caller) => authService.signOut(asSignedIn(caller)),
    'auth.changePassword': ({ currentPassword, newPassword }, caller) => authService.changePassword(asSignedIn(caller), currentPassword, newPassword),
    'auth.newRecoveryCodes': ({ password }, caller) => authService.newRecoveryCodes(asSignedIn(caller), password),
    'auth.enableMultiUser': (input, caller, client) => authService.enableMultiUser(asSignedIn(caller), input, client),
    'auth.setPasswordPolicy': (input, caller) => authService.setPasswordPolicy(asSignedIn(caller), input),
    'audit.query': (input) => audit.query(input),
    'audit.csv': ({ filters }) => audit.csv(filters),

    'workspaces.list': async (_input, caller) => workspaces.list(await access.visibleWorkspaces(caller.user)),
    'workspaces.get': ({ id }) => workspaces.get(id),
    'workspaces.create': async (input, caller) => {
      const created = await workspaces.create(input, caller.user.id);
      access.forget(caller.user.id);
      await record(caller, 'workspace.created', { name: created.name, category: created.category }, created.id);
      await promptChanged(caller, created.id);
      return created;
    },
    'workspaces.update': async ({ id, patch }, caller) => {
      const before = await workspaces.get(id);
      const after = await workspaces.update(id, patch);
      const changed = (Object.keys(patch) as Array<keyof typeof before>).filter((key) => before[key] !== after[key]);
      if (changed.length) await record(caller, 'workspace.updated', { before: Object.fromEntries(changed.map((key) => [key, before[key]])), after: Object.fromEntries(changed.map((key) => [key, after[key]])) }, id);
      await promptChanged(caller, id);
      return after;
    },
    'workspaces.delete': async ({ id }, caller) => {
      const result = await workspaces.remove(id);
      await record(caller, 'workspace.deleted', {}, id);
      return result;
    },
    'workspaces.members': ({ workspaceId }) => workspaces.members(workspaceId),
    'workspaces.setMember': async ({ workspaceId, userId, member }, caller) => {
      const { changed, members } = await workspaces.setMember(workspaceId, userId, member);
      access.forget(userId);
      if (changed) await record(caller, member ? 'workspace.member_added' : 'workspace.member_removed', { userId }, workspaceId);
      return members;
    },

    'embedders.list': async () => listAvailableEmbedders((await settings.get()).modelsDir, await models.list()),
    'models.list': () => models.list(),
    'models.scan': async (_input, caller) => {
      const { modelsDir } = await settings.get();
      const result = await jobs.run('model-scan', undefined, (job) => models.scan(modelsDir, job));
      for (const model of result.added) await record(caller, 'model.registered', { modelId: model.id, name: model.displayName, file: model.filePath, via: 'scan' });
      return result;
    },
    'models.add': async ({ path: filePath, displayName }, caller) => {
      const model = await models.add(filePath, displayName);
      await record(caller, 'model.registered', { modelId: model.id, name: model.displayName, file: model.filePath });
      return model;
    },
    'models.update': async ({ id, patch }, caller) => {
      const before = await models.get(id);
      const after = await models.update(id, patch);
      const changed = (Object.keys(patch) as Array<keyof typeof before>).filter((key) => before[key] !== after[key]);
      if (changed.length) await record(caller, 'model.updated', { modelId: id, before: Object.fromEntries(changed.map((key) => [key, before[key]])), after: Object.fromEntries(changed.map((key) => [key, after[key]])) });
      return after;
    },
    'models.remove': async ({ id }, caller) => {
      const result = await models.remove(id);
      await record(caller, 'model.removed', { modelId: id, ...result });
      return result;
    },
    'adapters.import': async ({ baseModelId, path: source }, caller) => {
      const imported = await adapters.import(baseModelId, source);
      await record(caller, 'adapter.imported', { baseModelId, source, file: imported.filePath, sha256: imported.sha256, format: imported.format, reused: imported.reused });
      return imported;
    },
    'versions.register': async (input, caller) => {
      const version = await versions.register(input);
      await record(caller, 'version.registered', { versionId: version.id, name: version.name, baseModelId: version.baseModelId, datasetId: input.datasetId });
      return version;
    },
    'versions.list': ({ baseModelId }) => versions.list(baseModelId),
    'ab.ask': async (input, caller) => {
      await withinDailyLimit(caller);
      return ab.ask(input, caller.user.id, (requestId, text) => events.emit('chat.token', { requestId, text }));
    },
    'ab.choose': ({ comparisonId, choice }, caller) => ab.choose(comparisonId, choice, caller.user.id),
    'ab.tally': ({ workspaceId }) => ab.tally(workspaceId),

    'questionSets.list': ({ workspaceId }) => questionSets.list(workspaceId),
    'questionSets.get': ({ id }) => questionSets.get(id),
    'questionSets.create': (input, caller) => questionSets.create(input, caller.user.id),
    'questionSets.addItems': ({ setId, items }) => questionSets.addItems(setId, items),
    'questionSets.update': ({ id, patch }) => questionSets.update(id, patch),
    'questionSets.delete': ({ id }) => questionSets.remove(id),
    'questionSets.previewImport': (input) => questionSets.previewImport(input),
    'questionSets.import': (input) => questionSets.import(input),
    'runs.start': (input, caller) => batchRuns.start(input, caller.user.id),
    'runs.resume': ({ id, wait }) => batchRuns.resume(id, wait),
    'runs.list': ({ workspaceId, setId }) => batchRuns.list(workspaceId, setId),
    'runs.get': ({ id }) => batchRuns.get(id),
    'rejudge.items': ({ runId }, caller) => rejudge.items(runId, caller.user.id),
    'rejudge.save': async (input, caller) => {
      // Re-judging saves an evaluation of the run's answer: audited as evaluations.save is, with before and after.
      const answered = await db.selectFrom('batch_run_items').select('log_id').where('run_id', '=', input.runId).where('item_id', '=', input.itemId).executeTakeFirst();
      const before = answered?.log_id != null ? await evaluationOf(answered.log_id, caller.user.id) : undefined;
      const saved = await rejudge.save(input, caller.user.id);
      const logId = answered!.log_id!;
      await recordEvaluation(caller, logId, before, (await evaluationOf(logId, caller.user.id))!, { runId: input.runId, itemId: input.itemId });
      return saved;
    },
    'scorecards.get': ({ workspaceId }) => scoreCards.get(workspaceId),
    'scorecards.csv': ({ workspaceId, table }) => scoreCards.csv(workspaceId, table),
    'report.create': (input) => reports.create(input),

    'runtime.status': () => runtime.status(),
    'runtime.load': ({ modelId }) => jobs.run('model-load', `model-load:${modelId}`, (job) => models.load(modelId, job)),
    'runtime.unload': () => runtime.unload(),

    'sessions.start': async ({ workspaceId, modelId, versionId, adapterScale, variables, threadId, settings: explicit }, caller) => {
      // An interactive session starts from the caller's preferences; what the call names explicitly wins over them.
      const { temperature, maxTokens, useDocuments } = await preferences.get(caller.user.id);
      const options = { versionId: versionId ?? null, adapterScale: adapterScale ?? null, variables: variables ?? {}, settings: explicit ?? {}, preferences: { temperature, maxTokens, useDocuments } };
      if (threadId !== undefined) return sessions.start(caller.user.id, workspaceId, modelId, { ...options, threadId: (await threads.forSession(threadId, caller.user.id, workspaceId)).id });
      if ((await workspaces.get(workspaceId)).category !== 'qa') return sessions.start(caller.user.id, workspaceId, modelId, options);
      // A new qa session begins a thread; a session that cannot start (a missing variable) leaves none behind.
      const thread = await threads.create(caller.user.id, workspaceId);
      try {
        return await sessions.start(caller.user.id, workspaceId, modelId, { ...options, threadId: thread.id });
      } catch (error) {
        await threads.removeEmpty(thread.id);
        throw error;
      }
    },
    'sessions.end': async ({ id }, caller) => (await ownSession(id, caller), sessions.end(id)),
    'sessions.get': ({ id }) => sessions.get(id),

    'chat.ask': async ({ sessionId, question, requestId, task, filter }, caller) => {
      const session = await ownSession(sessionId, caller);
      await withinDailyLimit(caller);
      const built = task ? await tasks.build(session, task, question, caller.user.id) : null;
      const log = await chat.ask({ sessionId, question: built?.question ?? question, ...(built && { task: built.task }), requestId, userId: caller.user.id, ...(filter && { filter }), onText: (text) => events.emit('chat.token', { requestId, text }) });
      if (session.threadId !== null) await threads.noteQuestion(session.threadId, question);
      return log;
    },
    'chat.stop': ({ requestId }, caller) => chat.stop(requestId, caller.user.id),
    'chat.history': ({ sessionId }, caller) => chat.history([sessionId], caller.user.id),
    'threads.list': ({ workspaceId, includeArchived }, caller) => threads.list(workspaceId, caller.user.id, includeArchived),
    'threads.rename': ({ id, name }, caller) => threads.rename(id, caller.user.id, name),
    'threads.archive': ({ id, archived }, caller) => threads.archive(id, caller.user.id, archived),
    'threads.history': async ({ id }, caller) => (await threads.own(id, caller.user.id), chat.history(await threads.sessionIds(id), caller.user.id)),

    'logs.query': async (input, caller) => logs.query(input, caller.user.id, await access.visibleWorkspaces(caller.user)),
    'logs.count': async ({ filters }, caller) => logs.count(filters, caller.user.id, await access.visibleWorkspaces(caller.user)),
    'logs.get': ({ id }, caller) => logs.get(id, caller.user.id),
    'logs.nextUnevaluated': async (input, caller) => logs.nextUnevaluated(input, caller.user.id, await access.visibleWorkspaces(caller.user)),

    'evaluations.save': async (input, caller) => {
      const before = await evaluationOf(input.logId, caller.user.id);
      const saved = await evaluations.save(input, caller.user.id);
      await recordEvaluation(caller, input.logId, before, { evaluation: saved.evaluation, priority: saved.priority, status: saved.status, reason: saved.reason, correctAnswer: saved.correctAnswer });
      return saved;
    },

    'drafts.get': ({ key }, caller) => drafts.get(caller.user.id, key),
    'drafts.save': ({ key, value }, caller) => drafts.save(caller.user.id, key, value),
    'drafts.discard': ({ key }, caller) => drafts.discard(caller.user.id, key),

    'export.run': async (input, caller) => {
      const result = await jobs.run('export', input.jobId, (job) => exporter.run(input, caller.user.id, job));
      await record(caller, 'export.created', { datasetId: result.datasetId, format: input.format, name: input.name, total: result.manifest.counts.total }, input.filters.workspaceId ?? null);
      return result;
    },
    'export.markTrained': async ({ datasetId }, caller) => {
      const result = await exporter.markTrained(datasetId);
      await record(caller, 'export.marked_trained', { datasetId, updated: result.updated });
      return result;
    },
    'datasets.list': () => exporter.list(),

    'documents.list': ({ workspaceId }, caller) => documents.list(workspaceId, caller.user.id),
    'documents.addFiles': (input, caller) => jobs.run('ingest', input.jobId, (job) => documents.addFiles(input, caller.user.id, job)),
    'documents.addText': (input, caller) => jobs.run('ingest', input.jobId, (job) => documents.addText(input, caller.user.id, job)),
    'documents.remove': ({ id }, caller) => documents.remove(id, caller.user.id),
    'documents.setPinned': ({ id, pinned }, caller) => documents.setFlag(id, caller.user.id, 'pinned', pinned),
    'documents.setWatched': ({ id, watched }, caller) => documents.setFlag(id, caller.user.id, 'watched', watched),
    'documents.sync': ({ workspaceId }, caller) => jobs.run('ingest', undefined, (job) => documents.syncWatched(workspaceId, { trigger: 'manual', userId: caller.user.id }, job)),
    'documents.syncRuns': ({ documentId }, caller) => documents.syncRuns(documentId, caller.user.id),
    'documents.reembed': ({ workspaceId, jobId }, caller) => jobs.run('ingest', jobId, (job) => documents.reembed(workspaceId, job, caller.user.id)),
    'documents.passage': ({ documentId, chunkIndex }, caller) => documents.passage(documentId, chunkIndex, caller.user.id),
    'documents.graph': async ({ documentId }, caller) => {
      await documents.get(documentId, caller.user.id);
      const stored = await documentGraph(db, documentId);
      return stored && { outcome: stored.outcome, reason: stored.reason, summary: stored.summary, entities: stored.entities.map(({ name, type, description }) => ({ name, type, description })), relations: stored.relations.map(({ source, relation, target }) => ({ source, relation, target })), extractedAt: stored.extractedAt };
    },
    'graph.entities': async ({ workspaceId, limit }, caller) => workspaceEntities(db, workspaceId, { limit, documentIds: (await documents.visibleDocuments(workspaceId, caller.user.id)).map((doc) => doc.id) }),
    'graph.extract': async ({ workspaceId }, caller) => {
      await workspaces.get(workspaceId);
      const ready = (await documents.visibleDocuments(workspaceId, caller.user.id)).filter((doc) => doc.status === 'ready');
      for (const document of ready) void graph.schedule(document).catch(() => {});
      return { scheduled: ready.length };
    },
    'documents.previewRecords': (input) => records.preview(input),
    'documents.importRecords': (input, caller) => jobs.run('ingest', input.jobId, (job) => records.import(input, caller.user.id, job)),
    'documents.recordHistory': ({ workspaceId, docId }, caller) => records.history(workspaceId, docId, caller.user.id),
    'documents.sourceTypes': async ({ workspaceId }, caller) => {
      await workspaces.get(workspaceId);
      return records.sourceTypes(workspaceId, caller.user.id);
    },

    'downloads.catalog': () => downloads.catalog(),
    'downloads.start': ({ catalogId, jobId }) => jobs.run('download', jobId ?? `download:${catalogId}`, (job) => downloads.start(catalogId, job)),
    'downloads.discard': ({ catalogId }) => downloads.discard(catalogId),
    'files.browse': (input) => fileBrowser.browse(input),

    'reviews.createQueue': async (input, caller) => {
      const queue = await reviews.createQueue(input, caller.user.id);
      await record(caller, 'review.queue_created', { queueId: queue.id, name: queue.name, items: queue.items, evaluatorsPerItem: queue.evaluatorsPerItem, evaluators: queue.progress.map((p) => p.evaluatorId) }, queue.workspaceId);
      return queue;
    },
    'reviews.queues': ({ workspaceId }) => reviews.queues(workspaceId),
    'reviews.myQueue': ({ queueId }, caller) => reviews.myQueue(queueId, caller.user.id),
    'reviews.agreement': (input) => reviews.agreement(input),
    'reviews.adjudicate': async (input, caller) => {
      const { before, after } = await reviews.adjudicate(input, caller.user.id);
      const workspaceId = (await db.selectFrom('conversation_logs').select('workspace_id').where('id', '=', input.logId).executeTakeFirst())?.workspace_id ?? null;
      await record(caller, 'evaluation.adjudicated', { logId: input.logId, before, after }, workspaceId);
      return after;
    },
    'packs.export': async (input, caller) => {
      const written = await packs.exportAssignment(input);
      await record(caller, 'pack.exported', { packId: written.packId, queueId: input.queueId, evaluatorId: input.evaluatorId, items: written.items, path: written.path });
      return written;
    },
    'packs.open': async ({ path: file }, caller) => {
      const opened = await packs.open(file, caller.user.id);
      access.forget(caller.user.id);
      if (!opened.alreadyOpen) await record(caller, 'pack.opened', { path: file, items: opened.items }, opened.workspaceId);
      return opened;
    },
    'packs.exportResults': async (input, caller) => {
      const written = await packs.exportResults(input, caller.user.id);
      await record(caller, 'pack.results_exported', { path: written.path, judged: written.judged }, input.workspaceId);
      return written;
    },
    'packs.importResults': async ({ path: file }, caller) => {
      const { workspaceId, ...counts } = await packs.importResults(file, (id) => access.isMember(caller.user, id));
      if (!counts.alreadyImported) await record(caller, 'pack.imported', { path: file, ...counts }, workspaceId);
      return counts;
    },

    'prompts.templates': ({ workspaceId }) => prompts.templates(workspaceId),
    'prompts.saveTemplate': async (input, caller) => {
      const saved = await prompts.saveTemplate(input, caller.user.id);
      await promptChanged(caller, input.workspaceId);
      return saved;
    },
    'prompts.deleteTemplate': async ({ id }, caller) => {
      const { deleted, workspaceId } = await prompts.deleteTemplate(id);
      await promptChanged(caller, workspaceId);
      return { deleted };
    },
    'prompts.versions': ({ workspaceId }) => prompts.versions(workspaceId),
    'prompts.current': async ({ workspaceId }) => {
      await prompts.recordIfChanged(workspaceId, null);
      return { version: (await prompts.versions(workspaceId))[0]!, builtIns: builtInVariables };
    },
    'preferences.get': (_input, caller) => preferences.get(caller.user.id),
    'preferences.update': (input, caller) => preferences.update(caller.user.id, input),

    'jobs.cancel': ({ jobId }, caller) => jobs.cancel(jobId, { userId: caller.user.id, any: seesAll(caller) }),
  };

  return {
    dispatch: createDispatcher(implementations, access),
    events,
    startupError: null as ApiError | null,
    /** The caller every local adapter acts as until sign-in exists. */
    localCaller: (): Caller => ({ user: localUser }),
    /**
     * The caller of an adapter's call from its session token: in single-user mode always the
     * local user; in multi-user mode the signed-in user, or null (only public methods pass).
     */
    resolveCaller: (token: string | null): Promise<Caller | null> => authService.resolve(token),
    internals: { db: opened, runtime, vectors, retriever, graph, dataDir, implementations, access, caches: { queryEmbeddings: queryEmbedder, retrievals: retriever.memory, data: cacheData } },
    /** What start-up recovery found (null when another process owns the data folder). */
    recovery,
    /**
     * Stops everything and closes the database. Each step is bounded: a job or a worker stuck on a
     * dead drive cannot keep the database open; after the deadline it is closed regardless.
     */
    close() {
      closing ??= closeOnce();
      return closing;
    },
  };

  async function closeOnce(): Promise<{ clean: boolean }> {
    watchedSync.stop();
    graph.stop();
    clearInterval(cachePurgeTimer);
    const graceful = (async () => {
      await chat.stopAll();
      await jobs.cancelAll();
      await graph.idle();
      await batchRuns.idle();
      await documents.idle();
      await runner.close();
      await sqlExecutor.close();
      await vectors.close();
      await runtime.dispose();
    })();
    const finished = await settleWithin(graceful, closeDeadlineMs);
    if (!finished) console.error(`[evaldesk] shutting down: some work did not stop within ${closeDeadlineMs / 1000} s; closing the database anyway`);
    await opened.close();
    lock?.release();
    return { clean: finished && !runner.hasStuckWorkers() };
  }
}

/** Resolves true when `work` settles (either way) within `ms`, false when it is still running. */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([work.then(() => true as const, () => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

/** Runs start-up recovery when this process owns the data folder, or can own it for a moment. */
async function recoverIfOwner<T>(dataDir: string, holdsLock: boolean, recover: () => Promise<T>): Promise<T | null> {
  if (holdsLock) return recover();
  let lock: InstanceLock;
  try {
    lock = acquireInstanceLock(dataDir);
  } catch {
    return null;
  }
  try {
    return await recover();
  } finally {
    lock.release();
  }
}

export type AppCore = Awaited<ReturnType<typeof createAppCore>>;
