/**
 * Admission of a raw CONNECT tunnel (tunnel mode, or an unregistered host the policy allows):
 * the policy decision (fail closed), and — when a rule says `approve` — a hold until an approver
 * answers. The approver sees who is asking and the destination (host and port); the contents of
 * a tunnel are never visible, and the request says so. The agent hanging up or the kill switch
 * withdraws the hold.
 */
import type { Socket } from 'node:net';
import type { Agent } from '../agents/registry.js';
import type { LedgerEventInput } from '../../../shared/events.js';
import { askApprover, decide, denialEvent } from './admit.js';
import type { GatewayDeps } from './deps.js';
import type { Refusal } from './deny.js';
import type { InFlight } from './inflight.js';
import type { Operation, PolicyDecision, PolicyService } from './ports.js';

export interface TunnelAsk {
  agent: Agent;
  service: PolicyService;
  operation: Operation;
  /** Shared fields of the tunnel's ledger events (agent, run, service, operation label). */
  base: { agent: string; run: string; service: string; operation: string };
  door: string;
  socket: Socket;
  record(e: LedgerEventInput): void;
}

/** `refusal.code` 'gone': the agent hung up or a kill cut the hold; nothing is left to answer. */
export type TunnelAdmission = { decision: PolicyDecision } | { refusal: Refusal };

export async function admitTunnel(
  deps: GatewayDeps,
  inflight: InFlight,
  ask: TunnelAsk,
): Promise<TunnelAdmission> {
  const { agent, service, operation, base, door, socket } = ask;
  const decision: PolicyDecision = deps.policy
    ? decide(deps.policy, { agent, service, operation })
    : { effect: 'deny', rule: 'policy-unavailable', reason: 'No policy engine is loaded.', version: -1 };
  if (decision.effect === 'allow') return { decision };
  if (decision.effect === 'deny') {
    ask.record(denialEvent(base, decision.rule, { reason: decision.reason, door, operation }));
    return { refusal: { status: 403, code: 'denied', reason: decision.reason, rule: decision.rule } };
  }

  // approve: hold the CONNECT until someone answers; the kill switch withdraws it (in-flight entry).
  const held = new AbortController();
  let killed = false;
  const entry = inflight.add({
    agent: agent.id,
    service: service.name,
    operation: base.operation,
    door,
    abort: () => {
      killed = true;
      held.abort();
    },
  });
  const approvals = deps.approvals;
  const answer = await askApprover(deps, ask.record, {
    base,
    decision,
    request: { agent, service, operation },
    door,
    summary: `${agent.id} → ${base.operation} (a raw tunnel: its contents cannot be shown)`,
    payload: { tunnel: true },
    closes: socket,
    held,
  }).finally(() => inflight.delete(entry.id));
  const halted = deps.killSwitch?.halted(agent.id, service.name);
  if (killed || halted) {
    const reason = `The kill switch is engaged${halted ? ` (${halted.kind})` : ''}.`;
    return {
      refusal: { status: 403, code: socket.destroyed ? 'gone' : 'killed', reason, rule: 'kill-switch' },
    };
  }
  if (socket.destroyed)
    return { refusal: { status: 403, code: 'gone', reason: 'The agent hung up.', rule: decision.rule } };
  if (answer === 'approved') return { decision };
  return {
    refusal: {
      status: 403,
      code: 'approval_denied',
      reason: approvals
        ? 'The tunnel was not approved.'
        : 'Approval is required but no approvals service is running.',
      rule: decision.rule,
    },
  };
}
