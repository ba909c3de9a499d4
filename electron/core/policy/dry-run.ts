import { describeOperation, type PolicyRequest } from '../../../shared/policy/request.js';
import type { CompiledPolicy } from './compile.js';

/** Where recorded requests come from (the gateway provides it from the ledger's request events). */
export interface RecentRequests {
  recent(n: number): PolicyRequest[];
}

export interface DecisionChange {
  /** Position in the evaluated list (0 = most recent as the source returned it). */
  index: number;
  agent: string;
  service: string;
  operation: string;
  before: { effect: string; rule: string };
  after: { effect: string; rule: string };
  /** False when only the deciding rule changed (same effect, different rule). */
  effectChanged: boolean;
}

export interface DryRunReport {
  evaluated: number;
  unchanged: number;
  changes: DecisionChange[];
  /** e.g. { "allow→deny": 3 } */
  summary: Record<string, number>;
}

/** Evaluates every request under the live policy and the draft; reports each one whose effect or rule differs. */
export function dryRun(
  live: CompiledPolicy,
  draft: CompiledPolicy,
  requests: readonly PolicyRequest[],
): DryRunReport {
  const changes: DecisionChange[] = [];
  const summary: Record<string, number> = {};
  requests.forEach((req, index) => {
    const before = safeDecide(live, req);
    const after = safeDecide(draft, req);
    if (before.effect === after.effect && before.rule === after.rule) return;
    changes.push({
      index,
      agent: req.agent.id,
      service: req.service.name,
      operation: safeDescribe(req),
      before,
      after,
      effectChanged: before.effect !== after.effect,
    });
    const key = `${before.effect}→${after.effect}`;
    summary[key] = (summary[key] ?? 0) + 1;
  });
  return { evaluated: requests.length, unchanged: requests.length - changes.length, changes, summary };
}

function safeDecide(p: CompiledPolicy, req: PolicyRequest): { effect: string; rule: string } {
  try {
    const d = p.decide(req);
    return { effect: d.effect, rule: d.rule };
  } catch {
    return { effect: 'deny', rule: 'policy-error' };
  }
}

function safeDescribe(req: PolicyRequest): string {
  try {
    return describeOperation(req.operation);
  } catch {
    return '(unreadable operation)';
  }
}
