import { z } from 'zod';
import { api, isMethodName, type MethodName, type MethodOutput, type ParsedInput } from '../../shared/contract/api.ts';
import type { User } from '../../shared/contract/entities.ts';
import { ApiError, type ApiErrorPayload } from '../../shared/contract/errors.ts';
import type { WireResult } from '../../shared/contract/transport.ts';
import { translateSqliteError } from '../services/db/database.ts';
import { rolePermissions } from '../services/users/users.ts';
import { inputShapeProblem } from './input-limits.ts';
import type { AccessControl } from './access.ts';
import { callContext } from './call-context.ts';

/** Which front end a call came through (recorded with a signed-in session). */
export type Client = 'desktop' | 'web' | 'cli';

/** Who is calling, as the adapter resolved it from its session (IPC window, web cookie, CLI sign-in). */
export interface Caller {
  user: User;
  /** The signed-in session the call came with; null or absent in single-user mode. */
  sessionTokenHash?: string | null;
}

/** Methods anyone may call before signing in: their implementation gets a null caller then. */
export const publicMethods = ['auth.status', 'auth.signIn', 'auth.recover'] as const satisfies readonly MethodName[];
type PublicMethod = (typeof publicMethods)[number];

export type Implementations = {
  [M in MethodName]: (input: ParsedInput<M>, caller: M extends PublicMethod ? Caller | null : Caller, client: Client) => Promise<MethodOutput<M>> | MethodOutput<M>;
};

function validationError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || 'input';
  // zod starts many messages with "Invalid input: "; after "Invalid <field>: " it only repeats.
  const reason = issue?.message.replace(/^Invalid input: /, '') ?? 'invalid value';
  return new ApiError('VALIDATION', `Invalid ${field}: ${reason}.`, { field });
}

export function toErrorPayload(error: unknown): ApiErrorPayload {
  const translated = translateSqliteError(error);
  if (translated instanceof ApiError) return translated.toPayload();
  const code = (translated as { code?: string } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_CHECK' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return { code: 'VALIDATION', message: 'The data was rejected by a database rule; nothing was saved.' };
  }
  // Unknown failures: log for diagnostics, tell the user something actionable without internals.
  console.error('[evaldesk] unexpected error', error);
  return { code: 'INTERNAL', message: 'Something unexpected went wrong; nothing you typed was lost. Details are in the log.' };
}

/**
 * The single entry point every adapter uses: unknown method -> NOT_FOUND, input checked for depth
 * and size and then validated by the contract's schema, permission checked against the caller's
 * role, then the implementation.
 * It never throws; failures come back as error payloads.
 */
export function createDispatcher(implementations: Implementations, access?: Pick<AccessControl, 'check'>) {
  return async function dispatch(method: unknown, rawInput: unknown, caller: Caller | null, client: Client = 'desktop'): Promise<WireResult> {
    try {
      if (!isMethodName(method)) throw new ApiError('NOT_FOUND', `Unknown API method ${String(method).slice(0, 100)}.`);
      const spec = api[method];
      // Before the schema: its checks recurse, and a deep enough value would overflow the stack.
      const shapeProblem = inputShapeProblem(rawInput);
      if (shapeProblem) throw new ApiError('VALIDATION', shapeProblem.message, { field: shapeProblem.field });
      const parsed = spec.input.safeParse(rawInput ?? {});
      if (!parsed.success) throw validationError(parsed.error);
      if (spec.permission !== 'public') {
        if (!caller) throw new ApiError('UNAUTHENTICATED', 'Sign in first.', { reason: 'signed_out' });
        if (!rolePermissions[caller.user.role].has(spec.permission)) {
          throw new ApiError('FORBIDDEN', `Your role (${caller.user.role}) may not do this (${method}).`, { method, role: caller.user.role });
        }
        // Where: the workspace (or the row of one) the call names must be one the caller may use.
        await access?.check(method, parsed.data as never, caller.user);
      }
      const implementation = implementations[method] as (input: unknown, caller: Caller | null, client: Client) => Promise<unknown>;
      const run = () => implementation(parsed.data, caller, client);
      // Everything the call starts (jobs, events) knows whom it is for.
      return { ok: true, value: await (caller ? callContext.run({ userId: caller.user.id }, run) : run()) };
    } catch (error) {
      return { ok: false, error: toErrorPayload(error) };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
