import type { MethodName, ParsedInput } from '../../shared/contract/api.ts';
import type { User } from '../../shared/contract/entities.ts';
import type { WorkspaceVisibility } from '../../shared/contract/people.ts';
import { ApiError } from '../../shared/contract/errors.ts';
import type { Db } from '../services/db/database.ts';
import type { DatabaseSchema } from '../services/db/schema.ts';
import { rolesSeeingAllWorkspaces } from '../services/users/users.ts';

/**
 * Which workspace a call touches, for every method of the contract (issue 14). The role check
 * (shared/contract `permission`) says what a role may do; this says where: an admin or manager
 * anywhere, an evaluator or viewer only in the workspaces they are members of.
 *
 * - `global`: no workspace (models, settings, the caller's own account, users and the audit log,
 *   whose permission is admin or manage); a service that lists across workspaces narrows the
 *   list to the caller's (workspaces.list, logs.query).
 * - `workspace`: the input names the workspace; a non-member is FORBIDDEN.
 * - `entity`: the input names a row of a workspace; for a non-member the row does not exist
 *   (NOT_FOUND, as for a missing id), so ids of other workspaces reveal nothing.
 * - `optionalWorkspace`: a filter that may name a workspace; without one, only a role that sees
 *   every workspace may call it, or the service narrows it (`narrowed`).
 *
 * The table is typed as a Record of every method: a new method without a rule does not compile,
 * and tests/access.test.ts calls each one as each role.
 */
type Resolver<M extends MethodName> = (input: ParsedInput<M>) => number | undefined;
type EntityTable = 'sessions' | 'conversation_logs' | 'ab_comparisons' | 'question_sets' | 'batch_runs' | 'documents' | 'review_queues' | 'prompt_templates' | 'threads';
export type AccessRule<M extends MethodName> =
  | { kind: 'global' }
  | { kind: 'workspace'; of: Resolver<M> }
  | { kind: 'entity'; table: EntityTable; of: Resolver<M> }
  | { kind: 'optionalWorkspace'; of: Resolver<M>; narrowed: boolean };

const global = { kind: 'global' } as const;
const workspace = <M extends MethodName>(of: Resolver<M>): AccessRule<M> => ({ kind: 'workspace', of });
const entity = <M extends MethodName>(table: EntityTable, of: Resolver<M>): AccessRule<M> => ({ kind: 'entity', table, of });
const optionalWorkspace = <M extends MethodName>(of: Resolver<M>, narrowed: boolean): AccessRule<M> => ({ kind: 'optionalWorkspace', of, narrowed });

