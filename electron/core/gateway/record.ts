/**
 * The ledger events of an HTTP call that reached the ledger-before-action stage: the **durable**
 * `request` event (nothing goes upstream until it is written) with the adapter's request events,
 * and, once the response is relayed, the queued `response` event with usage and cost, the
 * adapter's content events and `limits.record`.
 */
import { performance } from 'node:perf_hooks';
import type { Usage } from '../../../shared/events.js';
import type { CallBase, HttpCall, StageKit } from './call.js';
import type { DescribedOperation } from './operation.js';
import type { PolicyDecision } from './ports.js';
import { ledgerUnwritable, noLedger, Refused } from './refusals.js';
import type { RelayOutcome } from './relay.js';

/** Writes the request event durably (fail closed: no ledger, or it cannot write) and returns its id. */
export async function recordRequest(
  p: StageKit,
  call: HttpCall,
  base: CallBase,
  decision: PolicyDecision,
  described: DescribedOperation,
  requestBytes: number,
): Promise<string> {
  const { req, target, ctx } = call;
  const ledger = p.deps.ledger;
  if (!ledger) throw new Refused(noLedger());
  let requestId: string;
  try {
    requestId = await ledger.appendDurable({
      ...base,
      kind: 'request',
      decision: decision.effect,
      rule: decision.rule,
      status: 'sent',
      requestBytes,
      summary: `${req.method} ${target.url!.host}${target.url!.pathname}`,
      payload: {
        door: ctx.door,
        route: target.route,
        method: req.method,
        operation: forRecord(described.operation),
        unsandboxed: !ctx.agent.sandboxed || undefined,
        policyVersion: decision.version,
        observed: decision.observed,
      },
    });
  } catch {
    throw new Refused(ledgerUnwritable());
  }
  for (const ev of described.events) p.record({ ...base, ...ev, ...ids(call), parent: requestId });
  return requestId;
}

/** What the response event needs besides the relay's outcome. */
export interface Answered {
  base: CallBase;
  requestId: string;
  described: DescribedOperation;
  requestBytes: number;
  statusCode: number | undefined;
}

/** Records a relayed response: its event, the adapter's events, and the usage for the limits. */
export function recordResponse(p: StageKit, call: HttpCall, a: Answered, outcome: RelayOutcome): void {
  const { base, requestId, described } = a;
  const usage: Partial<Usage> | undefined = outcome.usage;
  const cost =
    usage && p.deps.adapters?.costOf && described.operation.type === 'llm'
      ? p.deps.adapters.costOf(call.target.kind, outcome.model ?? described.operation.model, usage)
      : null;
  const status = call.killed ? 'killed' : outcome.status;
  p.record({
    ...base,
    kind: 'response',
    parent: requestId,
    status,
    latencyMs: performance.now() - call.t0,
    responseBytes: outcome.bytes,
    requestBytes: a.requestBytes,
    ...(usage ? { usage } : {}),
    costUsd: cost,
    summary: `${base.operation} → ${a.statusCode}${status === 'ok' ? '' : ' ' + status}`,
    payload: { statusCode: a.statusCode, redactions: outcome.redactions || undefined },
  });
  for (const ev of outcome.events) p.record({ ...base, ...ev, ...ids(call), parent: requestId });
  try {
    p.deps.limits?.record(call.ctx.agent.id, call.service, fullUsage(usage), cost);
  } catch {
    // Accounting must not break a finished response.
  }
}

/** An adapter's event cannot rename the call it belongs to. */
function ids(call: HttpCall): { agent: string; run: string; service: string } {
  return { agent: call.ctx.agent.id, run: call.run, service: call.service };
}

/** The operation as recorded: HTTP bodies are left out (the adapters record LLM content). */
export function forRecord(op: DescribedOperation['operation']): unknown {
  if (op.type === 'http')
    return { type: op.type, method: op.method, host: op.host, path: op.path, query: op.query };
  return op;
}

/** Usage with every counter present (absent = 0), as the limits account it. */
export function fullUsage(u: Partial<Usage> | undefined): Usage {
  return {
    inputTokens: u?.inputTokens ?? 0,
    outputTokens: u?.outputTokens ?? 0,
    cacheReadTokens: u?.cacheReadTokens ?? 0,
    cacheWriteTokens: u?.cacheWriteTokens ?? 0,
    reasoningTokens: u?.reasoningTokens ?? 0,
  };
}
