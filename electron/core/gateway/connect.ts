import type { IncomingMessage, Server } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TLSSocket } from 'node:tls';
import type { Agent } from '../agents/registry.js';
import { admitTunnel } from './tunnel-admit.js';
import type { GatewayDeps } from './deps.js';
import { rawRefusal, type Refusal } from './deny.js';
import type { InFlight } from './inflight.js';
import type { GatewayOptions } from './options.js';
import type { Pipeline } from './pipeline.js';
import type { InterceptedHost } from './route.js';
import { UNREGISTERED } from './services.js';
import type { GatewayCounters } from './stats.js';

export interface InterceptedConnection extends InterceptedHost {
  agent: Agent;
  door: string;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

/** Parses a CONNECT authority (host:port, [v6]:port). */
export function parseAuthority(raw: string): { host: string; port: number } | undefined {
  const m = /^\[([0-9a-f:.]+)\]:(\d{1,5})$/i.exec(raw) ?? /^([^:[\]]+):(\d{1,5})$/.exec(raw);
  if (!m) return undefined;
  const host = m[1]!.toLowerCase();
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  if (!isIP(host) && !HOSTNAME.test(host)) return undefined;
  return { host, port };
}

/**
 * CONNECT: to a service in intercept mode, TLS is terminated with a leaf from Gatehouse's CA
 * and each request inside goes through the same pipeline as the base-URL route; otherwise (tunnel
 * mode, or an unregistered host the policy allows) bytes pass through and host, bytes and
 * duration are recorded.
 */
export class ConnectHandler {
  readonly intercepted = new WeakMap<Socket, InterceptedConnection>();

  constructor(
    private readonly deps: GatewayDeps,
    private readonly opts: GatewayOptions,
    private readonly pipeline: Pipeline,
    private readonly inflight: InFlight,
    private readonly counters: GatewayCounters,
    private readonly inner: Server,
  ) {}

  async handle(
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    agent: Agent,
    door: string,
  ): Promise<void> {
    socket.on('error', () => socket.destroy());
    const run = this.pipeline.runFor(agent);
    const target = parseAuthority(req.url ?? '');
    const fail = (r: Refusal, kind: 'error' | 'decision' = 'error'): void => {
      this.pipeline.record({
        kind,
        agent: agent.id,
        run,
        service: target
          ? (this.deps.services.forHost(target.host, target.port)?.name ?? UNREGISTERED)
          : undefined,
        operation: `http:CONNECT ${clip(req.url)}`,
        rule: r.rule,
        status: r.code,
        ...(kind === 'decision' ? { decision: 'deny' as const } : {}),
        summary: `CONNECT ${clip(req.url)} → ${r.status} ${r.code}`,
        payload: { door, reason: r.reason },
      });
      if (kind === 'decision') this.counters.denied(agent.id, UNREGISTERED, r.rule);
      else this.counters.error();
      socket.end(rawRefusal(r));
    };
    if (!target)
      return fail({
        status: 400,
        code: 'bad_connect',
        reason: 'CONNECT needs host:port.',
        rule: 'gateway-input',
      });
    const service = this.deps.services.forHost(target.host, target.port);
    const serviceName = service?.name ?? UNREGISTERED;
    if (!service && !this.opts.connectPorts.includes(target.port)) {
      return fail(
        {
          status: 403,
          code: 'connect_port',
          reason: `CONNECT to port ${target.port} is not allowed.`,
          rule: 'gateway-connect',
        },
        'decision',
      );
    }
    const halted = this.deps.killSwitch?.halted(agent.id, serviceName);
    if (halted)
      return fail(
        {
          status: 403,
          code: 'killed',
          reason: `The kill switch is engaged (${halted.kind}).`,
          rule: 'kill-switch',
        },
        'decision',
      );

    if (service && service.tls === 'intercept') {
      let leaf;
      try {
        leaf = await this.deps.ca.leafFor(target.host);
      } catch {
        return fail({
          status: 502,
          code: 'ca_error',
          reason: 'Could not mint a certificate for this host.',
          rule: 'gateway',
        });
      }
      if (socket.destroyed) return;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) socket.unshift(head);
      const tls = new TLSSocket(socket, {
        isServer: true,
        secureContext: leaf.context,
        ALPNProtocols: ['http/1.1'],
      });
      tls.on('error', () => tls.destroy());
      this.intercepted.set(tls, { agent, door, host: target.host, port: target.port });
      this.inner.emit('connection', tls);
      return;
    }
    return this.tunnel(req, socket, head, agent, door, run, target, serviceName, service?.baseUrl);
  }

