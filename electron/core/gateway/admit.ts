/**
 * Admission of an HTTP call once its operation is known: the policy decision (fail closed when
 * there is no engine or it throws), approvals (the call is held; the agent disconnecting or a
 * kill withdraws it) and limits. Each refusal is recorded and thrown as `Refused`.
 */
import type { LedgerEventInput } from '../../../shared/events.js';
import { callBase, type CallBase, type HttpCall, type StageKit } from './call.js';
import type { DescribedOperation } from './operation.js';
import type { PolicyDecision, PolicyPort, PolicyRequest } from './ports.js';
import { forRecord } from './record.js';
import { noPolicy, refuse, Refused } from './refusals.js';

/** The policy's decision; an engine that throws denies (rule `policy-error`). */
export function decide(policy: PolicyPort, request: PolicyRequest): PolicyDecision {
  try {
    return policy.decide(request);
  } catch {
    return {
      effect: 'deny',
      rule: 'policy-error',
      reason: 'The policy engine failed on this request.',
      version: -1,
    };
  }
}

/** The `decision` event of a call the policy denied (also a denied CONNECT tunnel's). */
export function denialEvent(base: CallBase, rule: string, payload: unknown): LedgerEventInput {
  return {
    ...base,
    kind: 'decision',
    decision: 'deny',
    rule,
    status: 'denied',
    summary: `${base.operation} denied by ${rule}`,
    payload,
  };
}

/**
 * Policy → approvals → limits. Returns the decision the call goes ahead under, or undefined when
 * the call ended (killed, or the agent left) while it was held for approval.
 */
export async function admit(
  p: StageKit,
  call: HttpCall,
  described: DescribedOperation,
): Promise<PolicyDecision | undefined> {
  const { agent } = call.ctx;
  const { operation, label } = described;
  const policyRequest = { agent, service: { name: call.service, kind: call.target.kind }, operation };

  const policy = p.deps.policy;
  if (!policy) throw new Refused(noPolicy());
  const decision = decide(policy, policyRequest);
  const base = callBase(call, label);
  if (decision.effect === 'deny') {
    p.record(
      denialEvent(base, decision.rule, {
        reason: decision.reason,
        door: call.ctx.door,
        operation: forRecord(operation),
        observed: decision.observed,
        policyVersion: decision.version,
      }),
    );
    throw refuse(403, 'denied', decision.reason, decision.rule);
  }
  if (decision.effect === 'approve' && !(await hold(p, call, base, decision, policyRequest)))
    return undefined;
  checkLimits(p, call, base);
  return decision;
}

/** What an approver is asked about, and what withdraws the question. */
export interface ApproverAsk {
  base: CallBase;
  decision: PolicyDecision;
  request: PolicyRequest;
  door: string;
  /** The line the approver reads (default: `<agent> → <operation>`). */
  summary?: string;
  /** Extra fields on the `held` decision event. */
  payload?: Record<string, unknown>;
  /** Its 'close' (the agent hung up) withdraws the question. */
  closes: NodeJS.EventEmitter;
  /** Aborting it (e.g. the kill switch) withdraws the question too. */
  held?: AbortController;
}

/**
 * Records the `held` decision and asks an approver (the HTTP door and raw tunnels share this).
 * No approvals service answers 'denied'.
 */
export async function askApprover(
  deps: Pick<StageKit['deps'], 'approvals'>,
  record: (e: LedgerEventInput) => void,
  a: ApproverAsk,
): Promise<'approved' | 'denied'> {
  const { base, decision, request } = a;
  record({
    ...base,
    kind: 'decision',
    decision: 'approve',
    rule: decision.rule,
    status: 'held',
    summary: `${base.operation} held for approval (${decision.rule})`,
    payload: { reason: decision.reason, door: a.door, operation: forRecord(request.operation), ...a.payload },
  });
  if (!deps.approvals) return 'denied';
  const held = a.held ?? new AbortController();
  const cancel = (): void => held.abort();
  a.closes.once('close', cancel);
  try {
    return await deps.approvals.request({
      agent: request.agent,
      service: request.service,
      operation: request.operation,
      summary: a.summary ?? `${request.agent.id} → ${base.operation}`,
      rule: decision.rule,
      ...(decision.approvalTimeoutSeconds ? { timeoutSeconds: decision.approvalTimeoutSeconds } : {}),
      run: base.run,
      signal: held.signal,
    });
  } finally {
    a.closes.off('close', cancel);
  }
}

/** Holds the call for an approver; false when it ended meanwhile. Anything but 'approved' refuses. */
async function hold(
  p: StageKit,
  call: HttpCall,
  base: CallBase,
  decision: PolicyDecision,
  request: PolicyRequest,
): Promise<boolean> {
  const { res } = call;
  const approvals = p.deps.approvals;
  const answer = await askApprover(p.deps, (e) => p.record(e), {
    base,
    decision,
    request,
    door: call.ctx.door,
    closes: res,
  });
  if (call.killed || res.destroyed) return false;
  if (answer !== 'approved')
    throw refuse(
      403,
      'approval_denied',
      approvals
        ? 'The request was not approved.'
        : 'Approval is required but no approvals service is running.',
      decision.rule,
    );
  return true;
}

function checkLimits(p: StageKit, call: HttpCall, base: CallBase): void {
  const limits = p.deps.limits;
  if (!limits) return;
  const check = limits.check(call.ctx.agent.id, call.service);
  if (check.ok) return;
  p.record({
    ...base,
    kind: 'limit',
    rule: check.rule,
    status: 'denied',
    summary: `${base.operation} refused: ${check.reason}`,
  });
  throw refuse(429, 'limit', check.reason, check.rule);
}
