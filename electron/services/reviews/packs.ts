import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../../shared/contract/errors.ts';
import { workspaceDefaults } from '../../../shared/contract/entities.ts';
import { nowIso, type Db } from '../db/database.ts';
import { toColumns } from '../db/rows.ts';
import { sourcesByLog } from '../logs/log-rows.ts';
import type { SessionService } from '../sessions/sessions.ts';
import { ensureDir, notWritableError } from '../files/safe-fs.ts';

/**
 * Offline evaluation packs (issue 14). The lead exports one evaluator's part of a review queue as
 * a file: questions, answers, the passages the model saw (as that evaluator may see them), the
 * system prompt, the evaluator, and a checksum. The expert opens it in their own EvalDesk (a local
 * workspace with the same uid), judges with the usual screens, and exports a result pack, which
 * the lead imports. Opening or importing the same pack twice changes nothing; a pack of another
 * workspace, an edited or a truncated one is refused; a verdict older than the stored one is kept out.
 */
const packFormat = 'evaldesk-evaluation-pack';
const packVersion = 1;
const maxPackBytes = 200 * 1024 * 1024;

const source = z.object({ rank: z.number().int(), title: z.string(), docId: z.string(), page: z.number().int().nullable(), section: z.string().nullable(), score: z.number(), promptText: z.string() });
const verdict = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const header = {
  format: z.literal(packFormat),
  version: z.literal(packVersion),
  packId: z.string().regex(/^[0-9a-f-]{36}$/),
  createdAt: z.string(),
  workspace: z.object({ uid: z.string().regex(/^[0-9a-f]{32}$/), name: z.string().max(200), blindEvaluation: z.boolean() }),
  evaluator: z.object({ id: z.number().int().positive(), username: z.string(), displayName: z.string() }),
  checksum: z.string(),
};
const assignmentPack = z.object({
  ...header,
  kind: z.literal('assignment'),
  queue: z.object({ id: z.number().int(), name: z.string() }),
  items: z
    .array(z.object({ logId: z.number().int().positive(), question: z.string(), answer: z.string(), askedAt: z.string(), model: z.string(), systemPrompt: z.string(), sources: z.array(source) }))
    .max(100_000),
});
const resultPack = z.object({
  ...header,
  kind: z.literal('result'),
  assignmentPackId: z.string(),
  items: z
    .array(z.object({ logId: z.number().int().positive(), evaluation: verdict, reason: z.string().nullable(), correctAnswer: z.string().nullable(), priority: verdict.nullable(), memo: z.string().nullable(), judgedAt: z.string() }))
    .max(100_000),
});
type AssignmentPack = z.output<typeof assignmentPack>;
type ResultPack = z.output<typeof resultPack>;

/** JSON with object keys sorted at every level: the same content always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function checksumOf(pack: Record<string, unknown>): string {
  const { checksum: _ignored, ...body } = pack;
  return `sha256:${crypto.createHash('sha256').update(canonical(body)).digest('hex')}`;
}

/** Reads, parses and checks a pack file; every way it can be wrong is a code with the file named. */
function readPack<T extends z.ZodType>(filePath: string, schema: T, kind: 'assignment' | 'result'): z.output<T> {
  let text: string;
  try {
    const stat = fs.statSync(filePath);
    if (!stat.isFile()) throw new Error('not a file');
    if (stat.size > maxPackBytes) throw new ApiError('VALIDATION', `This pack is larger than ${maxPackBytes / 1024 / 1024} MB.`, { reason: 'pack_too_large', file: filePath });
    text = fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('PATH_UNREADABLE', `The pack ${filePath} cannot be read.`, { reason: 'not_a_file', file: filePath });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new ApiError('VALIDATION', 'This file is not an EvalDesk pack (it is not complete JSON: cut off, or another file).', { reason: 'pack_unreadable', file: filePath });
  }
  const kindOf = (parsed as { kind?: unknown } | null)?.kind;
  if ((parsed as { format?: unknown } | null)?.format !== packFormat) throw new ApiError('VALIDATION', 'This file is not an EvalDesk evaluation pack.', { reason: 'pack_unreadable', file: filePath });
  if (kindOf !== kind) throw new ApiError('VALIDATION', kind === 'result' ? 'This is an assignment pack; import the result pack the expert sent back.' : 'This is a result pack; open the assignment pack instead.', { reason: `pack_not_${kind}`, file: filePath });
  const result = schema.safeParse(parsed);
  if (!result.success) throw new ApiError('VALIDATION', 'This pack is damaged: its content does not have the expected fields.', { reason: 'pack_unreadable', file: filePath });
  if (checksumOf(parsed as Record<string, unknown>) !== (parsed as { checksum: string }).checksum) {
    throw new ApiError('VALIDATION', 'This pack was changed after it was written (its checksum does not match); ask for a new one.', { reason: 'pack_tampered', file: filePath });
  }
  return result.data;
}