export const accessRules: { [M in MethodName]: AccessRule<M> } = {
  'app.info': global,
  'settings.get': global,
  'settings.update': global,
  'users.current': global,
  'users.list': global,
  'users.create': global,
  'users.update': global,
  'auth.status': global,
  'auth.signIn': global,
  'auth.recover': global,
  'auth.signOut': global,
  'auth.changePassword': global,
  'auth.newRecoveryCodes': global,
  'auth.enableMultiUser': global,
  'auth.setPasswordPolicy': global,
  'audit.query': global,
  'audit.csv': global,

  'workspaces.list': global,
  'workspaces.create': global,
  'workspaces.get': workspace((input) => input.id),
  'workspaces.update': workspace((input) => input.id),
  'workspaces.delete': workspace((input) => input.id),
  'workspaces.members': workspace((input) => input.workspaceId),
  'workspaces.setMember': workspace((input) => input.workspaceId),

  'models.list': global,
  'models.scan': global,
  'models.add': global,
  'models.update': global,
  'models.remove': global,
  'adapters.import': global,
  'versions.register': global,
  'versions.list': global,
  'runtime.status': global,
  'runtime.load': global,
  'runtime.unload': global,
  'embedders.list': global,
  'downloads.catalog': global,
  'downloads.start': global,
  'downloads.discard': global,
  'files.browse': global,
  // Jobs and requests are checked against who started them (jobs.ts, chat-service.ts).
  'jobs.cancel': global,
  'chat.stop': global,
  // A user's own drafts.
  'drafts.get': global,
  'drafts.save': global,
  'drafts.discard': global,
  // Datasets span workspaces; exporting and marking trained need the export permission.
  'datasets.list': global,
  'export.markTrained': global,

  'sessions.start': workspace((input) => input.workspaceId),
  'sessions.end': entity('sessions', (input) => input.id),
  'sessions.get': entity('sessions', (input) => input.id),
  'chat.ask': entity('sessions', (input) => input.sessionId),
  'chat.history': entity('sessions', (input) => input.sessionId),
  'threads.list': workspace((input) => input.workspaceId),
  'threads.rename': entity('threads', (input) => input.id),
  'threads.archive': entity('threads', (input) => input.id),
  'threads.history': entity('threads', (input) => input.id),

  'logs.query': optionalWorkspace((input) => input.filters.workspaceId, true),
  'logs.count': optionalWorkspace((input) => input.filters.workspaceId, true),
  'logs.nextUnevaluated': optionalWorkspace((input) => input.workspaceId, true),
  'logs.get': entity('conversation_logs', (input) => input.id),
  'evaluations.save': entity('conversation_logs', (input) => input.logId),
  'export.run': optionalWorkspace((input) => input.filters.workspaceId, false),

  'ab.ask': workspace((input) => input.workspaceId),
  'ab.choose': entity('ab_comparisons', (input) => input.comparisonId),
  'ab.tally': workspace((input) => input.workspaceId),

  'questionSets.list': workspace((input) => input.workspaceId),
  'questionSets.create': workspace((input) => input.workspaceId),
  'questionSets.get': entity('question_sets', (input) => input.id),
  'questionSets.addItems': entity('question_sets', (input) => input.setId),
  'questionSets.update': entity('question_sets', (input) => input.id),
  'questionSets.delete': entity('question_sets', (input) => input.id),
  'questionSets.previewImport': global,
  'questionSets.import': entity('question_sets', (input) => input.setId),
  'runs.start': entity('question_sets', (input) => input.setId),
  'runs.resume': entity('batch_runs', (input) => input.id),
  'runs.list': workspace((input) => input.workspaceId),
  'runs.get': entity('batch_runs', (input) => input.id),
  'rejudge.items': entity('batch_runs', (input) => input.runId),
  'rejudge.save': entity('batch_runs', (input) => input.runId),
  'scorecards.get': workspace((input) => input.workspaceId),
  'scorecards.csv': workspace((input) => input.workspaceId),
  'report.create': workspace((input) => input.workspaceId),

  'documents.list': workspace((input) => input.workspaceId),
  'documents.addFiles': workspace((input) => input.workspaceId),
  'documents.addText': workspace((input) => input.workspaceId),
  'documents.sync': optionalWorkspace((input) => input.workspaceId, false),
  'documents.reembed': workspace((input) => input.workspaceId),
  'documents.remove': entity('documents', (input) => input.id),
  'documents.setPinned': entity('documents', (input) => input.id),
  'documents.setWatched': entity('documents', (input) => input.id),
  'documents.syncRuns': entity('documents', (input) => input.documentId),
  'documents.passage': entity('documents', (input) => input.documentId),
  'documents.graph': entity('documents', (input) => input.documentId),
  'graph.entities': workspace((input) => input.workspaceId),
  'graph.extract': workspace((input) => input.workspaceId),
  'documents.previewRecords': workspace((input) => input.workspaceId),
  'documents.importRecords': workspace((input) => input.workspaceId),
  'documents.recordHistory': workspace((input) => input.workspaceId),
  'documents.sourceTypes': workspace((input) => input.workspaceId),

  'reviews.createQueue': workspace((input) => input.workspaceId),
  'reviews.queues': workspace((input) => input.workspaceId),
  'reviews.myQueue': entity('review_queues', (input) => input.queueId),
  'reviews.agreement': workspace((input) => input.workspaceId),
  'reviews.adjudicate': entity('conversation_logs', (input) => input.logId),
  'packs.export': entity('review_queues', (input) => input.queueId),
  // Opening a pack makes a workspace of its own; importing results checks the pack's workspace itself.
  'packs.open': global,
  'packs.exportResults': workspace((input) => input.workspaceId),
  'packs.importResults': global,

  'prompts.templates': workspace((input) => input.workspaceId),
  'prompts.saveTemplate': workspace((input) => input.workspaceId),
  'prompts.deleteTemplate': entity('prompt_templates', (input) => input.id),
  'prompts.versions': workspace((input) => input.workspaceId),
  'prompts.current': workspace((input) => input.workspaceId),
  // The caller's own preferences.
  'preferences.get': global,
  'preferences.update': global,
};


