/** The fuzz report: counts by method and answer, and each finding with what replays it. */
import type { FindingKind, Problem } from './oracle.ts';

export interface Finding {
  kind: FindingKind;
  seed: number;
  /** 1-based: `npm run fuzz -- <request> <seed>` replays the run up to and including it. */
  request: number;
  method: string;
  label: string;
  /** The request body (or HTTP verb and path), cut short when long. */
  input: string;
  detail: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  durationMs: number;
  byMethod: Record<string, number>;
  /** `ok`, an error code, `http-<status>` for non-JSON answers, `dropped`, `timeout`, `ws-<end>`. */
  byCode: Record<string, number>;
  crashes: number;
  hangs: number;
  internalErrors: number;
  leaks: number;
  stackTraces: number;
  malformed: number;
  pollution: number;
  integrity: string;
  serverRestarts: number;
  /** In-suite runs only: generated inputs left out because they hit a known open finding. */
  skippedKnownIssues: Record<string, number>;
  /** Server folders no longer checked for leaks, and the request that named them (oracle.ts). */
  leakCheckRetired: Record<string, number>;
  findings: Finding[];
}

/** What a finding is about: enough to tell it apart and to read it without replaying. */
export interface FindingSubject {
  method: string;
  label: string;
  input: string;
}

/** Findings beyond this many are counted, not listed. */
const maxListedFindings = 100;

const counterOf: Record<Exclude<FindingKind, 'integrity'>, keyof FuzzReport> = {
  crash: 'crashes',
  hang: 'hangs',
  internal: 'internalErrors',
  leak: 'leaks',
  stack: 'stackTraces',
  malformed: 'malformed',
  pollution: 'pollution',
};

export function excerpt(text: string, max = 600): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (+${text.length - max} chars)`;
}

export function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export function createReport(seed: number): FuzzReport {
  return {
    seed,
    requests: 0,
    durationMs: 0,
    byMethod: {},
    byCode: {},
    crashes: 0,
    hangs: 0,
    internalErrors: 0,
    leaks: 0,
    stackTraces: 0,
    malformed: 0,
    pollution: 0,
    integrity: 'not checked',
    serverRestarts: 0,
    skippedKnownIssues: {},
    leakCheckRetired: {},
    findings: [],
  };
}

/** Counts a problem against the request (0-based index) that showed it, and lists it. */
export function recordFinding(report: FuzzReport, index: number, subject: FindingSubject | null, problem: Problem): Finding {
  if (problem.kind !== 'integrity') (report[counterOf[problem.kind]] as number) += 1;
  const finding: Finding = {
    kind: problem.kind,
    seed: report.seed,
    request: index + 1,
    method: subject?.method ?? '-',
    label: subject?.label ?? '-',
    input: excerpt(subject?.input ?? ''),
    detail: excerpt(problem.detail, 2000),
  };
  if (report.findings.length < maxListedFindings) report.findings.push(finding);
  return finding;
}

/** All findings of a report, whatever their kind. */
export function findingCount(report: FuzzReport): number {
  return report.crashes + report.hangs + report.internalErrors + report.leaks + report.stackTraces + report.malformed + report.pollution + (report.integrity === 'ok' ? 0 : 1);
}

/** A request counts once per kind of finding; the details of the others are kept alongside. */
export function onePerKind(problems: Problem[]): Problem[] {
  const byKind = new Map<FindingKind, string[]>();
  for (const problem of problems) byKind.set(problem.kind, [...(byKind.get(problem.kind) ?? []), problem.detail]);
  return [...byKind].map(([kind, details]) => ({ kind, detail: [...new Set(details)].join(' | ') }));
}
