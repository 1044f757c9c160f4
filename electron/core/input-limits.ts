/**
 * Limits on the shape of any API input, checked before schema validation. Schema checks and
 * serialisers recurse: a value nested 10,000 levels deep (an IPC or web caller can send one)
 * overflows the stack inside them and surfaced as INTERNAL. This walk uses an explicit stack,
 * so no input is too deep or too big for it.
 */

/** No method's input comes close: the deepest legitimate value is a draft a few levels deep. */
export const maxInputDepth = 64;
/**
 * Above what any schema limit lets through (a 1 MB draft holds at most ~500,000 values), so
 * this only stops inputs that were never going to validate, before they cost anything.
 */
export const maxInputValues = 1_000_000;

export interface InputShapeProblem {
  /** The top-level field holding the problem (`value`, `filters`), or `input`. */
  field: string;
  message: string;
}

/** The first way `input` is too deeply nested or has too many values, or null when it is fine. */
export function inputShapeProblem(input: unknown): InputShapeProblem | null {
  // Each entry: a value, its depth, and the top-level field it belongs to (named in the error).
  const pending: Array<{ value: unknown; depth: number; field: string }> = [{ value: input, depth: 0, field: 'input' }];
  let values = 1;
  while (pending.length > 0) {
    const { value, depth, field } = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxInputDepth) {
      return { field, message: `Invalid ${field}: it is nested more than ${maxInputDepth} levels deep.` };
    }
    // Counted before walking, so a huge (or sparse, from IPC) array is refused without a walk.
    const keys = Array.isArray(value) ? null : Object.keys(value);
    values += keys ? keys.length : (value as unknown[]).length;
    if (values > maxInputValues) {
      return { field: 'input', message: `Invalid input: it holds more than ${maxInputValues.toLocaleString('en')} values.` };
    }
    const childField = (key: string) => (depth === 0 ? key : field);
    if (keys) for (const key of keys) pending.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, field: childField(key) });
    else (value as unknown[]).forEach((item, index) => pending.push({ value: item, depth: depth + 1, field: childField(String(index)) }));
  }
  return null;
}
