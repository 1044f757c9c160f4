import type { z } from 'zod';

/**
 * What a caller must be allowed to do to call a method. Checked in the main process by the one
 * dispatcher every adapter goes through, never in the UI. `public`: no sign-in needed (the
 * sign-in itself); `signedIn`: any signed-in user (their own account); `admin`: users, the audit
 * log and app-wide settings. The others are what each role may do with workspaces they can use.
 */
export type Permission = 'public' | 'signedIn' | 'read' | 'ask' | 'evaluate' | 'export' | 'manage' | 'admin';

export interface MethodSpec<Input extends z.ZodType, Output> {
  input: Input;
  permission: Permission;
  /** Phantom field: carries the output type; never set at run time. */
  output?: Output;
}

/** Declares a method: its validated input and required permission; the output type is a type argument. */
export function method<Output>() {
  return <Input extends z.ZodType>(spec: { input: Input; permission: Permission }): MethodSpec<Input, Output> => spec;
}

/** Declares an event stream pushed from the main process; the payload type is a type argument. */
export function event<Payload>(): { payload?: Payload } {
  return {};
}
