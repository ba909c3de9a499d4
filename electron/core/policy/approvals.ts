import { randomBytes } from 'node:crypto';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { LedgerEventInput } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { PolicyRule, PolicyRuleInput } from '../../../shared/policy/schema.js';
import { describeOperation, type Operation, type PolicyAgent } from '../../../shared/policy/request.js';
import type { LiveBus } from '../live/bus.js';
import type { PolicyEngine } from './engine.js';

export type ApprovalOutcome = 'approved' | 'denied';

export interface ApprovalRequest {
  agent: PolicyAgent;
  service: { name: string; kind: string };
  operation: Operation;
  summary: string;
  /** The approve rule that raised it. */
  rule?: string;
  timeoutSeconds?: number;
  run?: string;
  parent?: string;
  /** Aborted when the agent gives up (connection closed): the approval is withdrawn as denied. */
  signal?: AbortSignal;
}

export interface PendingApproval {
  id: string;
  agent: { id: string; name: string; template: string };
  service: { name: string; kind: string };
  operation: Operation;
  summary: string;
  rule: string;
  raisedAt: string;
  expiresAt: string;
}

export interface ApprovalAnswer {
  decision: 'approve' | 'deny';
  scope: 'once' | 'always';
  who: string;
}

interface Held {
  view: PendingApproval;
  req: ApprovalRequest;
  settle: (outcome: ApprovalOutcome, why: string, who: string) => void;
}

/**
 * Requests held by an `approve` rule until someone answers. The held request's promise only
 * resolves: approved, or denied (by a person, by timeout, or because the agent went away).
 * "Always" answers write a rule into a new policy version, then settle every other pending
 * approval that the new rule now decides.
 */
export class Approvals {
  private readonly pending = new Map<string, Held>();

  constructor(
    private readonly opts: {
      engine: PolicyEngine;
      live?: LiveBus;
      audit?: (e: LedgerEventInput) => void;
      now?: () => Date;
    },
  ) {}