/** Written to a temporary name and renamed: a pack file is complete or absent, never half-written. */
function writePack(dir: string, fileName: string, pack: Record<string, unknown>): string {
  const file = path.join(dir, fileName);
  const temporary = `${file}.${process.pid}.partial`;
  try {
    ensureDir(dir);
    const body = { ...pack, checksum: '' };
    fs.writeFileSync(temporary, `${JSON.stringify({ ...body, checksum: checksumOf(body) }, null, 1)}\n`);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    if (error instanceof ApiError) throw error;
    throw notWritableError('EXPORT_NOT_WRITABLE', dir, error);
  }
  return file;
}

/** The fields every pack starts with: what it is, a new id, and the workspace it belongs to. */
function packHeader<K extends 'assignment' | 'result'>(kind: K, workspace: { uid: string; name: string; blind_evaluation: number }, evaluator: AssignmentPack['evaluator']) {
  return {
    format: packFormat,
    version: packVersion,
    kind,
    packId: crypto.randomUUID(),
    createdAt: nowIso(),
    workspace: { uid: workspace.uid, name: workspace.name, blindEvaluation: workspace.blind_evaluation === 1 },
    evaluator,
  } as const;
}

const safeName = (text: string) => text.replace(/[^\p{L}\p{N}._-]+/gu, '-').slice(0, 60) || 'pack';

