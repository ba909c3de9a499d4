import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AgentRegistry, type Agent } from '../agents/registry.js';
import { CertificateAuthority } from '../ca/ca.js';
import { openDatabase, type Db } from '../db/database.js';
import { DemoProvider } from '../demo/provider.js';
import { Gateway } from '../gateway/gateway.js';
import { ServiceStore } from '../gateway/services.js';
import { Ledger } from '../ledger/ledger.js';
import { LiveBus } from '../live/bus.js';
import { Policy } from '../policy/policy.js';
import { adapterFor } from '../adapters/index.js';
import { SandboxManager } from '../sandbox/manager.js';
import { createDocker } from '../sandbox/engine.js';
import { KillSwitch, type KillCounts } from './killswitch.js';

/**
 * Real parts on loopback for the kill-switch end-to-end test and benchmark: the core DB, the
 * ledger, the policy (default document: demo agents may use the `demo` service), the gateway's
 * host door, the demo provider streaming slowly as upstream, and the kill switch wired to the
 * gateway's in-flight registry exactly as app.ts wires it.
 */
export class KillTestbed {
  private constructor(
    readonly dir: string,
    readonly db: Db,
    readonly ledger: Ledger,
    readonly policy: Policy,
    readonly agents: AgentRegistry,
    readonly services: ServiceStore,
    readonly provider: DemoProvider,
    readonly gateway: Gateway,
    readonly killSwitch: KillSwitch,
    readonly live: LiveBus,
  ) {}

  static async start(
    opts: {
      dir?: string;
      slowChunkMs?: number;
      /** Route service `demo` to this upstream (e.g. a provider in another process) instead of the in-process one. */
      upstream?: string;
    } = {},
  ): Promise<KillTestbed> {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gh-kill-e2e-'));
    const db = openDatabase(join(dir, 'gatehouse.db'));
    const live = new LiveBus();
    const ledger = await Ledger.open({ file: join(dir, 'ledger.db') });
    const killSwitch = KillSwitch.open({
      db,
      record: (e) => ledger.append(e),
      publish: (d) => live.publish('kill.changed', d),
    });
    const policy = Policy.open({ db, live, audit: (e) => ledger.append(e) });
    const agents = new AgentRegistry(db);
    const services = new ServiceStore(db);
    const ca = await CertificateAuthority.open({ dir: join(dir, 'ca') });
    const provider = await DemoProvider.start({ slowChunkMs: opts.slowChunkMs ?? 10, slowChunks: 5_000 });
    services.add(
      { name: 'demo', kind: 'anthropic', baseUrl: opts.upstream ?? provider.address, hosts: [] },
      { replace: true },
    );
    const gateway = await Gateway.start(
      {
        agents,
        services,
        ca,
        ledger,
        policy: policy.engine,
        limits: policy.limits,
        guardrails: policy.guardrails,
        approvals: policy.approvals,
        killSwitch,
        live,
        adapters: { adapterFor, costOf: () => null },
      },
      { port: 0 },
    );
    killSwitch.onEngage((scope) => ({ streamsAborted: gateway.abort(scope, 'kill') }));
    // As app.ts: budgets with `onExhausted: kill` (and guardrail thresholds) engage the switch.
    policy.setEngageKill((scope, reason) => killSwitch.engage(scope, 'policy', reason));
    return new KillTestbed(dir, db, ledger, policy, agents, services, provider, gateway, killSwitch, live);
  }

  sandboxes: SandboxManager | undefined;

  /** Adds the real sandbox manager (Docker), wired to the kill switch as app.ts wires it. */
  async withSandboxes(): Promise<SandboxManager> {
    const sandboxes = new SandboxManager({
      docker: createDocker(),
      db: this.db,
      dataDir: this.dir,
      live: this.live,
      ledger: this.ledger,
      agents: this.agents,
      doors: this.gateway,
    });
    await sandboxes.open();
    this.killSwitch.onEngage(async (scope, ctx): Promise<KillCounts> => {
      const n = await sandboxes.haltScope(scope, ctx.sandboxAction);
      return ctx.sandboxAction === 'pause' ? { sandboxesPaused: n } : { sandboxesStopped: n };
    });
    this.killSwitch.onRelease(async (scope, ctx): Promise<KillCounts> =>
      ctx.resumeSandboxes ? { sandboxesResumed: await sandboxes.resumeScope(scope) } : {},
    );
    this.sandboxes = sandboxes;
    return sandboxes;
  }

  hostAgent(name: string, template = 'demo-helpful'): { agent: Agent; key: string } {
    const agent = this.agents.create({ name, template, sandboxed: false });
    return { agent, key: this.agents.createHostKey(agent.id) };
  }

  /** Opens a streaming model call through the host door; resolves once its first bytes arrived. */
  openStream(key: string, label: string): Promise<AgentStream> {
    return AgentStream.open(this.gateway.address, key, label);
  }

  async close(opts: { keepDir?: boolean } = {}): Promise<void> {
    if (this.sandboxes) {
      for (const sb of await this.sandboxes.list()) await this.sandboxes.remove(sb.id).catch(() => undefined);
      await this.sandboxes.close();
    }
    await this.gateway.close();
    await this.provider.close();
    this.policy.close();
    await this.ledger.close();
    this.db.close();
    if (!opts.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The agent side of one stream: every byte it receives, and when it ended. */
export class AgentStream {
  bytes = 0;
  /** Bytes received at the moment `mark()` was called (the cut). */
  bytesAtMark = 0;
  closedAt: number | undefined;
  ended: 'complete' | 'cut' | undefined;
  status = 0;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  private constructor(readonly label: string) {
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
  }

  static open(gatewayAddress: string, key: string, label: string): Promise<AgentStream> {
    const s = new AgentStream(label);
    const url = new URL('/llm/demo/v1/messages', gatewayAddress);
    const body = JSON.stringify({
      model: 'demo-slow',
      max_tokens: 16,
      stream: true,
      messages: [{ role: 'user', content: label }],
    });
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'anthropic-version': '2023-06-01',
            'proxy-authorization': `Bearer ${key}`,
          },
        },
        (res: IncomingMessage) => {
          s.status = res.statusCode ?? 0;
          let first = true;
          res.on('data', (c: Buffer) => {
            s.bytes += c.length;
            if (first) {
              first = false;
              resolve(s);
            }
          });
          const done = (how: 'complete' | 'cut') => {
            if (s.closedAt !== undefined) return;
            s.closedAt = performance.now();
            s.ended = how;
            s.resolveClosed();
            if (first) resolve(s);
          };
          res.on('end', () => done(res.complete ? 'complete' : 'cut'));
          res.on('error', () => done('cut'));
          res.on('close', () => done(res.complete ? 'complete' : 'cut'));
        },
      );
      req.on('error', (e) => (s.closedAt === undefined ? reject(e) : undefined));
      req.end(body);
    });
  }

  mark(): void {
    this.bytesAtMark = this.bytes;
  }

  closed(): Promise<void> {
    return this.closedPromise;
  }
}
