import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname } from 'node:path';
import type { GatewayStats } from '../../../shared/api/gateway.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Agent } from '../agents/registry.js';
import { ConnectHandler } from './connect.js';
import type { GatewayDeps } from './deps.js';
import { rawRefusal, sendRefusal, type Dialect, type Refusal } from './deny.js';
import { presentedKey } from './headers.js';
import { InFlight, type InFlightFilter } from './inflight.js';
import { defaultGatewayOptions, type GatewayOptions } from './options.js';
import { Pipeline } from './pipeline.js';
import { GatewayCounters } from './stats.js';
import { Upstream } from './upstream.js';
import { WebSocketRelay } from './websocket.js';

/** A door: the host TCP listener (identity by gateway key) or one sandbox's unix socket (identity = the socket). */
type Door =
  { kind: 'host'; name: 'host' } | { kind: 'sandbox'; name: string; agentId: string; socketPath: string };

/**
 * The gateway: every door feeds the same Pipeline. Start it with Gateway.start; app.ts attaches
 * the neighbours (ledger, policy, vault, ...) to `deps` as they come up.
 */
export class Gateway {
  readonly inFlight = new InFlight();
  readonly counters = new GatewayCounters();
  private readonly upstream: Upstream;
  private readonly pipeline: Pipeline;
  private readonly connect: ConnectHandler;
  private readonly ws: WebSocketRelay;
  private readonly inner: Server;
  private readonly hostServer: Server;
  private readonly sandboxDoors = new Map<string, { server: Server; door: Door }>();
  private statsTimer: NodeJS.Timeout | undefined;
  private lastStats = '';
  address = '';

  private constructor(
    readonly deps: GatewayDeps,
    readonly options: GatewayOptions,
  ) {
    this.upstream = new Upstream({
      connectTimeoutMs: options.connectTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      extraCaCerts: options.extraCaCerts,
    });
    this.pipeline = new Pipeline(
      deps,
      { maxBodyBytes: options.maxBodyBytes, maxScanBytes: options.maxScanBytes },
      this.upstream,
      this.counters,
      this.inFlight,
    );
    this.ws = new WebSocketRelay(
      deps,
      this.pipeline,
      this.upstream,
      this.counters,
      this.inFlight,
      options.maxWsMessageBytes,
    );
    this.inner = this.httpServer({ kind: 'host', name: 'host' }, true);
    this.connect = new ConnectHandler(deps, options, this.pipeline, this.inFlight, this.counters, this.inner);
    this.hostServer = this.httpServer({ kind: 'host', name: 'host' });
  }

  static async start(deps: GatewayDeps, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
    const gw = new Gateway(deps, { ...defaultGatewayOptions, ...options });
    await new Promise<void>((resolve, reject) => {
      gw.hostServer.once('error', reject);
      gw.hostServer.listen(gw.options.port, gw.options.host, () => resolve());
    });
    const a = gw.hostServer.address() as AddressInfo;
    gw.address = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    gw.statsTimer = setInterval(() => gw.publishStats(), gw.options.statsIntervalMs);
    gw.statsTimer.unref();
    return gw;
  }

  /** Opens the agent's own unix-socket door. Whatever arrives on it is that agent; nothing secret is needed. */
  async openSandboxDoor(agent: Agent, socketPath: string): Promise<void> {
    if (!this.deps.agents.get(agent.id))
      throw new GatehouseError('unknown_agent', `No agent named "${agent.id}".`, 404);
    await this.closeSandboxDoor(agent.id);
    // The socket dir is bind-mounted into the sandbox for a non-root user; the data dir above it stays 0700.
    mkdirSync(dirname(socketPath), { recursive: true, mode: 0o711 });
    rmSync(socketPath, { force: true });
    const door: Door = { kind: 'sandbox', name: `sandbox:${agent.id}`, agentId: agent.id, socketPath };
    const server = this.httpServer(door);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    // The socket is reachable only through its bind mount (the data dir is 0700); the sandbox
    // user is not root, so the socket itself must be connectable by it.
    chmodSync(socketPath, 0o666);
    this.sandboxDoors.set(agent.id, { server, door });
  }

