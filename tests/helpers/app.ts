import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract/api.ts';
import { ApiError, isApiErrorPayload } from '../../shared/contract/errors.ts';
import { createAppCore, type AppCore, type AppCoreOptions } from '../../electron/core/app-core.ts';
import type { Caller } from '../../electron/core/dispatcher.ts';
import type { UserRole } from '../../shared/contract/entities.ts';

export function tempDir(prefix = 'evaldesk-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestApp {
  core: AppCore;
  dataDir: string;
  /** Calls through the real dispatcher (validation + permissions), throwing ApiErrors like a client. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Sends an arbitrary payload, as a hostile or buggy client could. */
  raw(method: string, input: unknown): Promise<ReturnType<AppCore['dispatch']> extends Promise<infer R> ? R : never>;
  close(): Promise<void>;
}

/** A real app core on a fresh temp data folder, CPU only with one thread (see ENGINEERING.md). */
export async function openTestApp(
  options: { dataDir?: string; lockDataDir?: boolean; watchIntervalMs?: number } & Pick<AppCoreOptions, 'ingestWorkerPath' | 'embedderLoadTimeoutMs' | 'sqlRouteGenerator' | 'graphGenerator' | 'flashAttention' | 'gpu'> = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? tempDir();
  const core = await createAppCore({
    dataDir,
    appVersion: '0.0.0-test',
    threads: 1,
    // Only a benchmark run on a GPU machine asks for one (bench/device).
    gpu: options.gpu ?? 'cpu',
    lockDataDir: options.lockDataDir ?? false,
    watchIntervalMs: options.watchIntervalMs ?? 0,
    ...(options.ingestWorkerPath && { ingestWorkerPath: options.ingestWorkerPath }),
    ...(options.embedderLoadTimeoutMs !== undefined && { embedderLoadTimeoutMs: options.embedderLoadTimeoutMs }),
    ...(options.sqlRouteGenerator && { sqlRouteGenerator: options.sqlRouteGenerator }),
    ...(options.graphGenerator && { graphGenerator: options.graphGenerator }),
    ...(options.flashAttention && { flashAttention: options.flashAttention }),
  });
  return {
    core,
    dataDir,
    call: (method, input) => callAs(core, core.localCaller())(method, input),
    raw: (method, input) => core.dispatch(method, input, core.localCaller()),
    close: async () => {
      await core.close();
    },
  };
}

/** Asserts that a promise rejects with an ApiError of the given code, returning it for more checks. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError && error.code === code) return error;
    throw new Error(`Expected ApiError ${code}, got ${error instanceof ApiError ? `${error.code}: ${error.message}` : String(error)}`);
  }
  throw new Error(`Expected ApiError ${code}, but the call succeeded`);
}

/** Calls through the real dispatcher as a given caller (another user, another role). */
export function callAs(core: AppCore, caller: Caller) {
  return async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => {
    const result = await core.dispatch(method, input, caller);
    if (result.ok) return result.value as MethodOutput<M>;
    throw isApiErrorPayload(result.error) ? ApiError.fromPayload(result.error) : new Error(result.error.message);
  };
}

/**
 * A second person, created through the API as the local admin would (users.create), and made a
 * member of `memberOf` workspaces. Returns their caller, to call the real dispatcher as them.
 */
export async function addUser(app: TestApp, options: { username: string; role?: UserRole; securityLevel?: 1 | 2 | 3; memberOf?: number[]; password?: string }): Promise<Caller> {
  const { user } = await app.call('users.create', {
    username: options.username,
    displayName: options.username.toUpperCase(),
    role: options.role ?? 'evaluator',
    securityLevel: options.securityLevel ?? 1,
    password: options.password ?? 'correct horse battery 9',
  });
  for (const workspaceId of options.memberOf ?? []) await app.call('workspaces.setMember', { workspaceId, userId: user.id, member: true });
  return { user };
}
