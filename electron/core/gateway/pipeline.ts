import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isGatehouseError } from '../../../shared/errors.js';
import type { LedgerEventInput, Usage } from '../../../shared/events.js';
import type { Agent } from '../agents/registry.js';
import type { GatewayDeps } from './deps.js';
import { sendRefusal, type Dialect, type Refusal } from './deny.js';
import { injectCredential, upstreamHeaders } from './headers.js';
import type { InFlight } from './inflight.js';
import { describeOperation, type DescribedOperation } from './operation.js';
import { parseJson, readBody } from './body.js';
import type { PolicyDecision } from './ports.js';
import { resolveTarget, RouteError, type InterceptedHost, type Target } from './route.js';
import { handleMcpRoute } from './mcp-route.js';
import { handleGateRoute } from './gate-route.js';
import { internal } from './refusals.js';
import { relayResponse } from './relay.js';
import type { GatewayCounters } from './stats.js';
import { awaitResponse, type Upstream } from './upstream.js';

export interface PipelineOptions {
  maxBodyBytes: number;
  maxScanBytes: number;
}

export interface RequestContext {
  agent: Agent;
  door: string;
  intercepted?: InterceptedHost;
}

/** Thrown inside the pipeline to refuse a request; turned into a reply in the agent's protocol. */
class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

const refuse = (status: number, code: string, reason: string, rule: string): Refused =>
  new Refused({ status, code, reason, rule });

/**
 * The one pipeline every door feeds: identify (done by the door) → kill switch → policy →
 * limits → request guardrails → vault lease + injection → durable request event → upstream →
 * response guardrails → agent, recording each stage in the ledger. Anything unknown or failing
 * refuses the request (fail closed).
 */
export class Pipeline {
  private readonly runs = new Map<string, string>();

  constructor(
    readonly deps: GatewayDeps,
    readonly opts: PipelineOptions,
    private readonly upstream: Upstream,
    readonly counters: GatewayCounters,
    readonly inflight: InFlight,
  ) {}

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
    const { agent } = ctx;
    const run = this.runFor(agent);
    let target: Target;
    try {
      target = resolveTarget(req, this.deps.services, ctx.intercepted);
    } catch (e) {
      const r = e instanceof RouteError ? e.refusal : internal(e);
      this.record({
        kind: 'error',
        agent: agent.id,
        run,
        status: r.code,
        summary: `${req.method} ${clip(req.url)} → ${r.status} ${r.code}`,
        payload: { door: ctx.door, rule: r.rule },
      });
      this.counters.error();
      req.resume();
      sendRefusal(res, 'http', r);
      return;
    }
    if (target.route === 'mcp') return handleMcpRoute(this, req, res, ctx, run);
    if (target.route === 'gate') return handleGateRoute(this, req, res, ctx);

