/**
 * The stream of requests: every raw HTTP and socket case once up front (as far as the budget
 * allows), then contract calls cycling through every method in a seeded order, with raw cases
 * mixed in at random.
 */
import { methodNames, type MethodName } from '../../shared/contract/api.ts';
import { maxRequestBytes, webBridgePaths } from '../../shared/contract/web-bridge-protocol.ts';
import type { RawRequest } from './http.ts';
import { knownIssueFor } from './known-issues.ts';
import type { Random } from './prng.ts';
import { rawCases, type RawCase } from './raw-cases.ts';
import { generateInput, requestBody, type GenerationContext } from './schema-inputs.ts';
import { wsCases, type WsCase } from './ws-cases.ts';

export type PlannedRequest = { method: string; label: string } & ({ kind: 'http'; request: RawRequest; expect: RawCase['expect'] } | { kind: 'ws'; socket: WsCase });

export interface PlanOptions {
  random: Random;
  inputs: GenerationContext;
  token: string;
  /** The target's port: raw cases name it in their Host header, and it changes on a restart. */
  port(): number;
  /** Leave out inputs of known open findings (tests/fuzz/known-issues.ts), noting each. */
  skipKnown: ((issue: string) => void) | null;
  /** The requests to plan; a quarter at most goes to the up-front raw cases. */
  requests: number;
}

/** What a planned request sent, as text: the oracle lets an answer repeat what the caller sent. */
export function sentText(planned: PlannedRequest): string {
  if (planned.kind === 'ws') return planned.label;
  const { request } = planned;
  return typeof request.body === 'string' ? request.body : `${request.method} ${request.path} ${JSON.stringify(request.headers)}`;
}

export function createPlan(options: PlanOptions) {
  const { random, token, skipKnown } = options;
  const known = (method: string, input: unknown) => {
    const issue = skipKnown ? knownIssueFor(method, input) : null;
    if (issue) skipKnown?.(issue);
    return issue !== null;
  };

  let hostile = { port: -1, cases: [] as PlannedRequest[] };
  const hostileCases = () => {
    if (hostile.port !== options.port()) {
      const http = rawCases(token, options.port())
        .filter((c) => !known(`http:${c.request.method}`, c.request.path))
        .map((c): PlannedRequest => ({ kind: 'http', method: `http:${c.request.method}`, label: c.label, request: c.request, expect: c.expect }));
      const sockets = wsCases(token).map((socket): PlannedRequest => ({ kind: 'ws', method: 'ws', label: socket.label, socket }));
      hostile = { port: options.port(), cases: [...sockets, ...http] };
    }
    return hostile.cases;
  };

  const contractCall = (method: MethodName): PlannedRequest => {
    for (;;) {
      const generated = generateInput(method, options.inputs);
      if (known(method, generated.input)) continue;
      const body = requestBody(method, generated);
      return {
        kind: 'http',
        method,
        label: generated.label,
        // The bridge answers an oversized body with 413 and closes the connection mid-upload.
        expect: Buffer.byteLength(body) > maxRequestBytes ? 'dropped-ok' : 'json',
        request: { method: 'POST', path: webBridgePaths.call, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body },
      };
    }
  };

  const upfront = Math.min(hostileCases().length, Math.floor(options.requests / 4));
  let cycle: MethodName[] = [];
  return {
    next(index: number): PlannedRequest {
      if (index < upfront) return hostileCases()[index]!;
      if (random.chance(0.05)) return random.pick(hostileCases());
      if (cycle.length === 0) cycle = random.shuffle(methodNames);
      return contractCall(cycle.pop()!);
    },
  };
}