  private async tunnel(
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    agent: Agent,
    door: string,
    run: string,
    target: { host: string; port: number },
    serviceName: string,
    baseUrl: string | undefined,
  ): Promise<void> {
    const label = `http:CONNECT ${target.host}:${target.port}`;
    const operation = { type: 'http' as const, method: 'CONNECT', host: target.host, path: '', query: {} };
    const service = this.deps.services.get(serviceName);
    const base = { agent: agent.id, run, service: serviceName, operation: label };
    const admitted = await admitTunnel(this.deps, this.inflight, {
      agent,
      service: { name: serviceName, kind: service?.kind ?? 'http' },
      operation,
      base,
      door,
      socket,
      record: (e) => this.pipeline.record(e),
    });
    if ('refusal' in admitted) {
      if (admitted.refusal.code !== 'gone')
        this.counters.denied(agent.id, serviceName, admitted.refusal.rule);
      if (!socket.destroyed) socket.end(rawRefusal(admitted.refusal));
      return;
    }
    const decision = admitted.decision;
    const ledger = this.deps.ledger;
    let requestId: string;
    try {
      if (!ledger) throw new Error('no ledger');
      requestId = await ledger.appendDurable({
        ...base,
        kind: 'request',
        decision: 'allow',
        rule: decision.rule,
        status: 'tunnel',
        summary: `CONNECT ${target.host}:${target.port} (tunnel)`,
        payload: { door, route: 'connect', tls: 'tunnel', operation },
      });
    } catch {
      this.counters.error();
      socket.end(
        rawRefusal({
          status: 503,
          code: 'ledger_unavailable',
          reason: 'The audit ledger cannot write, so the tunnel was not opened.',
          rule: 'ledger',
        }),
      );
      return;
    }
    const dest = baseUrl ? new URL(baseUrl) : undefined;
    const host = dest ? dest.hostname.replace(/^\[|\]$/g, '') : target.host;
    const port = dest ? Number(dest.port || (dest.protocol === 'https:' ? 443 : 80)) : target.port;
    const t0 = performance.now();
    this.counters.started(agent.id, serviceName);
    let up = 0;
    let down = 0;
    let status = 'ok';
    let connected = false;
    const upstream = netConnect({ host, port });
    const entry = this.inflight.add({
      agent: agent.id,
      service: serviceName,
      operation: label,
      door,
      abort: (reason) => {
        status = reason === 'kill' ? 'killed' : 'aborted';
        connected = true;
        close();
      },
    });
    const connectTimer = setTimeout(() => {
      status = 'connect_timeout';
      upstream.destroy();
    }, this.opts.connectTimeoutMs);
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearTimeout(connectTimer);
      this.inflight.delete(entry.id);
      this.counters.finished(agent.id, serviceName);
      upstream.destroy();
      if (connected) socket.destroy();
      else if (!socket.writableEnded)
        socket.end(
          rawRefusal({
            status: 502,
            code: 'upstream_unreachable',
            reason: `Could not connect to ${target.host}:${target.port}.`,
            rule: 'upstream',
          }),
        );
      this.pipeline.record({
        ...base,
        kind: 'response',
        parent: requestId,
        status,
        latencyMs: performance.now() - t0,
        requestBytes: up,
        responseBytes: down,
        summary: `CONNECT ${target.host}:${target.port} closed (${up} B up, ${down} B down)`,
      });
    };
    upstream.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) {
        up += head.length;
        upstream.write(head);
      }
      socket.on('data', (c: Buffer) => (up += c.length));
      upstream.on('data', (c: Buffer) => (down += c.length));
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.setTimeout(this.opts.idleTimeoutMs, () => {
      status = 'idle_timeout';
      close();
    });
    upstream.on('error', () => {
      if (status === 'ok') status = connected ? 'upstream_error' : 'upstream_unreachable';
      close();
    });
    upstream.on('close', close);
    socket.on('close', close);
    void req;
  }
}

function clip(s: string | undefined): string {
  const v = s ?? '';
  return v.length > 100 ? v.slice(0, 100) + '…' : v;
}