    const t0 = performance.now();
    const service = target.serviceName;
    this.counters.started(agent.id, service);
    let upstreamReq: ClientRequest | undefined;
    let killed: string | undefined;
    const entry = this.inflight.add({
      agent: agent.id,
      service,
      operation: `${req.method} ${target.servicePath}`,
      door: ctx.door,
      abort: (reason) => {
        killed = reason;
        upstreamReq?.destroy();
        res.destroy();
      },
    });
    const finish = (): void => {
      this.inflight.delete(entry.id);
      this.counters.finished(agent.id, service);
    };
    let described: DescribedOperation | undefined;
    const dialect: Dialect = target.dialect;
    try {
      // Kill switch first: nothing else runs for a halted agent or service.
      const halted = this.deps.killSwitch?.halted(agent.id, service);
      if (halted) throw refuse(403, 'killed', `The kill switch is engaged (${halted.kind}).`, 'kill-switch');

      const body = await readBody(req, this.opts.maxBodyBytes).catch((e: unknown) => {
        if (e instanceof RouteError) throw new Refused(e.refusal);
        throw e;
      });
      const json = parseJson(body, req.headers['content-type']);
      described = describeOperation(target, req.method ?? 'GET', json, this.deps.adapters);
      const { operation, label } = described;
      entry.operation = label;
      const policyRequest = { agent, service: { name: service, kind: target.kind }, operation };

      // Policy: fail closed when there is none or it throws.
      const policy = this.deps.policy;
      if (!policy)
        throw refuse(
          503,
          'policy_unavailable',
          'No policy engine is loaded, so nothing is allowed.',
          'policy-unavailable',
        );
      let decision: PolicyDecision;
      try {
        decision = policy.decide(policyRequest);
      } catch {
        decision = {
          effect: 'deny',
          rule: 'policy-error',
          reason: 'The policy engine failed on this request.',
          version: -1,
        };
      }
      const base = { agent: agent.id, run, service, operation: label };
      if (decision.effect === 'deny') {
        this.record({
          ...base,
          kind: 'decision',
          decision: 'deny',
          rule: decision.rule,
          status: 'denied',
          summary: `${label} denied by ${decision.rule}`,
          payload: {
            reason: decision.reason,
            door: ctx.door,
            operation: forRecord(operation),
            observed: decision.observed,
            policyVersion: decision.version,
          },
        });
        throw refuse(403, 'denied', decision.reason, decision.rule);
      }
      if (decision.effect === 'approve') {
        const approvals = this.deps.approvals;
        this.record({
          ...base,
          kind: 'decision',
          decision: 'approve',
          rule: decision.rule,
          status: 'held',
          summary: `${label} held for approval (${decision.rule})`,
          payload: { reason: decision.reason, door: ctx.door, operation: forRecord(operation) },
        });
        const held = new AbortController();
        const cancel = (): void => held.abort();
        res.once('close', cancel);
        const answer = approvals
          ? await approvals.request({
              agent,
              service: policyRequest.service,
              operation,
              summary: `${agent.id} → ${label}`,
              rule: decision.rule,
              ...(decision.approvalTimeoutSeconds ? { timeoutSeconds: decision.approvalTimeoutSeconds } : {}),
              run,
              signal: held.signal,
            })
          : 'denied';
        res.off('close', cancel);
        if (killed || res.destroyed) return;
        if (answer !== 'approved')
          throw refuse(
            403,
            'approval_denied',
            approvals
              ? 'The request was not approved.'
              : 'Approval is required but no approvals service is running.',
            decision.rule,
          );
      }

      const limits = this.deps.limits;
      if (limits) {
        const check = limits.check(agent.id, service);
        if (!check.ok) {
          this.record({
            ...base,
            kind: 'limit',
            rule: check.rule,
            status: 'denied',
            summary: `${label} refused: ${check.reason}`,
          });
          throw refuse(429, 'limit', check.reason, check.rule);
        }
      }

      let outBody = body;
      const guardrails = this.deps.guardrails;
      if (guardrails && body.length) {
        const scan = guardrails.scan(body.toString('utf8'), 'request', { agent, service });
        if (scan.detections.length) {
          const kinds = [...new Set(scan.detections.map((d) => d.kind))];
          this.record({
            ...base,
            kind: 'guardrail',
            status: scan.action,
            rule: `guardrail:${kinds.join(',')}`,
            summary: `request ${scan.action}: ${kinds.join(', ')}`,
            payload: { where: 'request', action: scan.action, detections: scan.detections },
          });
          if (scan.action === 'block')
            throw refuse(
              403,
              'guardrail',
              `The request contains ${kinds.join(', ')}.`,
              `guardrail:${kinds.join(',')}`,
            );
          if (scan.action === 'redact') outBody = Buffer.from(scan.text);
        }
      }

      // Credentials: the agent's auth headers never go upstream; the leased value is injected.
      const headers = upstreamHeaders(req.headers);
      let path = target.url!.pathname + target.url!.search;
      const leased: string[] = [];
      const binding = target.service?.credential;
      if (binding) {
        const vault = this.deps.vault;
        if (!vault)
          throw refuse(
            503,
            'vault_unavailable',
            'This service needs a credential and the vault is not running.',
            'vault',
          );
        if (vault.locked)
          throw refuse(503, 'vault_locked', 'The vault is locked: unlock it to use this service.', 'vault');
        try {
          const lease = await vault.lease({
            agent: agent.id,
            service,
            credential: binding.credential,
            operation: label,
          });
          leased.push(lease.value);
          path = injectCredential(headers, path, binding.inject, lease.value);
        } catch (e) {
          const code = isGatehouseError(e) ? e.code : 'lease_failed';
          const msg = isGatehouseError(e) ? e.message : 'The vault could not lease the credential.';
          throw refuse(
            isGatehouseError(e) && e.status < 500 && e.status !== 404 ? 403 : 503,
            code,
            msg,
            'vault',
          );
        }
      }
      if (outBody.length) headers['content-length'] = outBody.length;
      if (killed) return;

      // Ledger before action: the request event is durable before anything goes upstream.
      const ledger = this.deps.ledger;
      if (!ledger)
        throw refuse(
          503,
          'ledger_unavailable',
          'The audit ledger is not running, so nothing is forwarded.',
          'ledger',
        );
      let requestId: string;
      try {
        requestId = await ledger.appendDurable({
          ...base,
          kind: 'request',
          decision: decision.effect,
          rule: decision.rule,
          status: 'sent',
          requestBytes: outBody.length,
          summary: `${req.method} ${target.url!.host}${target.url!.pathname}`,
          payload: {
            door: ctx.door,
            route: target.route,
            method: req.method,
            operation: forRecord(operation),
            unsandboxed: !agent.sandboxed || undefined,
            policyVersion: decision.version,
            observed: decision.observed,
          },
        });
      } catch {
        throw refuse(
          503,
          'ledger_unavailable',
          'The audit ledger cannot write, so the request was not forwarded.',
          'ledger',
        );
      }
      for (const ev of described.events)
        this.record({ ...base, ...ev, agent: agent.id, run, service, parent: requestId });
      if (killed) return;

      upstreamReq = this.upstream.request(new URL(path, target.url!), req.method ?? 'GET', headers);
      upstreamReq.end(outBody);
      let upstreamRes: IncomingMessage;
      try {
        upstreamRes = await awaitResponse(upstreamReq);
      } catch (e) {
        if (killed) {
          this.record({
            ...base,
            kind: 'response',
            parent: requestId,
            status: 'killed',
            latencyMs: performance.now() - t0,
            summary: `${label} cut by the kill switch`,
          });
          return;
        }
        const code = isGatehouseError(e) ? e.code : 'upstream_unreachable';
        this.record({
          ...base,
          kind: 'error',
          parent: requestId,
          status: code,
          latencyMs: performance.now() - t0,
          summary: `${label}: upstream ${code}`,
        });
        throw refuse(
          isGatehouseError(e) ? e.status : 502,
          code,
          `The upstream for ${service} could not be reached.`,
          'upstream',
        );
      }
      await relayResponse({
        deps: this.deps,
        res,
        upstreamReq,
        upstreamRes,
        described,
        leased,
        maxScanBytes: this.opts.maxScanBytes,
        dialect,
        scanContext: { agent, service },
        onDone: (outcome) => {
          const usage: Partial<Usage> | undefined = outcome.usage;
          const cost =
            usage && this.deps.adapters?.costOf && described?.operation.type === 'llm'
              ? this.deps.adapters.costOf(target.kind, outcome.model ?? described.operation.model, usage)
              : null;
          const status = killed ? 'killed' : outcome.status;
          this.record({
            ...base,
            kind: 'response',
            parent: requestId,
            status,
            latencyMs: performance.now() - t0,
            responseBytes: outcome.bytes,
            requestBytes: outBody.length,
            ...(usage ? { usage } : {}),
            costUsd: cost,
            summary: `${label} → ${upstreamRes.statusCode}${status === 'ok' ? '' : ' ' + status}`,
            payload: { statusCode: upstreamRes.statusCode, redactions: outcome.redactions || undefined },
          });
          for (const ev of outcome.events)
            this.record({ ...base, ...ev, agent: agent.id, run, service, parent: requestId });
          try {
            this.deps.limits?.record(agent.id, service, fullUsage(usage), cost);
          } catch {
            // Accounting must not break a finished response.
          }
        },
      });
    } catch (e) {
      if (killed) return;
      const r = e instanceof Refused ? e.refusal : internal(e);
      if (
        r.code === 'denied' ||
        r.code === 'approval_denied' ||
        r.code === 'killed' ||
        r.code === 'limit' ||
        r.code === 'guardrail'
      ) {
        this.counters.denied(agent.id, service, r.rule);
        if (r.code === 'killed' || r.code === 'approval_denied') {
          this.record({
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
        this.counters.error();
        if (r.code !== 'upstream_unreachable')
          this.record({
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
      sendRefusal(res, dialect, r, described?.rpcId);
    } finally {
      finish();
    }
  }
}

function clip(s: string | undefined): string {
  const v = s ?? '';
  return v.length > 120 ? v.slice(0, 120) + '…' : v;
}

/** The operation as recorded: HTTP bodies are left out (the adapters record LLM content). */
function forRecord(op: DescribedOperation['operation']): unknown {
  if (op.type === 'http')
    return { type: op.type, method: op.method, host: op.host, path: op.path, query: op.query };
  return op;
}

function fullUsage(u: Partial<Usage> | undefined): Usage {
  return {
    inputTokens: u?.inputTokens ?? 0,
    outputTokens: u?.outputTokens ?? 0,
    cacheReadTokens: u?.cacheReadTokens ?? 0,
    cacheWriteTokens: u?.cacheWriteTokens ?? 0,
    reasoningTokens: u?.reasoningTokens ?? 0,
  };
}
