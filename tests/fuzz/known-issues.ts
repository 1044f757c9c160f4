/**
 * Open fuzz findings in code that other engineers are fixing right now. The in-suite run keeps
 * their inputs out of its corpus so the suite stays green meanwhile; `npm run fuzz` keeps them,
 * so it reports them until they are fixed. Delete an entry when its fix lands.
 */
export interface KnownIssue {
  id: string;
  /** What goes wrong, and where the fix belongs. */
  description: string;
  /** `method` is an API method, or `http:<verb>` for a raw HTTP case whose `input` is the URL path. */
  matches(method: string, input: unknown): boolean;
}

export const knownIssues: KnownIssue[] = [];

/** The id of the known issue an input would trigger, if any. */
export function knownIssueFor(method: string, input: unknown): string | null {
  return knownIssues.find((issue) => issue.matches(method, input))?.id ?? null;
}