/** Rows whose workspace is remembered; a row never moves to another workspace, so no entry goes stale. */
const maxRemembered = 50_000;

/**
 * Checks where a call may go. Memberships are read once per user and kept until they change
 * (workspaces.setMember and users.update call `forget`), and a row's workspace is remembered once
 * read: the check costs a few map lookups per call, not queries (issue 14: <= 2 % per call).
 */
export function createAccessControl(db: Db) {
  const memberships = new Map<number, ReadonlySet<number>>();
  const rowWorkspaces = new Map<string, number>();

  async function membershipsOf(userId: number): Promise<ReadonlySet<number>> {
    let known = memberships.get(userId);
    if (!known) {
      const rows = await db.selectFrom('workspace_members').select('workspace_id').where('user_id', '=', userId).execute();
      known = new Set(rows.map((row) => row.workspace_id));
      memberships.set(userId, known);
    }
    return known;
  }

  async function visibleWorkspaces(user: User): Promise<WorkspaceVisibility> {
    return rolesSeeingAllWorkspaces.has(user.role) ? 'all' : membershipsOf(user.id);
  }

  async function isMember(user: User, workspaceId: number): Promise<boolean> {
    return rolesSeeingAllWorkspaces.has(user.role) || (await membershipsOf(user.id)).has(workspaceId);
  }

  async function workspaceOfRow(table: EntityTable, id: number): Promise<number | null> {
    const key = `${table}:${id}`;
    const known = rowWorkspaces.get(key);
    if (known !== undefined) return known;
    const row = (await db
      .selectFrom(table as keyof DatabaseSchema & EntityTable)
      .select('workspace_id')
      .where('id', '=', id)
      .executeTakeFirst()) as { workspace_id: number } | undefined;
    if (!row) return null;
    if (rowWorkspaces.size >= maxRemembered) rowWorkspaces.clear();
    rowWorkspaces.set(key, row.workspace_id);
    return row.workspace_id;
  }

  return {
    visibleWorkspaces,
    isMember,
    /** Memberships of `userId` (or everyone's) changed: read them again at the next check. */
    forget(userId?: number): void {
      if (userId === undefined) memberships.clear();
      else memberships.delete(userId);
    },

    /** Refuses the call when `user` may not touch what `input` names; resolves when it may. */
    async check<M extends MethodName>(method: M, input: ParsedInput<M>, user: User): Promise<void> {
      const rule = accessRules[method] as AccessRule<M>;
      if (rule.kind === 'global') return;
      const id = rule.of(input);
      if (rule.kind === 'entity') {
        if (id === undefined || rolesSeeingAllWorkspaces.has(user.role)) return;
        const workspaceId = await workspaceOfRow(rule.table, id);
        // Missing, or in a workspace the caller is not a member of: the same answer.
        if (workspaceId === null || !(await isMember(user, workspaceId))) throw new ApiError('NOT_FOUND', `No such ${rule.table.replace(/s$/, '').replace(/_/g, ' ')} (${id}).`, { entity: rule.table, id });
        return;
      }
      if (id === undefined) {
        if (rule.kind === 'optionalWorkspace' && (rule.narrowed || rolesSeeingAllWorkspaces.has(user.role))) return;
        throw new ApiError('FORBIDDEN', 'Choose a workspace you are a member of.', { reason: 'workspace_required', method });
      }
      if (!(await isMember(user, id))) throw new ApiError('FORBIDDEN', 'You are not a member of this workspace.', { reason: 'not_member', workspaceId: id });
    },
  };
}

export type AccessControl = ReturnType<typeof createAccessControl>;
