import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MethodInput, MethodName, MethodOutput } from '../../../shared/contract/api.ts';
import { summaryUnits, workspaceCategories, type LogListRow, type SummaryUnit, type WorkspaceCategory } from '../../../shared/contract/entities.ts';
import type { ChatTaskInput } from '../../../shared/contract/threads.ts';
import { decodeText } from '../../services/documents/decode-text.ts';
import { ApiError, isApiErrorPayload } from '../../../shared/contract/errors.ts';
import { createAppCore, type AppCore } from '../../core/app-core.ts';
import { runtimeFlagOptions, runtimeFlagsUsage, runtimeOverrides, type RuntimeOverrides } from '../../core/runtime-flags.ts';
import { closeOnSignals } from '../../core/shutdown.ts';
import type { Caller } from '../../core/dispatcher.ts';
import type { WireResult } from '../../../shared/contract/transport.ts';
import { appVersion, defaultDataDir } from '../../core/paths.ts';

const usage = `evaldesk — EvalDesk from the command line (same data and rules as the app)

Usage: evaldesk [--data-dir DIR] ${runtimeFlagsUsage} [--json] [--user NAME] <command> [options]

In multi-user mode every command runs as a signed-in user: --user NAME, with the password in
EVALDESK_PASSWORD (never on the command line, where other users of the machine could read it).

  models list                          registered models
  models add <file.gguf> [--name N]    register a GGUF file (metadata read, not loaded)
  models scan                          register every .gguf in the models folder
  models catalog                       models EvalDesk can download (size, languages, state)
  models get <catalogId>               download one from Hugging Face (resumes a partial download;
                                       Ctrl+C keeps what was downloaded)
  workspaces list
  workspaces create --name N [--domain D] [--category ${workspaceCategories.join('|')}]
                    [--system-prompt S] [--temperature T] [--max-tokens N]
                    [--context-size N] [--history-turns N]
  ask --workspace ID --model ID [--session ID | --thread ID] <question>
                                       stream an answer to stdout and log it (a qa question
                                       begins a thread unless --thread continues one)
  ask ... --summarize DOC_ID | --summarize-file F --length N [--unit characters|words|sentences]
                                       summarize a document or a text file (summary workspaces)
  ask ... --template ID [--var name=value]...
                                       fill a document template (doc_gen workspaces)
  threads --workspace ID               your threads in a qa workspace
  evaluate <logId> --verdict 1|2|3 [--reason R] [--correct C] [--priority 1|2|3] [--memo M]
  logs [--workspace ID] [--model ID] [--evaluation 0|1|2|3] [--text T] [--limit N]
  export --format mlx|openai --name N [--out DIR] [--seed N] [--valid R] [--test R]
         [--workspace ID] [--model ID] [--evaluations 1,2,3] [--priorities ..] [--statuses ..]
  mark-trained <datasetId>             mark a dataset's evaluations as trained (status 2)
  documents list --workspace ID
  adapters import --base MODEL_ID <adapter.gguf | PEFT folder | MLX folder>
                                       check a LoRA adapter against a base model and store it
  documents add --workspace ID [--private] [--watch] <file or folder>...
                                       ingest documents (one line per file: added/failed + why)
  documents import-records --workspace ID [--private] [--accept-problems] <file.json|file.jsonl>
                                       apply structured records (doc_id, title, content, metadata;
                                       event_type create/update/.../delete) in file order; records
                                       that cannot be read are listed by line and stop the import
                                       unless --accept-problems
  runs start --set ID --model ID [--version ID|base]... [--parallelism N]
                                       answer a question set on the base and/or versions (one run
                                       each, progress on stderr); Ctrl+C pauses, resume continues
  runs resume <runId>                  continue a paused, failed or interrupted run
  runs list --workspace ID [--set ID]
  call <method> [json]                 call any API method with a JSON input

The data folder defaults to ${defaultDataDir()} (or EVALDESK_DATA_DIR).`;

class UsageError extends Error {}

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`--${name} must be a number, got "${value}".`);
  return number;
}

function listOption(value: string | undefined, name: string): Array<1 | 2 | 3> | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((part) => numberOption(part.trim(), name) as 1 | 2 | 3);
}