  async closeSandboxDoor(agentId: string): Promise<void> {
    const d = this.sandboxDoors.get(agentId);
    if (!d) return;
    this.sandboxDoors.delete(agentId);
    d.server.closeAllConnections();
    await new Promise<void>((resolve) => d.server.close(() => resolve()));
    if (d.door.kind === 'sandbox') rmSync(d.door.socketPath, { force: true });
  }

  sandboxDoorPath(agentId: string): string | undefined {
    const d = this.sandboxDoors.get(agentId)?.door;
    return d?.kind === 'sandbox' ? d.socketPath : undefined;
  }

  /** Cuts matching requests and tunnels on both sides (the kill switch calls this). */
  abort(filter: InFlightFilter, reason = 'kill'): number {
    return this.inFlight.abort(filter, reason);
  }

  stats(): GatewayStats {
    return this.counters.snapshot({
      address: this.address,
      inFlight: this.inFlight.size,
      sandboxDoors: this.sandboxDoors.size,
    });
  }

  async close(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.inFlight.abort({ kind: 'all' }, 'shutdown');
    for (const id of [...this.sandboxDoors.keys()]) await this.closeSandboxDoor(id);
    this.hostServer.closeAllConnections();
    this.inner.closeAllConnections();
    await new Promise<void>((resolve) => this.hostServer.close(() => resolve()));
    this.upstream.close();
  }

  private publishStats(): void {
    const live = this.deps.live;
    if (!live) return;
    const s = this.stats();
    const key = JSON.stringify([
      s.total,
      s.inFlight,
      s.denials,
      s.errors,
      s.requestsPerSecond,
      s.sandboxDoors,
    ]);
    if (key === this.lastStats) return;
    this.lastStats = key;
    live.publish('gateway.stats', s);
  }

