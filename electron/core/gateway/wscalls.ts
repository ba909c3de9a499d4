import { performance } from 'node:perf_hooks';
import type { LedgerEventInput, Usage } from '../../../shared/events.js';
import type { Agent } from '../agents/registry.js';
import { decide } from './admit.js';
import type { GatewayDeps } from './deps.js';
import { refusalBody, type Refusal } from './deny.js';
import { isRecord } from './operation.js';
import type { Pipeline } from './pipeline.js';
import type { AdapterPort, PolicyDecision, ResponseParserPort } from './ports.js';
import { fullUsage } from './record.js';
import { ledgerUnwritable, noPolicy } from './refusals.js';
import type { Target } from './route.js';
import { encodeFrame, OP, type Message } from './wsframe.js';

/** What to do with one agent message. */
export interface Admitted {
  /** Raw frames to send upstream (none: the message was refused). */
  forward?: Buffer[];
  /** A text message for the agent (the refusal, as a Responses `error` event). */
  reply?: string;
  /** Close the connection (fail closed: the ledger cannot record). */
  close?: boolean;
}

interface Call {
  requestId: string;
  parser: ResponseParserPort;
  model: string;
  label: string;
  t0: number;
  bytes: number;
}

const TERMINAL = new Set([
  'response.completed',
  'response.incomplete',
  'response.failed',
  'response.done',
  'error',
]);

/**
 * The model calls on one Responses WebSocket. Each `response.create` is decided like the HTTP
 * form (kill switch → policy → approvals → limits → request guardrails), recorded durably
 * before it is forwarded, and its events (server → agent messages up to response.completed /
 * failed / incomplete / error) are fed to the adapter's Responses parser, so the call lands in
 * the ledger exactly like its SSE twin. A refused message never reaches the upstream; the agent
 * gets an `error` event naming the reason and the rule.
 */