/** The category task of an `ask`: a summary (--summarize / --summarize-file) or a filled document template (--template). */
function taskOption(values: { summarize?: string | undefined; 'summarize-file'?: string | undefined; length?: string | undefined; unit?: string | undefined; template?: string | undefined; var?: string[] | undefined }): ChatTaskInput | undefined {
  const language = (['ko', 'ja'] as const).find((code) => (process.env['LANG'] ?? '').startsWith(code)) ?? 'en';
  if (values.summarize !== undefined || values['summarize-file'] !== undefined) {
    const targetLength = numberOption(values.length, 'length');
    if (targetLength === undefined) throw new UsageError('A summary needs --length N (with --unit characters, words or sentences).');
    const unit = (values.unit ?? 'characters') as SummaryUnit;
    if (!summaryUnits.includes(unit)) throw new UsageError(`--unit must be one of ${summaryUnits.join(', ')}.`);
    const source = values.summarize !== undefined ? { documentId: numberOption(values.summarize, 'summarize')! } : { text: readTextFile(values['summarize-file']!) };
    return { kind: 'summary', ...source, targetLength, unit, notes: '', language };
  }
  if (values.template !== undefined) {
    const entries = (values.var ?? []).map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--var takes name=value, got "${pair}".`);
      return [pair.slice(0, at), pair.slice(at + 1)] as const;
    });
    return { kind: 'doc_gen', templateId: numberOption(values.template, 'template')!, values: Object.fromEntries(entries), notes: '', language };
  }
  return undefined;
}

/** A text file given on the command line, decoded as documents are (UTF-8, UTF-16, EUC-KR, Shift_JIS...); a binary file is refused there. */
function readTextFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new UsageError(`Cannot read ${file}.`);
  }
  return decodeText(bytes, path.basename(file)).text;
}

export async function runCli(argv: string[], io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      ...runtimeFlagOptions,
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      name: { type: 'string' },
      domain: { type: 'string' },
      category: { type: 'string' },
      'system-prompt': { type: 'string' },
      temperature: { type: 'string' },
      'max-tokens': { type: 'string' },
      'context-size': { type: 'string' },
      'history-turns': { type: 'string' },
      workspace: { type: 'string' },
      model: { type: 'string' },
      session: { type: 'string' },
      thread: { type: 'string' },
      summarize: { type: 'string' },
      'summarize-file': { type: 'string' },
      length: { type: 'string' },
      unit: { type: 'string' },
      template: { type: 'string' },
      var: { type: 'string', multiple: true },
      verdict: { type: 'string' },
      reason: { type: 'string' },
      correct: { type: 'string' },
      priority: { type: 'string' },
      memo: { type: 'string' },
      evaluation: { type: 'string' },
      text: { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      valid: { type: 'string' },
      test: { type: 'string' },
      evaluations: { type: 'string' },
      priorities: { type: 'string' },
      statuses: { type: 'string' },
      private: { type: 'boolean' },
      watch: { type: 'boolean' },
      'accept-problems': { type: 'boolean' },
      base: { type: 'string' },
      user: { type: 'string' },
      set: { type: 'string' },
      version: { type: 'string', multiple: true },
      parallelism: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    io.out.write(`${usage}\n`);
    return command || values.help ? 0 : 2;
  }

  let overrides: RuntimeOverrides;
  try {
    overrides = runtimeOverrides(values);
  } catch (error) {
    io.err.write(`${(error as Error).message}\n`);
    return 2;
  }
  const core: AppCore = await createAppCore({ dataDir: values['data-dir'] ?? defaultDataDir(), appVersion: appVersion(), ...overrides });
  const unwrap = (result: WireResult) => {
    if (result.ok) return result.value;
    throw isApiErrorPayload(result.error) ? ApiError.fromPayload(result.error) : new Error(result.error.message);
  };
  // The session of this one command: signed in at the start, signed out at the end.
  let session: string | null = null;
  let caller: Caller | null = null;
  const call = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => {
    caller ??= await core.resolveCaller(session);
    return unwrap(await core.dispatch(method, input, caller, 'cli')) as MethodOutput<M>;
  };
  const print = (value: unknown, human?: () => string) => {
    io.out.write(values.json || !human ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
  };

  // Ctrl+C or SIGTERM: an answer being streamed is stopped and logged, jobs are cancelled, and
  // the database is closed before the process ends.
  const stopClosingOnSignals = closeOnSignals(() => core.close());
  try {
    if (core.startupError) throw core.startupError;
    if (values.user !== undefined) {
      const password = process.env['EVALDESK_PASSWORD'];
      if (!password) throw new UsageError('--user needs the password in the EVALDESK_PASSWORD environment variable.');
      session = (unwrap(await core.dispatch('auth.signIn', { username: values.user, password }, null, 'cli')) as { token: string }).token;
    }
    const sub = rest[0];
    switch (command) {
      case 'models': {
        if (sub === 'list' || sub === undefined) {
          const models = await call('models.list', {});
          print(models, () => models.map((m) => `${m.id}\t${m.displayName}\t${m.architecture}\t${m.quantization ?? '-'}\t${m.fileExists ? '' : '(file missing) '}${m.filePath}`).join('\n') || 'No models registered.');
        } else if (sub === 'add') {
          if (!rest[1]) throw new UsageError('models add needs a file path.');
          const model = await call('models.add', { path: path.resolve(rest[1]), ...(values.name !== undefined && { displayName: values.name }) });
          print(model, () => `Registered model ${model.id}: ${model.displayName} (${model.architecture}, ${model.quantization ?? 'unknown quantization'}, chat template: ${model.hasChatTemplate ? 'yes' : 'no'})`);
        } else if (sub === 'scan') {
          const result = await call('models.scan', {});
          print(result, () => [`${result.added.length} model(s) registered.`, ...result.failed.map((f) => `skipped ${f.path}: ${f.message}`)].join('\n'));
        } else if (sub === 'catalog') {
          const catalog = await call('downloads.catalog', {});
          const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;
          print(catalog, () => catalog.map((c) => `${c.id}\t${c.kind}\t~${gb(c.approxSizeBytes)}\t${c.languages.join(',')}\t${c.state}${c.state === 'partial' ? ` (${gb(c.bytesOnDisk)} kept)` : ''}\t${c.displayName}`).join('\n'));
        } else if (sub === 'get') {
          if (!rest[1]) throw new UsageError('models get needs a catalog id (see evaldesk models catalog).');
          const jobId = `download:${rest[1]}`;
          let shown = '';
          const stopProgress = core.events.subscribe((event, payload) => {
            const { jobId: id, progress, detail } = payload as { jobId: string; progress: number; detail?: string };
            // One line per 5 % step (or new file), not one per network chunk.
            const line = `${detail ?? rest[1]} ${Math.floor(progress * 20) * 5}%`;
            if (event === 'job.progress' && id === jobId && !values.json && line !== shown) io.err.write(`${(shown = line)}\n`);
          });
          try {
            const result = await call('downloads.start', { catalogId: rest[1], jobId });
            const what = result.kind === 'chat' ? `model ${result.modelId}` : `embedder ${result.embedderSpec}`;
            print(result, () => (result.alreadyInstalled ? `Already installed: ${result.path} (${what}).` : `Installed ${result.path} (${what}); ${result.bytesTransferred} bytes downloaded${result.resumedFromBytes ? `, ${result.resumedFromBytes} resumed` : ''}.`));
          } finally {
            stopProgress();
          }
        } else throw new UsageError(`Unknown models command "${sub}".`);
        return 0;
      }
      case 'workspaces': {
        if (sub === 'list' || sub === undefined) {
          const list = await call('workspaces.list', {});
          print(list, () => list.map((w) => `${w.id}\t${w.name}\t${w.category}\t${w.businessDomain}`).join('\n') || 'No workspaces yet.');
        } else if (sub === 'create') {
          const workspace = await call('workspaces.create', {
            name: values.name ?? '',
            ...(values.domain !== undefined && { businessDomain: values.domain }),
            // The contract rejects an unknown category with the list of valid ones.
            ...(values.category !== undefined && { category: values.category as WorkspaceCategory }),
            ...(values['system-prompt'] !== undefined && { systemPrompt: values['system-prompt'] }),
            ...(values.temperature !== undefined && { temperature: numberOption(values.temperature, 'temperature')! }),
            ...(values['max-tokens'] !== undefined && { maxTokens: numberOption(values['max-tokens'], 'max-tokens')! }),
            ...(values['context-size'] !== undefined && { contextSize: numberOption(values['context-size'], 'context-size')! }),
            ...(values['history-turns'] !== undefined && { historyTurns: numberOption(values['history-turns'], 'history-turns')! }),
          });
          print(workspace, () => `Created workspace ${workspace.id}: ${workspace.name}`);
        } else throw new UsageError(`Unknown workspaces command "${sub}".`);
        return 0;
      }
      case 'ask': {
        const question = rest.join(' ');
        let sessionId = numberOption(values.session, 'session');
        const threadId = numberOption(values.thread, 'thread');
        const session = sessionId
          ? await call('sessions.get', { id: sessionId })
          : await call('sessions.start', {
              workspaceId: numberOption(values.workspace, 'workspace') ?? 0,
              modelId: numberOption(values.model, 'model') ?? 0,
              ...(threadId !== undefined && { threadId }),
            });
        const task = taskOption(values);
        sessionId = session.id;
        await call('runtime.load', { modelId: session.modelId });
        const requestId = crypto.randomUUID();
        const stopListening = core.events.subscribe((event, payload) => {
          if (event === 'chat.token' && (payload as { requestId: string }).requestId === requestId && !values.json) {
            io.out.write((payload as { text: string }).text);
          }
        });
        try {
          const log = await call('chat.ask', { sessionId, question, requestId, ...(task && { task }) });
          if (values.json) print(log);
          else {
            io.out.write('\n');
            io.err.write(`[log ${log.id}, session ${sessionId}${session.threadId !== null ? `, thread ${session.threadId}` : ''}: ${log.stopReason}, ${log.completionTokens} tokens, ${log.tokensPerSecond?.toFixed(1) ?? '-'} tokens/s]\n`);
          }
          return log.stopReason === 'error' ? 1 : 0;
        } finally {
          stopListening();
        }
      }
      case 'threads': {
        const threads = await call('threads.list', { workspaceId: numberOption(values.workspace, 'workspace') ?? 0 });
        print(threads, () => threads.map((t) => `${t.id}\t${t.answers} answers\t${t.updatedAt}\t${t.name || '(unnamed)'}`).join('\n') || 'No threads.');
        return 0;
      }
      case 'evaluate': {
        const logId = numberOption(sub, 'logId');
        if (!logId) throw new UsageError('evaluate needs a log id.');
        const evaluation = await call('evaluations.save', {
          logId,
          evaluation: numberOption(values.verdict, 'verdict') as 1 | 2 | 3,
          ...(values.reason !== undefined && { reason: values.reason }),
          ...(values.correct !== undefined && { correctAnswer: values.correct }),
          ...(values.priority !== undefined && { priority: numberOption(values.priority, 'priority') as 1 | 2 | 3 }),
          ...(values.memo !== undefined && { memo: values.memo }),
        });
        print(evaluation, () => `Saved verdict ${evaluation.evaluation} on log ${logId}.`);
        return 0;
      }
      case 'logs': {
        const page = await call('logs.query', {
          filters: {
            ...(values.workspace !== undefined && { workspaceId: numberOption(values.workspace, 'workspace')! }),
            ...(values.model !== undefined && { modelId: numberOption(values.model, 'model')! }),
            ...(values.evaluation !== undefined && { evaluation: numberOption(values.evaluation, 'evaluation') as 0 }),
            ...(values.text !== undefined && { text: values.text }),
          },
          limit: numberOption(values.limit, 'limit') ?? 50,
        });
        const line = (r: LogListRow) => `${r.id}\t${r.askedAt}\t${r.evaluation ?? '-'}\t${r.stopReason}\t${r.question.replace(/\s+/g, ' ').slice(0, 80)}`;
        print(page.rows, () => page.rows.map(line).join('\n') || 'No logs match.');
        return 0;
      }
      case 'export': {
        const result = await call('export.run', {
          format: (values.format ?? 'mlx') as 'mlx',
          name: values.name ?? `dataset-${new Date().toISOString().slice(0, 10)}`,
          ...(values.out !== undefined && { outDir: path.resolve(values.out) }),
          ...(values.seed !== undefined && { seed: numberOption(values.seed, 'seed')! }),
          ...(values.valid !== undefined && { validRatio: numberOption(values.valid, 'valid')! }),
          ...(values.test !== undefined && { testRatio: numberOption(values.test, 'test')! }),
          filters: {
            ...(values.workspace !== undefined && { workspaceId: numberOption(values.workspace, 'workspace')! }),
            ...(values.model !== undefined && { modelId: numberOption(values.model, 'model')! }),
            ...(values.evaluations !== undefined && { evaluations: listOption(values.evaluations, 'evaluations')! }),
            ...(values.priorities !== undefined && { priorities: listOption(values.priorities, 'priorities')! }),
            ...(values.statuses !== undefined && { statuses: listOption(values.statuses, 'statuses')! }),
          },
        });
        const { counts, skipped } = result.manifest;
        print(result, () =>
          [
            `Exported ${counts.total} examples to ${result.outDir} (dataset ${result.datasetId}).`,
            `  splits: ${Object.entries(counts.perSplit).map(([k, v]) => `${k} ${v}`).join(', ')}`,
            `  skipped: ${skipped.total}${skipped.total ? ` (${Object.entries(skipped.reasons).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
          ].join('\n'),
        );
        return 0;
      }
      case 'documents': {
        const workspaceId = numberOption(values.workspace, 'workspace');
        if (!workspaceId) throw new UsageError('documents needs --workspace ID.');
        if (sub === 'list' || sub === undefined) {
          const list = await call('documents.list', { workspaceId });
          print(list, () => list.map((d) => `${d.id}\t${d.status}\t${d.chunkCount} chunks\t${d.scope}\t${d.docId}`).join('\n') || 'No documents.');
          return 0;
        }
        if (sub === 'import-records') {
          if (rest.length !== 2) throw new UsageError('Usage: documents import-records --workspace ID [--accept-problems] <file.json|file.jsonl>');
          const file = path.resolve(rest[1]!);
          const preview = await call('documents.previewRecords', { workspaceId, path: file });
          if (!values.json) for (const problem of preview.problems) io.err.write(`line ${problem.line}: ${problem.code}${problem.detail ? ` (${problem.detail})` : ''}${problem.value ? ` "${problem.value}"` : ''}${problem.docId ? ` ${problem.docId}` : ''}\n`);
          if (preview.problems.length > 0 && !values['accept-problems']) {
            if (values.json) print(preview);
            io.err.write(`${preview.problems.length} record(s) cannot be imported; nothing was imported. Fix them, or run again with --accept-problems to import the other ${preview.validCount}.\n`);
            return 1;
          }
          const imported = await call('documents.importRecords', { workspaceId, path: file, scope: values.private ? 'private' : 'shared', acceptProblems: Boolean(values['accept-problems']) });
          print(imported, () => imported.outcomes.map((o) => `${o.result}\t${o.docId}\t${o.eventType}${o.error ? `\t${o.error.message}` : ''}`).join('\n'));
          return imported.outcomes.some((o) => o.result === 'failed') ? 1 : 0;
        }
        if (sub !== 'add' || rest.length < 2) throw new UsageError('Usage: documents add --workspace ID <file or folder>...');
        const stopProgress = core.events.subscribe((event, payload) => {
          const progress = payload as { docId: string; phase: string };
          if (event === 'document.progress' && !values.json && (progress.phase === 'ready' || progress.phase === 'failed')) io.err.write(`${progress.phase}: ${progress.docId}\n`);
        });
        try {
          const outcomes = await call('documents.addFiles', {
            workspaceId,
            paths: rest.slice(1).map((p) => path.resolve(p)),
            scope: values.private ? 'private' : 'shared',
            watched: Boolean(values.watch),
          });
          print(outcomes, () => outcomes.map((o) => `${o.result}\t${o.path ?? o.docId}${o.error ? `\t${o.error.message}` : ''}`).join('\n'));
          return outcomes.some((o) => o.result === 'failed') ? 1 : 0;
        } finally {
          stopProgress();
        }
      }
      case 'adapters': {
        if (sub !== 'import' || !rest[1]) throw new UsageError('Usage: adapters import --base MODEL_ID <adapter file or folder>');
        const imported = await call('adapters.import', { baseModelId: numberOption(values.base, 'base') ?? 0, path: path.resolve(rest[1]) });
        print(imported, () =>
          [
            `${imported.reused ? 'Already stored' : 'Stored'} ${imported.format.toUpperCase()} adapter for model ${imported.baseModelId} as ${imported.filePath}`,
            `  ${imported.architecture}, alpha ${imported.alpha ?? '-'}, rank ${[...new Set(imported.ranks)].join('/')}, ${imported.targets.length} tensors`,
            ...imported.notices.map((notice) => `  note: ${notice.message}`),
          ].join('\n'),
        );
        return 0;
      }
      case 'mark-trained': {
        const result = await call('export.markTrained', { datasetId: numberOption(sub, 'datasetId') ?? 0 });
        print(result, () => `${result.updated} evaluation(s) marked as trained.`);
        return 0;
      }
      case 'runs': {
        const describeRun = (run: MethodOutput<'runs.get'>) => `run ${run.id}\t${run.versionName ?? 'base'}\t${run.status}\t${run.answered}/${run.total}${run.error ? `\t${run.error.code}: ${run.error.message}` : ''}`;
        if (sub === 'list') {
          const runs = await call('runs.list', { workspaceId: numberOption(values.workspace, 'workspace') ?? 0, ...(values.set !== undefined && { setId: numberOption(values.set, 'set')! }) });
          print(runs, () => runs.map(describeRun).join('\n') || 'No runs yet.');
          return 0;
        }
        if (sub !== 'start' && sub !== 'resume') throw new UsageError(`Unknown runs command "${sub}".`);
        // One line per 10 % step of each run, on stderr, so stdout stays the result.
        const shown = new Map<string, number>();
        const stopProgress = core.events.subscribe((event, payload) => {
          const { jobId, progress, detail } = payload as { jobId: string; progress: number; detail?: string };
          const step = Math.floor(progress * 10);
          if (event !== 'job.progress' || !jobId.startsWith('run:') || values.json || shown.get(jobId) === step) return;
          shown.set(jobId, step);
          io.err.write(`${jobId} ${detail ?? ''} ${step * 10}%\n`);
        });
        try {
          let runs: Array<MethodOutput<'runs.get'>>;
          if (sub === 'start') {
            const modelId = numberOption(values.model, 'model') ?? 0;
            const versionIds = (values.version ?? ['base']).map((v) => (v === 'base' ? null : numberOption(v, 'version')!));
            await call('runtime.load', { modelId });
            runs = await call('runs.start', { setId: numberOption(values.set, 'set') ?? 0, modelId, versionIds, ...(values.parallelism !== undefined && { parallelism: numberOption(values.parallelism, 'parallelism')! }), wait: true });
          } else {
            const runId = numberOption(rest[1], 'runId') ?? 0;
            const run = await call('runs.get', { id: runId });
            await call('runtime.load', { modelId: run.modelId });
            runs = [await call('runs.resume', { id: runId, wait: true })];
          }
          print(runs, () => runs.map(describeRun).join('\n'));
          return runs.every((run) => run.status === 'completed') ? 0 : 1;
        } finally {
          stopProgress();
        }
      }
      case 'call': {
        let input: unknown = {};
        try {
          input = rest[1] ? JSON.parse(rest[1]) : {};
        } catch {
          throw new UsageError('The input must be valid JSON.');
        }
        print(await call(sub as MethodName, input as never));
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}". Run evaldesk --help.`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof ApiError) {
      io.err.write(values.json ? `${JSON.stringify(error.toPayload())}\n` : `Error (${error.code}): ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    if (session) await core.dispatch('auth.signOut', {}, await core.resolveCaller(session), 'cli');
    stopClosingOnSignals();
    await core.close();
  }
}
