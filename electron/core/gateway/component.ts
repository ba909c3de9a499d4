import { join } from 'node:path';
import type { Usage } from '../../../shared/events.js';
import { AgentRegistry, type Agent } from '../agents/registry.js';
import { CertificateAuthority, type KeyWrap } from '../ca/ca.js';
import type { Db } from '../db/database.js';
import type { LiveBus } from '../live/bus.js';
import type { GatewayDeps } from './deps.js';
import { Gateway } from './gateway.js';
import type { GatewayOptions } from './options.js';
import type { AdaptersPort, KillScope, Operation } from './ports.js';
import { ServiceStore } from './services.js';

export interface GatewayComponentOptions {
  dataDir: string;
  db: Db;
  live: LiveBus;
  port?: number;
  env?: NodeJS.ProcessEnv;
  /** The rest of the pipeline's neighbours (ledger, policy engine, limits, guardrails, approvals, vault, kill switch, ...). */
  deps: Omit<GatewayDeps, 'agents' | 'services' | 'ca' | 'live'>;
  /** The adapters' adapterFor and a price table (prices.cost(model, usage)). */
  adapterFor?: AdaptersPort['adapterFor'];
  prices?: { cost(model: string, usage: Partial<Usage>): number | null };
  options?: Partial<GatewayOptions>;
}

export interface GatewayComponent {
  agents: AgentRegistry;
  services: ServiceStore;
  ca: CertificateAuthority;
  gateway: Gateway;
  /** Aborts in-flight requests in a kill scope; returns what the kill event records. */
  onKill(scope: KillScope): { streamsAborted: number };
  /** Recorded requests for the policy's dry-run (from the ledger's request and decision events). */
  recentRequests(events: () => { agent?: string; service?: string; payload?: unknown }[]): {
    recent(n: number): { agent: Agent; service: { name: string; kind: string }; operation: Operation }[];
  };
  close(): Promise<void>;
}

/** Builds the gateway and what it owns (agents, services, Gatehouse's CA); app.ts calls this once. */
export async function createGatewayComponent(o: GatewayComponentOptions): Promise<GatewayComponent> {
  const agents = new AgentRegistry(o.db);
  const services = new ServiceStore(o.db);
  // The CA key is sealed by the vault's master key where the vault offers keyWrap (see ca/README.md).
  const wrap = (): KeyWrap | undefined => {
    try {
      return o.deps.vault?.keyWrap?.('ca-key');
    } catch {
      return undefined;
    }
  };
  const initialWrap = wrap();
  const ca = await CertificateAuthority.open({
    dir: join(o.dataDir, 'ca'),
    ...(initialWrap ? { keyWrap: initialWrap } : {}),
  });
  // A passphrase vault unlocked later: unseal (or seal, on first use) the CA key then.
  const vaultWatch = o.live.subscribe((m) => {
    if (m.topic !== 'vault.changed' || ca.protection === 'vault') return;
    const w = wrap();
    if (w) void ca.unlock(w).catch(() => undefined);
  });
  const env = o.env ?? process.env;
  const port = o.port ?? (env.GATEHOUSE_GATEWAY_PORT ? Number(env.GATEHOUSE_GATEWAY_PORT) : 0);
  const prices = o.prices;
  const adapters: AdaptersPort | undefined = o.adapterFor
    ? {
        adapterFor: o.adapterFor,
        costOf: (_provider, model, usage) => (prices ? prices.cost(model, usage) : null),
      }
    : undefined;
  const gateway = await Gateway.start(
    { ...o.deps, agents, services, ca, live: o.live, ...(adapters ? { adapters } : {}) },
    { ...o.options, port },
  );
  const changed = services.onChange(() => o.live.publish('services.changed'));
  return {
    agents,
    services,
    ca,
    gateway,
    onKill: (scope) => ({ streamsAborted: gateway.abort(scope, 'kill') }),
    recentRequests: (events) => ({
      recent(n: number) {
        const out: { agent: Agent; service: { name: string; kind: string }; operation: Operation }[] = [];
        for (const e of events().slice(0, n)) {
          const agent = e.agent ? agents.get(e.agent) : undefined;
          const op = (e.payload as { operation?: Operation } | undefined)?.operation;
          if (!agent || !op || !e.service) continue;
          out.push({
            agent,
            service: { name: e.service, kind: services.get(e.service)?.kind ?? 'http' },
            operation: op,
          });
        }
        return out;
      },
    }),
    async close() {
      changed();
      vaultWatch();
      await gateway.close();
    },
  };
}