export function createPackService(db: Db, deps: { packsDir: string; sessions: Pick<SessionService, 'start'> }) {
  async function workspaceRow(id: number) {
    const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Workspace ${id} does not exist.`, { entity: 'workspace', id });
    return row;
  }

  return {
    async exportAssignment(input: { queueId: number; evaluatorId: number; outDir?: string | undefined }): Promise<{ path: string; items: number; packId: string }> {
      const queue = await db.selectFrom('review_queues').selectAll().where('id', '=', input.queueId).executeTakeFirst();
      if (!queue) throw new ApiError('NOT_FOUND', `Review queue ${input.queueId} does not exist.`, { entity: 'review_queue', id: input.queueId });
      const evaluator = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', '=', input.evaluatorId).executeTakeFirst();
      if (!evaluator) throw new ApiError('NOT_FOUND', `User ${input.evaluatorId} does not exist.`, { entity: 'user', id: input.evaluatorId });
      const rows = await db
        .selectFrom('review_assignments as a')
        .innerJoin('conversation_logs as l', 'l.id', 'a.log_id')
        .innerJoin('sessions as s', 's.id', 'l.session_id')
        .innerJoin('models as m', 'm.id', 'l.model_id')
        .select(['l.id', 'l.question', 'l.answer', 'l.asked_at', 'm.display_name', 's.system_prompt_snapshot'])
        .where('a.queue_id', '=', queue.id)
        .where('a.evaluator_id', '=', evaluator.id)
        .orderBy('a.position')
        .execute();
      if (rows.length === 0) throw new ApiError('EMPTY_INPUT', 'This evaluator has nothing assigned in this queue.', { reason: 'empty_pack' });
      const workspace = await workspaceRow(queue.workspace_id);
      // The passages as the evaluator may see them: another user's private ones are withheld.
      const sources = await sourcesByLog(db, rows.map((row) => row.id), evaluator.id);
      const pack: Omit<AssignmentPack, 'checksum'> = {
        ...packHeader('assignment', workspace, { id: evaluator.id, username: evaluator.username, displayName: evaluator.display_name }),
        queue: { id: queue.id, name: queue.name },
        items: rows.map((row) => ({
          logId: row.id,
          question: row.question,
          answer: row.answer,
          askedAt: row.asked_at,
          model: row.display_name,
          systemPrompt: row.system_prompt_snapshot,
          sources: (sources.get(row.id) ?? []).filter((s) => s.promptText !== '').map((s) => ({ rank: s.rank, title: s.title, docId: s.docId, page: s.page, section: s.section, score: s.score, promptText: s.promptText })),
        })),
      };
      const file = writePack(input.outDir ?? deps.packsDir, `${safeName(workspace.name)}-${safeName(evaluator.username)}-${pack.packId.slice(0, 8)}.evaldesk-pack.json`, pack);
      return { path: file, items: rows.length, packId: pack.packId };
    },

    /** On the expert's workstation: the pack's answers become logs of a local workspace with the pack's uid. */
    async open(filePath: string, userId: number): Promise<{ workspaceId: number; sessionId: number; items: number; alreadyOpen: boolean }> {
      const pack = readPack(filePath, assignmentPack, 'assignment');
      const known = await db.selectFrom('pack_imports').selectAll().where('pack_id', '=', pack.packId).executeTakeFirst();
      if (known) {
        const detail = JSON.parse(known.detail) as { sessionId: number };
        return { workspaceId: known.workspace_id, sessionId: detail.sessionId, items: pack.items.length, alreadyOpen: true };
      }
      const now = nowIso();
      let workspace = await db.selectFrom('workspaces').select(['id']).where('uid', '=', pack.workspace.uid).where('deleted_at', 'is', null).executeTakeFirst();
      if (!workspace) {
        workspace = await db
          .insertInto('workspaces')
          // A workspace of the defaults, holding the pack's answers; nothing in it is asked anew.
          .values({ ...toColumns('workspaces', { ...workspaceDefaults, name: pack.workspace.name, systemPrompt: pack.items[0]?.systemPrompt ?? '', temperature: 0, historyTurns: 0, refusalResponse: '', blindEvaluation: pack.workspace.blindEvaluation }), uid: pack.workspace.uid, created_at: now, updated_at: now, deleted_at: null })
          .returning('id')
          .executeTakeFirstOrThrow();
      }
      await db.insertInto('workspace_members').values({ workspace_id: workspace.id, user_id: userId, added_at: now }).onConflict((oc) => oc.doNothing()).execute();
      // The answers were given by the lead's model; here it is a name, not a file (hidden from the model list).
      const modelName = pack.items[0]?.model ?? 'model';
      const modelPath = `evaldesk-pack:${pack.workspace.uid}:${modelName}`;
      let model = await db.selectFrom('models').select('id').where('file_path', '=', modelPath).executeTakeFirst();
      model ??= await db
        .insertInto('models')
        .values({ display_name: modelName, file_path: modelPath, file_size: 0, fingerprint: 'pack', architecture: 'unknown', has_chat_template: 0, kind: 'base', version: '1', description: 'Answers from an evaluation pack', created_at: now, registered_at: now, removed_at: now } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      const session = await deps.sessions.start(userId, workspace.id, model.id);
      await db.transaction().execute(async (trx) => {
        for (const item of pack.items) {
          const log = await trx
            .insertInto('conversation_logs')
            .values({ session_id: session.id, workspace_id: workspace.id, model_id: model.id, user_id: userId, question: item.question, answer: item.answer, asked_at: item.askedAt, completed_at: item.askedAt, prompt_tokens: 0, completion_tokens: 0, ttft_ms: null, tokens_per_second: null, duration_ms: 0, stop_reason: 'finished', error_message: null })
            .returning('id')
            .executeTakeFirstOrThrow();
          if (item.sources.length) {
            await trx
              .insertInto('conversation_log_sources')
              .values(item.sources.map((s) => ({ log_id: log.id, rank: s.rank, chunk_id: '', document_id: null, chunk_index: 0, doc_id: s.docId, title: s.title, page: s.page, section: s.section, score: s.score, pinned: 0, prompt_text: s.promptText })))
              .execute();
          }
          await trx.insertInto('pack_items').values({ pack_id: pack.packId, item_log_id: item.logId, local_log_id: log.id }).execute();
        }
        await trx.insertInto('pack_imports').values({ pack_id: pack.packId, kind: 'assignment', workspace_id: workspace.id, imported_at: now, detail: JSON.stringify({ sessionId: session.id, evaluator: pack.evaluator, queue: pack.queue, workspaceUid: pack.workspace.uid, workspaceName: pack.workspace.name }) }).execute();
      });
      return { workspaceId: workspace.id, sessionId: session.id, items: pack.items.length, alreadyOpen: false };
    },

    /** On the expert's workstation: the caller's verdicts on the packs opened into `workspaceId`. */
    async exportResults(input: { workspaceId: number; outDir?: string | undefined }, userId: number): Promise<{ path: string; items: number; judged: number }> {
      const workspace = await workspaceRow(input.workspaceId);
      const opened = await db.selectFrom('pack_imports').selectAll().where('workspace_id', '=', workspace.id).where('kind', '=', 'assignment').orderBy('imported_at').execute();
      if (opened.length === 0) throw new ApiError('EMPTY_INPUT', 'No evaluation pack was opened into this workspace.', { reason: 'no_pack' });
      const rows = await db
        .selectFrom('pack_items as p')
        .innerJoin('evaluations as e', 'e.log_id', 'p.local_log_id')
        .select(['p.item_log_id', 'e.evaluation', 'e.reason', 'e.correct_answer', 'e.priority', 'e.memo', 'e.updated_at'])
        .where('p.pack_id', 'in', opened.map((row) => row.pack_id))
        .where('e.evaluator_id', '=', userId)
        .orderBy('p.item_log_id')
        .execute();
      const items = await db.selectFrom('pack_items').select((eb) => eb.fn.countAll<number>().as('n')).where('pack_id', 'in', opened.map((row) => row.pack_id)).executeTakeFirstOrThrow();
      const assignment = JSON.parse(opened.at(-1)!.detail) as { evaluator: ResultPack['evaluator'] };
      const pack: Omit<ResultPack, 'checksum'> = {
        // The lead's user the work was assigned to: the verdicts are theirs on the lead's machine.
        ...packHeader('result', workspace, assignment.evaluator),
        assignmentPackId: opened.at(-1)!.pack_id,
        items: rows.map((row) => ({ logId: row.item_log_id, evaluation: row.evaluation, reason: row.reason, correctAnswer: row.correct_answer, priority: row.priority, memo: row.memo, judgedAt: row.updated_at })),
      };
      const file = writePack(input.outDir ?? deps.packsDir, `${safeName(workspace.name)}-${safeName(assignment.evaluator.username)}-result-${pack.packId.slice(0, 8)}.evaldesk-pack.json`, pack);
      return { path: file, items: Number(items.n), judged: rows.length };
    },

    /** On the lead's workstation. Never overwrites a newer verdict; the same pack twice changes nothing. */
    async importResults(filePath: string, canUseWorkspace: (workspaceId: number) => Promise<boolean>): Promise<{ imported: number; unchanged: number; olderThanStored: number; alreadyImported: boolean; workspaceId: number }> {
      const pack = readPack(filePath, resultPack, 'result');
      const workspace = await db.selectFrom('workspaces').select(['id', 'name']).where('uid', '=', pack.workspace.uid).where('deleted_at', 'is', null).executeTakeFirst();
      if (!workspace || !(await canUseWorkspace(workspace.id))) {
        throw new ApiError('CONFLICT', `This pack belongs to the workspace "${pack.workspace.name}", which is not in this EvalDesk.`, { reason: 'pack_other_workspace', workspace: pack.workspace.name });
      }
      const evaluator = await db.selectFrom('users').select('id').where('id', '=', pack.evaluator.id).executeTakeFirst();
      if (!evaluator) throw new ApiError('CONFLICT', `The evaluator of this pack (${pack.evaluator.username}) is not a user here.`, { reason: 'pack_unknown_evaluator', username: pack.evaluator.username });
      if (await db.selectFrom('pack_imports').select('pack_id').where('pack_id', '=', pack.packId).executeTakeFirst()) {
        return { imported: 0, unchanged: pack.items.length, olderThanStored: 0, alreadyImported: true, workspaceId: workspace.id };
      }
      const logIds = pack.items.map((item) => item.logId);
      const ofWorkspace = new Set((await db.selectFrom('conversation_logs').select('id').where('workspace_id', '=', workspace.id).where('id', 'in', [0, ...logIds]).execute()).map((row) => row.id));
      if (logIds.some((id) => !ofWorkspace.has(id))) throw new ApiError('VALIDATION', 'This pack names answers that are not in its workspace; nothing was imported.', { reason: 'pack_unknown_items', file: filePath });
      for (const item of pack.items) {
        if (item.evaluation === 1 && (item.reason || item.correctAnswer || item.priority !== null)) throw new ApiError('VALIDATION', 'This pack holds a verdict 1 with a correction; nothing was imported.', { reason: 'pack_unreadable', file: filePath });
      }
      const counts = { imported: 0, unchanged: 0, olderThanStored: 0 };
      await db.transaction().execute(async (trx) => {
        for (const item of pack.items) {
          const stored = await trx.selectFrom('evaluations').selectAll().where('log_id', '=', item.logId).where('evaluator_id', '=', evaluator.id).executeTakeFirst();
          const values = { evaluation: item.evaluation, reason: item.reason, correct_answer: item.correctAnswer, priority: item.priority, memo: item.memo, updated_at: item.judgedAt };
          if (stored && stored.updated_at > item.judgedAt) counts.olderThanStored++;
          else if (stored && stored.evaluation === item.evaluation && stored.reason === item.reason && stored.correct_answer === item.correctAnswer && stored.priority === item.priority) counts.unchanged++;
          else {
            await trx
              .insertInto('evaluations')
              .values({ ...values, log_id: item.logId, evaluator_id: evaluator.id, status: 1, trained_dataset_id: null, created_at: item.judgedAt })
              .onConflict((oc) => oc.columns(['log_id', 'evaluator_id']).doUpdateSet(values))
              .execute();
            counts.imported++;
          }
        }
        await trx.insertInto('pack_imports').values({ pack_id: pack.packId, kind: 'result', workspace_id: workspace.id, imported_at: nowIso(), detail: JSON.stringify({ evaluator: pack.evaluator, ...counts }) }).execute();
      });
      return { ...counts, alreadyImported: false, workspaceId: workspace.id };
    },
  };
}

export type PackService = ReturnType<typeof createPackService>;
