import { join } from 'node:path';
import type Docker from 'dockerode';
import { openDatabase, type Db } from './db/database.js';
import { ensureDataDir } from './data-dir.js';
import { LiveBus } from './live/bus.js';
import { ControlApi, type Handlers } from './api/registry.js';
import type { Procedures } from '../../shared/api/index.js';
import { systemHandlers } from './system/handlers.js';
import { Ledger } from './ledger/ledger.js';
import { auditHandlers } from './ledger/handlers.js';
import { retentionFromEnv } from './ledger/retention.js';
import { KillSwitch } from './killswitch/killswitch.js';
import { killHandlers } from './killswitch/handlers.js';
import { Policy } from './policy/policy.js';
import { policyHandlers } from './policy/handlers.js';
import { DemoProvider } from './demo/provider.js';
import { demoHandlers } from './demo/handlers.js';
import { DEMO_API_SERVICE, ensureDemoSetup } from './demo/setup.js';
import { probeEngine } from './sandbox/engine.js';
import { Vault } from './vault/vault.js';
import type { KeyProvider } from './vault/key-source.js';
import { vaultHandlers } from './vault/handlers.js';
import { createGatewayComponent } from './gateway/component.js';
import { adapterFor } from './adapters/index.js';
import { PriceTable } from './adapters/prices.js';
import { pricesHandlers } from './adapters/handlers.js';
import { createMcpComponent } from './mcp/component.js';
import { mcpHandlers } from './mcp/handlers.js';
import { mcpServersInScope } from './mcp/kill.js';
import { gatewayHandlers } from './gateway/handlers.js';
import { agentsHandlers } from './agents/handlers.js';
import { createDocker } from './sandbox/engine.js';
import { SandboxManager } from './sandbox/manager.js';
import { sandboxesHandlers } from './sandbox/handlers.js';
import { terminalStreamRoute } from './sandbox/terminal-route.js';
import { logsStreamRoute } from './sandbox/logs-route.js';
import { GATEHOUSE_VERSION } from './version.js';
import { createLog, type Log } from './log.js';
import type { ExtraRoute } from './server/routes.js';

export interface CoreOptions {
  dataDir: string;
  mode: 'desktop' | 'headless';
  electronVersion?: string;
  env?: NodeJS.ProcessEnv;
  /** Port of the host-agent gateway door (0 = any free port). */
  gatewayPort?: number;
  /** The vault master key's store (the Electron shell passes a safeStorage-backed one). */
  vaultKeyProvider?: KeyProvider;
}

/**
 * The composition root: every core service is created here, in dependency order, and closed
 * in reverse. Nothing else constructs services; they receive what they need.
 */
