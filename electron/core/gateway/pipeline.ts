/**
 * The pipeline every door feeds, read top to bottom: route (side routes /mcp and /gate handed
 * off), the in-flight entry the kill switch cuts, then the stages in order. It also owns run ids
 * and the best-effort `record`. Each stage lives in its own file (README.md, "The pipeline").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { Agent } from '../agents/registry.js';
import { admit } from './admit.js';
import { answerRefusal, answerUnroutable } from './answer-refusal.js';
import { parseJson, readBody } from './body.js';
import { callBase, type HttpCall, type RequestContext } from './call.js';
import type { GatewayDeps } from './deps.js';
import { dispatch, type DispatchKit } from './dispatch.js';
import { handleGateRoute } from './gate-route.js';
import type { InFlight, InFlightEntry } from './inflight.js';
import { outbound } from './inject.js';
import { handleMcpRoute } from './mcp-route.js';
import { describeOperation } from './operation.js';
import { recordRequest } from './record.js';
import { refuse, Refused } from './refusals.js';
import { scanRequest } from './request-scan.js';
import { resolveTarget, RouteError, type Target } from './route.js';
import type { GatewayCounters } from './stats.js';
import type { Upstream } from './upstream.js';

export type { RequestContext } from './call.js';

export interface PipelineOptions {
  maxBodyBytes: number;
  maxScanBytes: number;
}

/**
 * The one pipeline every door feeds: identify (done by the door) → kill switch → policy →
 * limits → request guardrails → vault lease + injection → durable request event → upstream →
 * response guardrails → agent, recording each stage in the ledger. Anything unknown or failing
 * refuses the request (fail closed).
 */
export class Pipeline {
  private readonly runs = new Map<string, string>();
  private readonly sender: DispatchKit;

  constructor(
    readonly deps: GatewayDeps,
    readonly opts: PipelineOptions,
    upstream: Upstream,
    readonly counters: GatewayCounters,
    readonly inflight: InFlight,
  ) {
    this.sender = { deps, upstream, maxScanBytes: opts.maxScanBytes, record: (e) => this.record(e) };
  }

  runFor(agent: Agent): string {
    if (agent.runId) return agent.runId;
    let run = this.runs.get(agent.id);
    if (!run) {
      run = this.deps.ledger?.newRunId?.() ?? `run_${agent.id}_${Date.now().toString(36)}`;
      this.runs.set(agent.id, run);
    }
    return run;
  }

  record(e: LedgerEventInput): string | undefined {
    try {
      return this.deps.ledger?.append(e);
    } catch {
      return undefined;
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const run = this.runFor(ctx.agent);
    let target: Target;
    try {
      target = resolveTarget(req, this.deps.services, ctx.intercepted);
    } catch (e) {
      return answerUnroutable(this, req, res, ctx, run, e);
    }
    if (target.route === 'mcp') return handleMcpRoute(this, req, res, ctx, run);
    if (target.route === 'gate') return handleGateRoute(this, req, res, ctx);

    const call: HttpCall = { req, res, ctx, run, target, service: target.serviceName, t0: performance.now() };
    this.counters.started(ctx.agent.id, call.service);
    const entry = this.track(call);
    try {
      await this.stages(call, entry);
    } catch (e) {
      if (!call.killed) answerRefusal(this, call, e);
    } finally {
      this.inflight.delete(entry.id);
      this.counters.finished(ctx.agent.id, call.service);
    }
  }

  /** The call in the in-flight registry: the kill switch cuts both sides and stops every later stage. */
  private track(call: HttpCall): InFlightEntry {
    return this.inflight.add({
      agent: call.ctx.agent.id,
      service: call.service,
      operation: `${call.req.method} ${call.target.servicePath}`,
      door: call.ctx.door,
      abort: (reason) => {
        call.killed = reason;
        call.upstreamReq?.destroy();
        call.res.destroy();
      },
    });
  }

  /** The stages in order; a refusal is thrown (`Refused`), a killed call just stops. */
  private async stages(call: HttpCall, entry: InFlightEntry): Promise<void> {
    const { req, ctx } = call;
    // Kill switch first: nothing else runs for a halted agent or service.
    const halted = this.deps.killSwitch?.halted(ctx.agent.id, call.service);
    if (halted) throw refuse(403, 'killed', `The kill switch is engaged (${halted.kind}).`, 'kill-switch');

    const body = await readBody(req, this.opts.maxBodyBytes).catch((e: unknown) => {
      if (e instanceof RouteError) throw new Refused(e.refusal);
      throw e;
    });
    const json = parseJson(body, req.headers['content-type']);
    const described = describeOperation(call.target, req.method ?? 'GET', json, this.deps.adapters);
    call.described = described;
    entry.operation = described.label;

    const decision = await admit(this, call, described);
    if (!decision) return; // ended while held for approval
    const base = callBase(call, described.label);
    const outBody = scanRequest(this, call, base, body);
    const out = await outbound(this.deps, call, described.label, outBody.length);
    if (call.killed) return;

    // Ledger before action: the request event is durable before anything goes upstream.
    const requestId = await recordRequest(this, call, base, decision, described, outBody.length);
    if (call.killed) return;
    await dispatch(this.sender, call, { out, body: outBody, base, described, requestId });
  }
}
