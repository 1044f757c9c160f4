import type { z } from 'zod';

/**
 * What a caller must be allowed to do to call a method. Checked in the main process by the one
 * dispatcher every adapter goes through, never in the UI.
 */
export type Permission = 'read' | 'ask' | 'evaluate' | 'export' | 'manage';

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
