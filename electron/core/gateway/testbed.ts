import { mkdtempSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentRegistry } from '../agents/registry.js';
import { CertificateAuthority } from '../ca/ca.js';
import { openDatabase, type Db } from '../db/database.js';
import { KillSwitch } from '../killswitch/killswitch.js';
import { Ledger } from '../ledger/ledger.js';
import { LiveBus } from '../live/bus.js';
import { Policy } from '../policy/policy.js';
import { Vault } from '../vault/vault.js';
import { adapterFor } from '../adapters/index.js';
import { Gateway } from './gateway.js';
import type { GatewayOptions } from './options.js';
import { ServiceStore } from './services.js';

/** What an upstream stand-in saw. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export const SECRET = 'sk-test-REAL-SECRET-4f9a2b7c';

/**
 * Real parts on loopback for gateway tests: the real Ledger, PolicyEngine (+ limits, guardrails,
 * approvals), Vault (memory key), KillSwitch and CA, plus upstream stand-ins (HTTP and HTTPS
 * with a test CA) that record what reached them.
 */
export async function openTestbed(
  policyYaml: string,
  handler: UpstreamHandler,
  gw: Partial<GatewayOptions> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-gw-'));
  const db: Db = openDatabase(join(dir, 'gatehouse.db'));
  const live = new LiveBus();
  const ledger = await Ledger.open({ file: join(dir, 'ledger.db'), busyTimeoutMs: 100 });
  const killSwitch = KillSwitch.open({ db, record: (e) => ledger.append(e) });
  const policy = Policy.open({ db, live, defaultPolicy: policyYaml, audit: (e) => ledger.append(e) });
  const vault = await Vault.open({ dataDir: dir, db, keySource: 'memory', ledger });
  vault.set({ name: 'up-key', config: { kind: 'static' }, value: SECRET });
  const agents = new AgentRegistry(db);
  const services = new ServiceStore(db);
  const ca = await CertificateAuthority.open({ dir: join(dir, 'ca') });

  // The upstream's own CA, unrelated to Gatehouse's.
  const upstreamCa = await CertificateAuthority.open({
    dir: join(dir, 'upstream-ca'),
    commonName: 'Test Upstream CA',
  });
  const leaf = await upstreamCa.leafFor('localhost');
  const seen: Seen[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const https = createHttpsServer(
    { cert: leaf.certPem + '\n' + upstreamCa.certPem, key: leaf.keyPem },
    onRequest,
  );
  const http = createHttpServer(onRequest);
  await Promise.all([listen(https), listen(http)]);
  const httpsPort = (https.address() as AddressInfo).port;
  const httpPort = (http.address() as AddressInfo).port;

  const gateway = await Gateway.start(
    {
      agents,
      services,
      ca,
      ledger,
      adapters: { adapterFor },
      policy: policy.engine,
      limits: policy.limits,
      guardrails: policy.guardrails,
      approvals: policy.approvals,
      vault,
      killSwitch,
      live,
    },
    {
      extraCaCerts: [upstreamCa.certPem],
      headersTimeoutMs: 1000,
      requestTimeoutMs: 3000,
      statsIntervalMs: 100,
      ...gw,
    },
  );
  killSwitch.onEngage((scope) => ({ streamsAborted: gateway.abort(scope, 'kill') }));
  const events = async (filter: { kind?: string | string[]; agent?: string } = {}) => {
    await ledger.flush();
    return ledger.queries.events(filter, { payload: true, limit: 5000 }).items;
  };
  return {
    dir,
    db,
    live,
    ledger,
    killSwitch,
    policy,
    vault,
    agents,
    services,
    ca,
    upstreamCa,
    gateway,
    seen,
    httpsPort,
    httpPort,
    events,
    async close() {
      await gateway.close();
      https.closeAllConnections();
      http.closeAllConnections();
      https.close();
      http.close();
      policy.close();
      await vault.close();
      await ledger.close();
      db.close();
    },
  };
}

export type Testbed = Awaited<ReturnType<typeof openTestbed>>;

function listen(s: Server): Promise<void> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
}