export class ResponsesCalls {
  private current: Call | undefined;
  private readonly base: { agent: string; run: string; service: string };
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: GatewayDeps,
    private readonly pipeline: Pipeline,
    private readonly agent: Agent,
    private readonly target: Target,
    private readonly adapter: AdapterPort,
    private readonly connId: string,
    private readonly door: string,
  ) {
    this.base = { agent: agent.id, run: pipeline.runFor(agent), service: target.serviceName };
  }

  async fromAgent(m: Message): Promise<Admitted> {
    const text = m.payload.toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return { forward: m.raw };
    }
    if (!isRecord(msg) || msg.type !== 'response.create') return { forward: m.raw };
    const body = isRecord(msg.response) ? msg.response : msg;
    let model = typeof body.model === 'string' ? body.model : '';
    let events: LedgerEventInput[] = [];
    try {
      const parsed = this.adapter.parseRequest(body);
      model = parsed.model || model;
      events = parsed.events ?? [];
    } catch {
      // Decided with the model it names (or none) and recorded as sent.
    }
    const label = `llm:${model || '?'}`;
    const base = { ...this.base, operation: label };
    const service = { name: this.target.serviceName, kind: this.target.kind };
    const operation = { type: 'llm' as const, provider: this.target.kind, model };
    const refuse = (r: Refusal, record = true): Admitted => {
      if (record)
        this.pipeline.record({
          ...base,
          kind: 'decision',
          decision: 'deny',
          rule: r.rule,
          status: 'denied',
          parent: this.connId,
          summary: `${label} refused: ${r.reason}`,
          payload: { door: this.door, websocket: true, operation },
        });
      const err = (refusalBody('openai', r) as { error: unknown }).error;
      return { reply: JSON.stringify({ type: 'error', status: r.status, error: err }) };
    };

    const halted = this.deps.killSwitch?.halted(this.agent.id, service.name);
    if (halted)
      return refuse({
        status: 403,
        code: 'killed',
        reason: `The kill switch is engaged (${halted.kind}).`,
        rule: 'kill-switch',
      });
    const policy = this.deps.policy;
    if (!policy) return refuse(noPolicy());
    const decision: PolicyDecision = decide(policy, { agent: this.agent, service, operation });
    if (decision.effect === 'deny')
      return refuse({ status: 403, code: 'denied', reason: decision.reason, rule: decision.rule });
    if (decision.effect === 'approve') {
      const approvals = this.deps.approvals;
      const answer = approvals
        ? await approvals.request({
            agent: this.agent,
            service,
            operation,
            summary: `${this.agent.id} → ${label}`,
            rule: decision.rule,
            run: this.base.run,
            signal: this.abort.signal,
          })
        : 'denied';
      if (answer !== 'approved')
        return refuse({
          status: 403,
          code: 'approval_denied',
          reason: 'The request was not approved.',
          rule: decision.rule,
        });
    }
    const check = this.deps.limits?.check(this.agent.id, service.name);
    if (check && !check.ok) {
      this.pipeline.record({
        ...base,
        kind: 'limit',
        rule: check.rule,
        status: 'denied',
        summary: `${label} refused: ${check.reason}`,
      });
      return refuse({ status: 429, code: 'limit', reason: check.reason, rule: check.rule }, false);
    }
    let forward = m.raw;
    const scan = this.deps.guardrails?.scan(text, 'request', { agent: this.agent, service: service.name });
    if (scan && scan.detections.length) {
      const kinds = [...new Set(scan.detections.map((d) => d.kind))];
      const rule = `guardrail:${kinds.join(',')}`;
      this.pipeline.record({
        ...base,
        kind: 'guardrail',
        status: scan.action,
        rule,
        summary: `request ${scan.action}: ${kinds.join(', ')}`,
        payload: { where: 'request', action: scan.action, detections: scan.detections },
      });
      if (scan.action === 'block')
        return refuse(
          { status: 403, code: 'guardrail', reason: `The request contains ${kinds.join(', ')}.`, rule },
          false,
        );
      if (scan.action === 'redact') forward = [encodeFrame(OP.text, Buffer.from(scan.text), true)];
    }
    const ledger = this.deps.ledger;
    let requestId: string;
    try {
      if (!ledger) throw new Error('no ledger');
      requestId = await ledger.appendDurable({
        ...base,
        kind: 'request',
        parent: this.connId,
        decision: decision.effect,
        rule: decision.rule,
        status: 'sent',
        requestBytes: m.payload.length,
        summary: `response.create over WebSocket ${this.target.url!.host}${this.target.url!.pathname}`,
        payload: {
          door: this.door,
          route: this.target.route,
          websocket: true,
          operation,
          unsandboxed: !this.agent.sandboxed || undefined,
          policyVersion: decision.version,
          observed: decision.observed,
        },
      });
    } catch {
      return { ...refuse(ledgerUnwritable(), false), close: true };
    }
    for (const ev of events) this.pipeline.record({ ...base, ...ev, ...this.base, parent: requestId });
    if (this.current) this.finish('incomplete');
    this.current = {
      requestId,
      parser: this.adapter.responseParser({ contentType: 'text/event-stream', model }),
      model,
      label,
      t0: performance.now(),
      bytes: 0,
    };
    return { forward };
  }

  /** One upstream text message (already redacted). */
  fromUpstream(text: string): void {
    const call = this.current;
    if (!call) return;
    call.bytes += Buffer.byteLength(text);
    let type: string;
    try {
      if (call.parser.pushEvent) {
        const ev: unknown = JSON.parse(text);
        call.parser.pushEvent(ev);
        type = isRecord(ev) && typeof ev.type === 'string' ? ev.type : '';
      } else {
        call.parser.push(Buffer.from(`data: ${text}\n\n`));
        type = /"type"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? '';
      }
    } catch {
      return;
    }
    if (TERMINAL.has(type)) this.finish(type === 'error' || type === 'response.failed' ? 'error' : 'ok');
  }

  /** The connection ended: an open call is recorded as cut. */
  closeAll(status: 'killed' | 'incomplete'): void {
    this.abort.abort();
    if (this.current) this.finish(status);
  }

  private finish(status: string): void {
    const call = this.current;
    if (!call) return;
    this.current = undefined;
    let parsed: ReturnType<ResponseParserPort['end']> = { events: [] };
    try {
      parsed = call.parser.end();
    } catch {
      // The frames were relayed; only the parsed detail is lost.
    }
    if (status === 'ok' && parsed.complete === false) status = 'incomplete';
    const model = parsed.model || call.model;
    const usage: Partial<Usage> | undefined = parsed.usage;
    const cost =
      usage && this.deps.adapters?.costOf ? this.deps.adapters.costOf(this.target.kind, model, usage) : null;
    const base = { ...this.base, operation: call.label };
    this.pipeline.record({
      ...base,
      kind: 'response',
      parent: call.requestId,
      status,
      latencyMs: performance.now() - call.t0,
      responseBytes: call.bytes,
      ...(usage ? { usage } : {}),
      costUsd: cost,
      summary: `${call.label} over WebSocket${status === 'ok' ? '' : ' ' + status}`,
      payload: { websocket: true },
    });
    for (const ev of parsed.events)
      this.pipeline.record({ ...base, ...ev, ...this.base, parent: call.requestId });
    try {
      this.deps.limits?.record(this.agent.id, this.base.service, fullUsage(usage), cost);
    } catch {
      // Accounting must not break the connection.
    }
  }
}
