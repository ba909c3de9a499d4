import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { isGatehouseError } from '../../../shared/errors.js';
import { decide } from './admit.js';
import type { GatewayDeps } from './deps.js';
import { rawRefusal, type Refusal } from './deny.js';
import type { InFlight } from './inflight.js';
import { describeOperation } from './operation.js';
import type { Pipeline, RequestContext } from './pipeline.js';
import { ledgerUnwritable, noLedger, noPolicy, refuse, Refused } from './refusals.js';
import { resolveTarget, RouteError, type Target } from './route.js';
import type { GatewayCounters } from './stats.js';
import type { Upstream } from './upstream.js';
import { upgradeHeaders, switchingProtocols } from './wsadmit.js';
import { ResponsesCalls } from './wscalls.js';
import { relayFrames } from './wsrelay.js';

/**
 * WebSocket upgrades through the same pipeline: identify (the door) → kill switch → policy →
 * vault lease injected into the upgrade request → durable request event → upgrade proxied to
 * the upstream → frames relayed both ways. On the OpenAI Responses WebSocket transport (the one
 * the Codex CLI tries first) every `response.create` message is its own model call: decided,
 * recorded durably before it is forwarded, its events fed to the Responses parser (see
 * wscalls.ts). Known secret values are redacted from upstream messages. The in-flight registry
 * can cut the connection (kill switch): the agent gets close code 1008.
 */
export class WebSocketRelay {
  constructor(
    readonly deps: GatewayDeps,
    readonly pipeline: Pipeline,
    readonly upstream: Upstream,
    readonly counters: GatewayCounters,
    readonly inflight: InFlight,
    readonly maxMessageBytes: number,
  ) {}

  async handle(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: RequestContext): Promise<void> {
    const { agent } = ctx;
    const run = this.pipeline.runFor(agent);
    let target: Target | undefined;
    let label = `ws:${(req.url ?? '').split('?')[0]!.slice(0, 100)}`;
    const t0 = performance.now();
    try {
      if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
        throw refuse(400, 'upgrade_unsupported', 'Only WebSocket upgrades are supported.', 'gateway-input');
      try {
        target = resolveTarget(req, this.deps.services, ctx.intercepted);
      } catch (e) {
        if (e instanceof RouteError) throw new Refused(e.refusal);
        throw e;
      }
      if (!target.url || !target.service)
        throw refuse(
          400,
          'upgrade_unsupported',
          `WebSocket upgrades are not served on ${target.route} routes.`,
          'gateway-route',
        );
      const service = target.serviceName;
      label = `ws:${target.url.host}${target.url.pathname}`;
      const halted = this.deps.killSwitch?.halted(agent.id, service);
      if (halted) throw refuse(403, 'killed', `The kill switch is engaged (${halted.kind}).`, 'kill-switch');
      const policy = this.deps.policy;
      if (!policy) throw new Refused(noPolicy());
      const adapter = this.deps.adapters?.adapterFor(target.kind, target.servicePath, target.url.hostname);
      const responses = adapter !== undefined && /\/responses\/?$/.test(target.url.pathname);
      // The Responses transport is decided per response.create (the model is in the message);
      // any other WebSocket is decided once, here, as the GET that opens it.
      let decision = { effect: 'allow', rule: 'per-message', reason: '', version: -1 } as ReturnType<
        typeof policy.decide
      >;
      if (!responses) {
        const op = describeOperation(target, 'GET', undefined, this.deps.adapters).operation;
        decision = decide(policy, { agent, service: { name: service, kind: target.kind }, operation: op });
        if (decision.effect === 'approve')
          decision = { ...decision, effect: 'deny', reason: 'A WebSocket cannot be held for approval.' };
        if (decision.effect === 'deny') throw refuse(403, 'denied', decision.reason, decision.rule);
      }
      const { headers, path, leased } = await upgradeHeaders(this.deps, req, agent, target, label);
      const ledger = this.deps.ledger;
      if (!ledger) throw new Refused(noLedger());
      const base = { agent: agent.id, run, service, operation: label };
      let connId: string;
      try {
        connId = await ledger.appendDurable({
          ...base,
          kind: 'request',
          decision: 'allow',
          rule: decision.rule,
          status: 'sent',
          summary: `WebSocket ${target.url.host}${target.url.pathname}`,
          payload: {
            door: ctx.door,
            route: target.route,
            method: 'GET',
            websocket: true,
            unsandboxed: !agent.sandboxed || undefined,
          },
        });
      } catch {
        throw new Refused(ledgerUnwritable());
      }
      const upReq = this.upstream.request(new URL(path, target.url), 'GET', headers);
      upReq.end();
      const up = await new Promise<{ res: IncomingMessage; sock: Duplex; head: Buffer }>(
        (resolve, reject) => {
          upReq.once('upgrade', (res: IncomingMessage, sock: Duplex, h: Buffer) =>
            resolve({ res, sock, head: h }),
          );
          upReq.once('response', (res: IncomingMessage) => {
            res.resume();
            reject(
              refuse(
                502,
                'upstream_refused_upgrade',
                `The upstream answered ${res.statusCode} instead of switching protocols.`,
                'upstream',
              ),
            );
          });
          upReq.once('error', (e: unknown) =>
            reject(
              isGatehouseError(e)
                ? refuse(e.status, e.code, `The upstream for ${service} could not be reached.`, 'upstream')
                : refuse(
                    502,
                    'upstream_unreachable',
                    `The upstream for ${service} could not be reached.`,
                    'upstream',
                  ),
            ),
          );
          socket.once('close', () => upReq.destroy());
        },
      );
      if (socket.destroyed) return void up.sock.destroy();
      const secrets = [...leased, ...safeKnown(this.deps)];
      socket.write(switchingProtocols(up.res, secrets));
      relayFrames(this, socket, head, up.sock, up.head, {
        ctx,
        base,
        connId,
        t0,
        secrets,
        calls:
          responses && adapter
            ? new ResponsesCalls(this.deps, this.pipeline, agent, target, adapter, connId, ctx.door)
            : undefined,
      });
    } catch (e) {
      const r: Refusal =
        e instanceof Refused
          ? e.refusal
          : {
              status: 500,
              code: 'internal',
              reason: 'The gateway failed on this upgrade; nothing was forwarded.',
              rule: 'gateway',
            };
      const service = target?.serviceName;
      const deny = r.code === 'denied' || r.code === 'killed';
      if (deny) this.counters.denied(agent.id, service ?? '?', r.rule);
      else this.counters.error();
      this.pipeline.record({
        agent: agent.id,
        run,
        service,
        kind: deny ? 'decision' : 'error',
        ...(deny ? { decision: 'deny' as const } : {}),
        rule: r.rule,
        status: deny ? 'denied' : r.code,
        operation: label,
        summary: `${label} refused: ${r.reason}`,
        payload: { door: ctx.door, websocket: true },
      });
      if (socket.writable) socket.end(rawRefusal(r));
      else socket.destroy();
    }
  }
}

function safeKnown(deps: GatewayDeps): string[] {
  try {
    return deps.vault?.knownSecretValues() ?? [];
  } catch {
    return [];
  }
}
