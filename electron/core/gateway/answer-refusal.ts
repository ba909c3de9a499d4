/**
 * How a refused or failed HTTP call ends: counted in the gateway stats (a denial per rule, or an
 * error), recorded in the ledger where no stage has recorded it yet, and answered in the agent's
 * protocol (`sendRefusal`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpCall, RequestContext, StageKit } from './call.js';
import { sendRefusal } from './deny.js';
import { internal, Refused } from './refusals.js';
import { RouteError } from './route.js';
import type { GatewayCounters } from './stats.js';

export interface AnswerKit extends StageKit {
  readonly counters: GatewayCounters;
}

/** Refusals that are a decision (counted as denials); everything else counts as an error. */
const DENIALS = new Set(['denied', 'approval_denied', 'killed', 'limit', 'guardrail']);

/** A request no route matches (or one the router refused): an `error` event and plain HTTP. */
export function answerUnroutable(
  p: AnswerKit,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  run: string,
  e: unknown,
): void {
  const r = e instanceof RouteError ? e.refusal : internal(e);
  p.record({
    kind: 'error',
    agent: ctx.agent.id,
    run,
    status: r.code,
    summary: `${req.method} ${clip(req.url)} → ${r.status} ${r.code}`,
    payload: { door: ctx.door, rule: r.rule },
  });
  p.counters.error();
  req.resume();
  sendRefusal(res, 'http', r);
}

/**
 * A stage threw: `Refused` is answered as is, anything else as an internal failure. Kill-switch
 * and approval refusals get their `decision` event here (the stages recorded the others); an
 * `upstream_unreachable` was recorded by dispatch.
 */
export function answerRefusal(p: AnswerKit, call: HttpCall, e: unknown): void {
  const { req, res, ctx, run, service, described } = call;
  const agent = ctx.agent;
  const r = e instanceof Refused ? e.refusal : internal(e);
  if (DENIALS.has(r.code)) {
    p.counters.denied(agent.id, service, r.rule);
    if (r.code === 'killed' || r.code === 'approval_denied') {
      p.record({
        agent: agent.id,
        run,
        service,
        kind: 'decision',
        decision: 'deny',
        rule: r.rule,
        status: 'denied',
        operation: described?.label,
        summary: `${described?.label ?? req.method + ' ' + clip(req.url)} refused: ${r.reason}`,
        payload: { door: ctx.door },
      });
    }
  } else {
    p.counters.error();
    if (r.code !== 'upstream_unreachable')
      p.record({
        agent: agent.id,
        run,
        service,
        kind: 'error',
        status: r.code,
        rule: r.rule,
        operation: described?.label,
        summary: `${req.method} ${clip(req.url)} → ${r.status} ${r.code}`,
        payload: { door: ctx.door },
      });
  }
  if (!req.complete) req.resume();
  sendRefusal(res, call.target.dialect, r, described?.rpcId);
}

function clip(s: string | undefined): string {
  const v = s ?? '';
  return v.length > 120 ? v.slice(0, 120) + '…' : v;
}