  private httpServer(door: Door, inner = false): Server {
    const server = createServer(
      {
        maxHeaderSize: this.options.maxHeaderBytes,
        headersTimeout: this.options.headersTimeoutMs,
        requestTimeout: this.options.requestTimeoutMs,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, this.options.headersTimeoutMs),
      },
      (req, res) => void this.onRequest(req, res, door, inner),
    );
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
      this.onClientError(err, socket, door),
    );
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      if (inner)
        return void socket.end(
          rawRefusal({
            status: 400,
            code: 'nested_connect',
            reason: 'CONNECT inside an intercepted tunnel is not allowed.',
            rule: 'gateway-input',
          }),
        );
      const agent = this.identify(req, door);
      if (!agent.ok) return void socket.end(rawRefusal(agent.refusal));
      void this.connect.handle(req, socket, head, agent.agent, door.name).catch(() => socket.destroy());
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.onUpgrade(req, socket, head, door, inner).catch(() => socket.destroy());
    });
    return server;
  }

  private async onUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    door: Door,
    inner: boolean,
  ): Promise<void> {
    if (inner) {
      const conn = this.connect.intercepted.get(req.socket);
      if (!conn)
        return void socket.end(
          rawRefusal({
            status: 403,
            code: 'unknown_agent',
            reason: 'Unidentified connection.',
            rule: 'gateway-auth',
          }),
        );
      return this.ws.handle(req, socket, head, {
        agent: conn.agent,
        door: conn.door,
        intercepted: { host: conn.host, port: conn.port },
      });
    }
    const who = this.identify(req, door);
    if (!who.ok) {
      this.counters.error();
      this.pipeline.record({
        kind: 'error',
        status: who.refusal.code,
        rule: who.refusal.rule,
        summary: `upgrade ${(req.url ?? '').slice(0, 100)} → ${who.refusal.status} ${who.refusal.code}`,
        payload: { door: door.name, websocket: true },
      });
      return void socket.end(
        rawRefusal(who.refusal.status === 407 ? { ...who.refusal, status: 401 } : who.refusal),
      );
    }
    return this.ws.handle(req, socket, head, { agent: who.agent, door: door.name });
  }

  private async onRequest(
    req: IncomingMessage,
    res: ServerResponse,
    door: Door,
    inner: boolean,
  ): Promise<void> {
    if (inner) {
      const conn = this.connect.intercepted.get(req.socket);
      if (!conn)
        return void sendRefusal(res, 'http', {
          status: 403,
          code: 'unknown_agent',
          reason: 'Unidentified connection.',
          rule: 'gateway-auth',
        });
      return this.pipeline.handle(req, res, {
        agent: conn.agent,
        door: conn.door,
        intercepted: { host: conn.host, port: conn.port },
      });
    }
    const who = this.identify(req, door);
    if (!who.ok) {
      req.resume();
      const proxyForm = /^https?:/i.test(req.url ?? '');
      const r = who.refusal.status === 407 && !proxyForm ? { ...who.refusal, status: 401 } : who.refusal;
      const dialect = this.dialectOf(req.url ?? '');
      this.counters.error();
      this.pipeline.record({
        kind: 'error',
        status: r.code,
        rule: r.rule,
        summary: `${req.method} ${(req.url ?? '').slice(0, 100)} → ${r.status} ${r.code}`,
        payload: { door: door.name },
      });
      return void sendRefusal(res, dialect, r);
    }
    return this.pipeline.handle(req, res, { agent: who.agent, door: door.name });
  }

  private dialectOf(url: string): Dialect {
    const m = /^\/(llm|svc)\/([^/?]+)/.exec(url);
    if (m) {
      const s = m[1] === 'llm' ? this.deps.services.forLlmRoute(m[2]!) : this.deps.services.get(m[2]!);
      if (s) return s.kind;
    }
    return url.startsWith('/mcp') ? 'mcp' : 'http';
  }

  private identify(
    req: IncomingMessage,
    door: Door,
  ): { ok: true; agent: Agent } | { ok: false; refusal: Refusal } {
    if (door.kind === 'sandbox') {
      // The socket is the identity: anything the request claims about itself is ignored.
      const agent = this.deps.agents.get(door.agentId);
      if (agent) return { ok: true, agent };
      return {
        ok: false,
        refusal: {
          status: 403,
          code: 'unknown_agent',
          reason: 'This sandbox door belongs to an agent that no longer exists.',
          rule: 'gateway-auth',
        },
      };
    }
    const key = presentedKey(req.headers);
    const agent = key ? this.deps.agents.byHostKey(key) : undefined;
    if (agent) return { ok: true, agent };
    return {
      ok: false,
      refusal: {
        status: 407,
        code: 'gateway_auth',
        reason: key
          ? 'The gateway key is not valid.'
          : 'A gateway key is required on the host door (Proxy-Authorization, or the API key of your SDK).',
        rule: 'gateway-auth',
      },
    };
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Socket, door: Door): void {
    const code = err.code ?? '';
    let r: Refusal | undefined;
    if (code === 'HPE_HEADER_OVERFLOW')
      r = {
        status: 431,
        code: 'headers_too_large',
        reason: `Request headers exceed ${this.options.maxHeaderBytes} bytes.`,
        rule: 'gateway-limits',
      };
    else if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
      r = {
        status: 408,
        code: 'request_timeout',
        reason: 'The request did not arrive in time.',
        rule: 'gateway-limits',
      };
    else if (
      code === 'HPE_UNEXPECTED_CONTENT_LENGTH' ||
      code === 'HPE_INVALID_TRANSFER_ENCODING' ||
      code === 'HPE_INVALID_CONTENT_LENGTH'
    )
      r = {
        status: 400,
        code: 'request_smuggling',
        reason: 'Conflicting or invalid Content-Length / Transfer-Encoding.',
        rule: 'gateway-input',
      };
    else if (code.startsWith('HPE_'))
      r = {
        status: 400,
        code: 'malformed_http',
        reason: 'The request is not valid HTTP.',
        rule: 'gateway-input',
      };
    const agent = door.kind === 'sandbox' ? door.agentId : undefined;
    if (code !== 'ECONNRESET' && code !== 'EPIPE') {
      this.counters.error();
      this.pipeline.record({
        kind: 'error',
        agent,
        status: r?.code ?? (code || 'client_error'),
        rule: r?.rule ?? 'gateway-input',
        summary: `bad input on ${door.name}: ${r?.code ?? code}`,
        payload: { door: door.name, parserCode: code || undefined },
      });
    }
    if (
      r &&
      socket.writable &&
      !(socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
    ) {
      socket.end(rawRefusal(r));
      socket.destroySoon?.();
      return;
    }
    socket.destroy();
  }
}