  request(req: ApprovalRequest): Promise<ApprovalOutcome> {
    if (req.signal?.aborted) return Promise.resolve('denied');
    const id = randomBytes(6).toString('hex');
    const timeout = req.timeoutSeconds ?? this.opts.engine.document.defaults.approvalTimeoutSeconds;
    const now = this.now();
    const view: PendingApproval = {
      id,
      agent: { id: req.agent.id, name: req.agent.name ?? '', template: req.agent.template },
      service: req.service,
      operation: req.operation,
      summary: req.summary,
      rule: req.rule ?? '',
      raisedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + timeout * 1000).toISOString(),
    };
    this.record(req, 'raised', { approval: id, timeoutSeconds: timeout });
    return new Promise<ApprovalOutcome>((resolve) => {
      const onAbort = () => settle('denied', 'withdrawn', 'agent');
      const timer = setTimeout(() => settle('denied', 'timeout', 'gatehouse'), timeout * 1000);
      timer.unref?.();
      const settle = (outcome: ApprovalOutcome, why: string, who: string) => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        this.record(req, outcome, { approval: id, why, who });
        this.changed();
        resolve(outcome);
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { view, req, settle });
      this.changed();
    });
  }

  list(): PendingApproval[] {
    return [...this.pending.values()].map((h) => h.view);
  }

  /** Answers one approval; `always` also writes the rule and returns the new policy version. */
  answer(id: string, a: ApprovalAnswer): { outcome: ApprovalOutcome; version?: number; settled: number } {
    const held = this.pending.get(id);
    if (!held) {
      throw new GatehouseError(
        'approval_not_found',
        `No pending approval ${id} (already answered or timed out?).`,
        404,
      );
    }
    const outcome: ApprovalOutcome = a.decision === 'approve' ? 'approved' : 'denied';
    if (a.scope === 'once') {
      held.settle(outcome, 'answered once', a.who);
      return { outcome, settled: 1 };
    }
    const version = this.writeAlwaysRule(held, a);
    held.settle(outcome, 'answered always', a.who);
    let settled = 1;
    for (const other of [...this.pending.values()]) {
      const d = this.opts.engine.decide(other.req);
      if (d.effect === 'approve') continue;
      other.settle(d.effect === 'allow' ? 'approved' : 'denied', `decided by rule ${d.rule}`, a.who);
      settled++;
    }
    return { outcome, version, settled };
  }

  /** Denies everything still pending (shutdown). */
  close(): void {
    for (const h of [...this.pending.values()]) h.settle('denied', 'shutdown', 'gatehouse');
  }

  private writeAlwaysRule(held: Held, a: ApprovalAnswer): number {
    const engine = this.opts.engine;
    const approving = held.req.rule ? engine.document.rules.find((r) => r.id === held.req.rule) : undefined;
    const rule = alwaysRule(held, a, approving?.when);
    const doc = parseDocument(engine.yaml);
    const node = doc.createNode(rule);
    node.commentBefore = ` written by "${a.decision} always" (${a.who}, ${this.now().toISOString()})`;
    const rules = doc.get('rules', true);
    if (isSeq(rules)) rules.items.unshift(node);
    else if (isMap(doc.contents)) doc.set('rules', doc.createNode([rule]));
    else throw new GatehouseError('policy_invalid', 'The live policy has no rules list to add to.', 409);
    const info = engine.apply(doc.toString(), {
      author: a.who,
      note: `${a.decision} always: ${held.view.agent.id} ${describeOperation(held.req.operation)} on ${held.req.service.name}`,
    });
    return info.version;
  }

  private record(req: ApprovalRequest, status: string, payload: Record<string, unknown>): void {
    this.opts.audit?.({
      kind: 'approval',
      agent: req.agent.id,
      service: req.service.name,
      operation: describeOperation(req.operation),
      status,
      ...(req.rule ? { rule: req.rule } : {}),
      ...(req.run ? { run: req.run } : {}),
      ...(req.parent ? { parent: req.parent } : {}),
      summary: `approval ${status}: ${req.summary}`,
      payload,
    });
  }

  private changed(): void {
    this.opts.live?.publish('approvals.changed', { pending: this.pending.size });
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }
}

/**
 * The narrowest rule that decides exactly this request: this agent, this service, this operation.
 * "Approve always" also keeps the approving rule's `when` conditions (an approval for a tool call
 * writing under /tmp must not become an allow for every path); "deny always" drops them, so it
 * denies the operation whatever its arguments.
 */
function alwaysRule(held: Held, a: ApprovalAnswer, when: PolicyRule['when']): PolicyRuleInput {
  const op = held.req.operation;
  const exact = (v: string): string => {
    if (/[*?]/.test(v)) {
      throw new GatehouseError(
        'approval_not_exact',
        `Cannot write an exact rule for "${v}" (it contains * or ?); answer once, or edit the policy.`,
        409,
      );
    }
    return v;
  };
  const base: PolicyRuleInput = {
    id: `always-${a.decision}-${held.view.id}`,
    description: `${a.decision === 'approve' ? 'Approved' : 'Denied'} always by ${a.who}`,
    effect: a.decision === 'approve' ? 'allow' : 'deny',
    agent: { id: exact(held.req.agent.id) },
    service: exact(held.req.service.name),
    ...(a.decision === 'approve' ? { settlesApproval: true } : {}),
    ...(a.decision === 'approve' && when && Object.keys(when).length ? { when } : {}),
  };
  if (op.type === 'llm') return { ...base, llm: { model: exact(op.model) } };
  if (op.type === 'mcp')
    return {
      ...base,
      mcp: { server: exact(op.server), tool: exact(op.tool), ...(op.method ? { method: op.method } : {}) },
    };
  return {
    ...base,
    http: { method: exact(op.method.toUpperCase()), host: exact(op.host), path: exact(op.path) },
  };
}