export interface Core {
  readonly options: CoreOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  readonly startedAt: Date;
  readonly version: string;
  readonly db: Db;
  readonly live: LiveBus;
  readonly docker: Docker;
  readonly log: Log;
  readonly api: ControlApi;
  /** The audit ledger (tests and the shell reach it here; components get it passed in). */
  readonly ledger: Ledger;
  /** Sandboxes (create/wait/haltScope/terminals...), for in-process callers like the demo scenarios. */
  readonly sandboxes: SandboxManager;
  /** The MCP hub and its server store (the gateway mounts the hub at /mcp). */
  readonly mcp: ReturnType<typeof createMcpComponent>;
  /** Extra authenticated routes on the headless control server (terminals, ...). */
  readonly routes: ExtraRoute[];
  /** Extra fields for `gatehouse serve --json` (the gateway address, ...). */
  readonly announce: Record<string, unknown>;
  close(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const env = options.env ?? process.env;
  const dataDir = ensureDataDir(options.dataDir);
  const log = createLog();
  const db = openDatabase(join(dataDir, 'gatehouse.db'));
  const live = new LiveBus();
  const docker = createDocker(env);
  const routes: ExtraRoute[] = [];
  const announce: Record<string, unknown> = {};
  const closers: (() => Promise<void> | void)[] = [() => void db.close()];
  const startedAt = new Date();
  const base = {
    options,
    env,
    dataDir,
    startedAt,
    version: GATEHOUSE_VERSION,
    db,
    live,
    docker,
    log,
    routes,
    announce,
  };

  // --- components: each owner adds its construction here, in dependency order, and pushes its closer ---
  // Audit ledger first (its own file, writer thread): everything after it records into it; it closes last.
  // Its checkpoint signing key is held by the vault (below); checkpoints wait until the vault is unlocked.
  const ledger = await Ledger.open({
    file: join(dataDir, 'ledger.db'),
    retention: retentionFromEnv(env),
    signer: 'later',
  });
  closers.push(() => ledger.close());
  const unsubscribeLedger = ledger.subscribe((events) => live.publish('ledger.events', events));
  closers.push(unsubscribeLedger);
  // Kill switch first: engaged switches are loaded from the DB before any door opens (fail closed).
  const killSwitch = KillSwitch.open({
    db,
    record: (e) => ledger.append(e),
    publish: (d) => live.publish('kill.changed', d),
  });
  // Policy: versions in the core DB (default policy on first start); budgets/guardrails may engage the kill switch.
  const policy = Policy.open({
    db,
    live,
    audit: (e) => ledger.append(e),
    engageKill: (scope, reason) => killSwitch.engage(scope, 'policy', reason),
  });
  closers.push(() => policy.close());
  // Vault: credentials encrypted in the core DB; master key from the shell, GATEHOUSE_VAULT_KEY, the keyring or a passphrase.
  const vault = await Vault.open({
    dataDir,
    db,
    env,
    live,
    ledger,
    redactTo: [log],
    ...(options.vaultKeyProvider ? { keyProvider: options.vaultKeyProvider } : {}),
    warn: (line) => log.warn(line),
  });
  closers.push(() => vault.close());
  // The ledger signs checkpoints with the vault's key (a ledger's own key file is adopted, then deleted).
  const lendSigner = (): void => {
    const signer = vault.checkpointSigner(join(dataDir, 'ledger-signing.key'));
    if (signer) ledger.useSigner(signer);
  };
  lendSigner();
  closers.push(
    live.subscribe((m) => {
      if (m.topic === 'vault.changed' && !ledger.signingPublicKey) lendSigner();
    }),
  );
  killSwitch.onEngage((scope) => ({ leasesRevoked: vault.revokeForKill(scope) }));
  // The built-in LLM upstream (no API key needed), registered as service `demo`.
  const demoProvider = await DemoProvider.start();
  closers.push(() => demoProvider.close());
  // Adapters' price table (shipped resources/prices.json + the admin's entries) and the MCP hub the gateway mounts at /mcp.
  const prices = new PriceTable(db);
  const mcp = createMcpComponent({ db, policy, vault, ledger });
  closers.push(() => mcp.close());
  // Gateway: agents, services and Gatehouse's CA (<dataDir>/ca); the host door on loopback; one socket door per sandbox.
  const gw = await createGatewayComponent({
    dataDir,
    db,
    live,
    env,
    ...(options.gatewayPort !== undefined ? { port: options.gatewayPort } : {}),
    adapterFor,
    prices,
    deps: {
      ledger,
      policy: policy.engine,
      limits: policy.limits,
      guardrails: policy.guardrails,
      approvals: policy.approvals,
      vault,
      killSwitch,
      mcp: mcp.hub,
    },
  });
  closers.push(() => gw.close());
  announce.gateway = gw.gateway.address;
  killSwitch.onEngage((scope) => gw.onKill(scope));
  policy.recent = gw.recentRequests(
    () =>
      ledger.queries.events({ kind: ['request', 'decision'] }, { order: 'desc', limit: 1000, payload: true })
        .items,
  );
  // The built-in demo provider as services `demo` (Anthropic) and `demo-openai` (OpenAI); no credential needed.
  gw.services.add({ name: 'demo', kind: 'anthropic', baseUrl: demoProvider.address }, { replace: true });
  gw.services.add({ name: 'demo-openai', kind: 'openai', baseUrl: demoProvider.address }, { replace: true });
  // Sandboxes: containers whose only way out is their own gateway socket; re-attached (or cleaned up) on start.
  const sandboxes = new SandboxManager({
    docker,
    db,
    dataDir,
    live,
    ledger,
    agents: gw.agents,
    doors: gw.gateway,
    caCertPem: () => gw.ca.certPem,
    secretValues: () => vault.knownSecretValues(),
    env,
  });
  await sandboxes.open();
  closers.push(() => sandboxes.close());
  killSwitch.onEngage(async (scope, ctx) => {
    const n = await sandboxes.haltScope(scope, ctx.sandboxAction);
    return { [ctx.sandboxAction === 'stop' ? 'sandboxesStopped' : 'sandboxesPaused']: n };
  });
  killSwitch.onRelease(async (scope, ctx) =>
    ctx.resumeSandboxes ? { sandboxesResumed: await sandboxes.resumeScope(scope) } : undefined,
  );
  // MCP servers a switch covers entirely are stopped, and stay stopped until it is released.
  const mcpNames = () => mcp.store.list().map((m) => m.name);
  killSwitch.onEngage(async (scope) => {
    const names = mcpServersInScope(scope, mcpNames());
    return names.length ? { mcpServersStopped: await mcp.hub.governor.halt(names) } : undefined;
  });
  killSwitch.onRelease((scope) => {
    // ...unless another switch still covers a server (the global one, or its own name).
    const free = mcpServersInScope(scope, mcpNames()).filter(
      (n) => !killSwitch.halted('', n) && !killSwitch.halted('', 'mcp'),
    );
    mcp.hub.governor.resume(free);
    return undefined;
  });
  routes.push(terminalStreamRoute(sandboxes.terminals));
  routes.push(logsStreamRoute(sandboxes));
  // Demo scenarios: the project API service, the demo MCP server, its vault token and policy stanzas follow the
  // provider's port; set up on the first `demo.run`, refreshed at start once they exist.
  const demoWorld = { services: gw.services, mcpServers: mcp.store, vault, policy: policy.engine };
  const prepareDemo = () => {
    demoProvider.apiToken = ensureDemoSetup(demoWorld, demoProvider.address) ?? demoProvider.apiToken;
  };
  if (gw.services.get(DEMO_API_SERVICE)) {
    try {
      prepareDemo();
    } catch (e) {
      log.warn('demo setup', e);
    }
  }
  const demoDeps = {
    dataDir,
    gatewayAddress: () => gw.gateway.address,
    agents: gw.agents,
    newRunId: () => ledger.newRunId(),
    sandboxes,
    engineReachable: async () => (await probeEngine(docker)).reachable,
    prepare: prepareDemo,
    log: (line: string) => log.info(line),
  };

  // --- control API: each owner spreads its handlers here ---
  const handlers: Partial<Handlers<Procedures>> = {
    ...systemHandlers(base),
    ...sandboxesHandlers(sandboxes, live),
    ...auditHandlers({
      ledger,
      // Compare groups by label (agent version A vs B): the registry knows which agents carry it.
      agentsWithLabel: (key, value) =>
        gw.agents
          .list()
          .filter((a) => a.labels[key] === value)
          .map((a) => a.id),
    }),
    ...killHandlers(killSwitch, {
      resolveAgent: (x) => gw.agents.get(x)?.id ?? gw.agents.list().find((a) => a.name === x)?.id,
    }),
    ...demoHandlers(demoDeps),
    ...policyHandlers(policy),
    ...pricesHandlers(prices, (e) => ledger.append(e)),
    ...mcpHandlers(mcp.store, mcp.hub, (e) => ledger.append(e)),
    ...vaultHandlers(vault),
    ...gatewayHandlers(gw, (e) => ledger.append(e)),
    ...agentsHandlers(gw.agents, {
      live,
      gatewayUrl: () => gw.gateway.address,
      audit: (e) => ledger.append(e),
    }),
  };

  const api = new ControlApi(handlers);
  return {
    ...base,
    ledger,
    api,
    sandboxes,
    mcp,
    async close() {
      for (const close of closers.reverse()) {
        try {
          await close();
        } catch (e) {
          log.error('while closing', e);
        }
      }
    },
  };
}
