import { loadavg } from 'node:os';
import { percentile, quick, writeResult } from './lib/result.js';
import { tempLedger } from '../electron/core/ledger/test-helpers.js';
import { driveBrowser, startOAuthServer } from '../electron/core/vault/testing/oauth-server.js';
import { tempVault } from '../electron/core/vault/testing/temp-vault.js';

// `npm run bench -- vault`: lease latency with a warm cache (the gateway's per-request path, ledger on)
// and cold mint time against a real OAuth server (oidc-provider on loopback) beside that server's own
// response time for the same token request.

const WARM = quick ? 20_000 : 200_000;
const COLD = quick ? 100 : 500;

const as = await startOAuthServer();
const l = await tempLedger();
const t = await tempVault({ ledger: l.ledger });
const v = t.vault;
v.set({
  name: 'cc',
  config: {
    kind: 'oauth-client-credentials',
    tokenUrl: as.tokenUrl,
    clientId: as.service.clientId,
    scopes: ['read'],
  },
  value: as.service.clientSecret,
});
v.set({
  name: 'key',
  config: { kind: 'static', inject: { type: 'header', name: 'x-api-key' } },
  value: 'sk-bench-0123456789abcdef0123',
});
v.set({
  name: 'user',
  config: {
    kind: 'oauth-pkce',
    authorizeUrl: as.authorizeUrl,
    tokenUrl: as.tokenUrl,
    clientId: as.cli.clientId,
    scopes: ['openid', 'read'],
  },
});
const flow = await v.connectStart('user', 60);
await driveBrowser(flow.authorizeUrl);

const req = { agent: 'bench', service: 'svc', operation: 'http:GET api/x' };
const us = (ns: bigint) => Number(ns) / 1000;
const ms = (ns: bigint) => Number(ns) / 1e6;

async function warm(credential: string): Promise<number[]> {
  await v.lease({ ...req, credential });
  for (let i = 0; i < 2000; i++) await v.lease({ ...req, credential }); // JIT warm-up
  const out: number[] = [];
  for (let i = 0; i < WARM; i++) {
    const t0 = process.hrtime.bigint();
    await v.lease({ ...req, credential });
    out.push(us(process.hrtime.bigint() - t0));
    if (i % 256 === 0) await new Promise((r) => setImmediate(r)); // let the ledger writer drain, as between requests
  }
  return out.sort((a, b) => a - b);
}

async function cold(
  credential: string,
  grant: Record<string, string>,
): Promise<{ mint: number[]; server: number[] }> {
  const mint: number[] = [];
  const server: number[] = [];
  const direct = async () => {
    const t1 = process.hrtime.bigint();
    const res = await fetch(as.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${as.service.clientId}:${as.service.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams(grant),
    });
    await res.json();
    server.push(ms(process.hrtime.bigint() - t1));
  };
  const viaVault = async () => {
    v.revokeAll({ credential });
    await new Promise((r) => setImmediate(r));
    const t0 = process.hrtime.bigint();
    await v.lease({ ...req, credential });
    mint.push(ms(process.hrtime.bigint() - t0));
  };
  for (let i = 0; i < COLD; i++) {
    // Alternate the order so neither side always runs on a warmer connection.
    if (i % 2) {
      await direct();
      await viaVault();
    } else {
      await viaVault();
      await direct();
    }
  }
  return { mint: mint.sort((a, b) => a - b), server: server.sort((a, b) => a - b) };
}

// A new lease every time (a fresh agent per call, static key): lease record + ledger event on the path.
// Its own vault and ledger, so the other phases' state (50k agents, minted tokens to redact) stays apart.
async function newLeases(): Promise<number[]> {
  const l2 = await tempLedger();
  const t2 = await tempVault({ ledger: l2.ledger });
  t2.vault.set({ name: 'key', config: { kind: 'static' }, value: 'sk-bench-fedcba9876543210fedc' });
  const out: number[] = [];
  for (let i = 0; i < WARM / 4; i++) {
    const t0 = process.hrtime.bigint();
    await t2.vault.lease({ ...req, agent: `agent-${i}`, credential: 'key' });
    out.push(us(process.hrtime.bigint() - t0));
    if (i % 256 === 0) await new Promise((r) => setImmediate(r));
  }
  await l2.ledger.flush();
  await t2.cleanup();
  await l2.cleanup();
  return out.sort((a, b) => a - b);
}
const fresh = await newLeases();

// Let the ledger writer catch up between phases, so one phase's backlog is not billed to the next.
const warmCc = await warm('cc');
await l.ledger.flush();
const warmStatic = await warm('key');
await l.ledger.flush();

const cc = await cold('cc', { grant_type: 'client_credentials', scope: 'read' });

// Refresh grant (rotating refresh token): the server side cannot be replayed without spending the token,
// so its cold figure stands alone.
const refresh: number[] = [];
for (let i = 0; i < Math.min(COLD, 200); i++) {
  v.revokeAll({ credential: 'user' });
  const t0 = process.hrtime.bigint();
  await v.lease({ ...req, credential: 'user' });
  refresh.push(ms(process.hrtime.bigint() - t0));
}
refresh.sort((a, b) => a - b);

await l.ledger.flush();
const figures = {
  lease_warm_p50_us: percentile(warmCc, 50),
  lease_warm_p99_us: percentile(warmCc, 99),
  lease_warm_static_p99_us: percentile(warmStatic, 99),
  lease_new_p50_us: percentile(fresh, 50),
  lease_new_p99_us: percentile(fresh, 99),
  cold_mint_client_credentials_p50_ms: percentile(cc.mint, 50),
  cold_mint_client_credentials_p99_ms: percentile(cc.mint, 99),
  oauth_server_token_p50_ms: percentile(cc.server, 50),
  oauth_server_token_p99_ms: percentile(cc.server, 99),
  cold_mint_overhead_p50_ms: percentile(cc.mint, 50) - percentile(cc.server, 50),
  cold_mint_refresh_rotating_p50_ms: percentile(refresh, 50),
};
writeResult('vault', {
  figures,
  peers: [
    {
      name: 'oidc-provider',
      version: '9.13.3',
      role: 'the loopback OAuth server itself: its token endpoint response time',
    },
  ],
  table: { warm_leases: WARM, cold_mints: COLD, target_lease_warm_p99_us: 50 },
  notes: [
    `load average at the end of the run: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (shared machine: tails include scheduler preemption)`,
    'warm = cached access token and the held lease (one lease per agent × service × scope for its first half-life): the per-request path',
    'new = a lease issued and recorded each call (lease record + real Ledger append), static key, a fresh agent per call',
    'cold = cache dropped (revokeAll) then lease: token endpoint round trip + caching; server figure = same request via fetch',
  ],
});
await t.cleanup();
await l.cleanup();
await as.close();
