import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { driveBrowser, startOAuthServer, type OAuthTestServer } from './testing/oauth-server.js';
import { ledgerProbe, tempVault } from './testing/temp-vault.js';

let as: OAuthTestServer;
beforeAll(async () => {
  as = await startOAuthServer();
});
afterAll(() => as.close());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function vault(opts: Parameters<typeof tempVault>[0] = {}) {
  const t = await tempVault(opts);
  cleanups.push(t.cleanup);
  return t;
}

const req = { agent: 'a1', service: 'svc', operation: 'http:GET api/x' };

/** Connects an oauth-pkce credential through the real authorize + token endpoints. */
async function connected(v: Awaited<ReturnType<typeof vault>>['vault'], name = 'user') {
  v.set({
    name,
    config: {
      kind: 'oauth-pkce',
      authorizeUrl: as.authorizeUrl,
      tokenUrl: as.tokenUrl,
      clientId: as.cli.clientId,
      scopes: ['openid', 'read'],
    },
  });
  const flow = await v.connectStart(name, 60);
  const page = await driveBrowser(flow.authorizeUrl);
  expect(page.status).toBe(200);
  expect(page.body).toContain('Connected');
  expect(v.connectStatus(flow.id)?.state).toBe('connected');
  return flow;
}

describe('oauth kinds against oidc-provider on loopback', () => {
  it('client credentials: mints, caches until shortly before expiry, re-mints after', async () => {
    let now = Date.now();
    const { vault: v } = await vault({ now: () => now });
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
    const before = as.tokenCalls.length;
    const l1 = await v.lease({ ...req, credential: 'cc' });
    const l2 = await v.lease({ ...req, credential: 'cc' });
    expect(l1.value).toBe(l2.value);
    expect(as.tokenCalls.length - before).toBe(1);
    expect(l1.scope).toContain('read');
    // The real provider accepts the minted token.
    expect(await as.provider.ClientCredentials.find(l1.value)).toBeTruthy();
    // Token TTL is 600 s: at 550 s it is inside the refresh window and a new one is minted.
    now += 550_000;
    const l3 = await v.lease({ ...req, credential: 'cc' });
    expect(l3.value).not.toBe(l1.value);
    expect(as.tokenCalls.length - before).toBe(2);
    // Lease never outlives the token.
    expect(Date.parse(l3.expiresAt)).toBeLessThanOrEqual(now + 600_000);
  });

  it('revocation (kill switch) revokes the dropped token at the provider (RFC 7009)', async () => {
    const { vault: v } = await vault();
    v.set({
      name: 'cc',
      config: {
        kind: 'oauth-client-credentials',
        tokenUrl: as.tokenUrl,
        revocationUrl: `${as.issuer}/token/revocation`,
        clientId: as.service.clientId,
        scopes: ['read'],
      },
      value: as.service.clientSecret,
    });
    const lease = await v.lease({ ...req, credential: 'cc' });
    expect(await as.provider.ClientCredentials.find(lease.value)).toBeTruthy();
    expect(v.revokeForKill({ kind: 'agent', agent: req.agent })).toBe(1);
    await vi.waitFor(async () =>
      expect(await as.provider.ClientCredentials.find(lease.value)).toBeUndefined(),
    );
    expect((await v.lease({ ...req, credential: 'cc' })).value).not.toBe(lease.value);
  });

  it('client credentials with a wrong secret: credential_rejected, no value in the message', async () => {
    const { vault: v } = await vault();
    v.set({
      name: 'cc',
      config: { kind: 'oauth-client-credentials', tokenUrl: as.tokenUrl, clientId: as.service.clientId },
      value: 'not-the-secret-123456',
    });
    const err = await v.lease({ ...req, credential: 'cc' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credential_rejected' });
    expect(String((err as Error).message)).not.toContain('not-the-secret-123456');
  });

  it('PKCE on behalf of a user: loopback redirect completes the exchange and stores the refresh token', async () => {
    const probe = ledgerProbe();
    const { vault: v } = await vault({ ledger: probe });
    const flow = await connected(v);
    expect(new URL(flow.redirectUri).hostname).toBe('127.0.0.1');
    expect(new URL(flow.authorizeUrl).searchParams.get('code_challenge_method')).toBe('S256');
    expect(v.list().find((c) => c.name === 'user')?.state).toBe('ok');
    const lease = await v.lease({ ...req, credential: 'user' });
    const at = await as.provider.AccessToken.find(lease.value);
    expect(at).toBeTruthy();
    // The listener is closed after use.
    await expect(fetch(flow.redirectUri)).rejects.toThrow();
    // The refresh token is known for redaction but never in a ledger event.
    expect(probe.redactions.length).toBeGreaterThan(0);
    const text = JSON.stringify(probe.events);
    for (const s of v.knownSecretValues()) expect(text).not.toContain(s);
  });

  it('refresh token rotation: each refresh stores the rotated token (old one is spent)', async () => {
    let now = Date.now();
    const { vault: v, reopen } = await vault({ now: () => now });
    await connected(v);
    const a = await v.lease({ ...req, credential: 'user' });
    now += 590_000;
    const b = await v.lease({ ...req, credential: 'user' });
    now += 590_000;
    const c = await v.lease({ ...req, credential: 'user' });
    expect(new Set([a.value, b.value, c.value]).size).toBe(3);
    // Parallel leases for different agents share one refresh chain: no spent-token reuse.
    now += 590_000;
    const many = await Promise.all(
      ['x', 'y', 'z'].map((agent) => v.lease({ ...req, agent, credential: 'user' })),
    );
    expect(many).toHaveLength(3);
    // The rotated token was persisted: a restart still refreshes.
    const { vault: again } = await reopen({ now: () => now });
    expect((await again.lease({ ...req, agent: 'fresh', credential: 'user' })).value).toBeTruthy();
  });

  it('oauth-refresh with a pasted refresh token; revoked upstream → credential_reconnect_needed, visible in list', async () => {
    const { vault: v } = await vault();
    // Get a real refresh token from the provider through a connected credential.
    await connected(v, 'seed');
    // Read it the way an operator would paste it: rotate it out via a lease, then find the newest one.
    const rows = v.knownSecretValues();
    v.delete('seed');
    let chosen: string | undefined;
    for (const value of rows) if (await as.provider.RefreshToken.find(value)) chosen = value;
    expect(chosen).toBeDefined();
    v.set({
      name: 'rt',
      config: { kind: 'oauth-refresh', tokenUrl: as.tokenUrl, clientId: as.cli.clientId, authMethod: 'none' },
      value: chosen as string,
    });
    const ok = await v.lease({ ...req, credential: 'rt' });
    expect(await as.provider.AccessToken.find(ok.value)).toBeTruthy();
    // Revoke the (rotated) refresh token at the provider.
    for (const value of v.knownSecretValues()) await as.revokeRefreshToken(value);
    const err = await v.lease({ ...req, agent: 'other', credential: 'rt' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credential_reconnect_needed' });
    const info = v.list().find((c) => c.name === 'rt');
    expect(info?.state).toBe('reconnect_needed');
    // Fails fast afterwards, with the same code.
    await expect(v.lease({ ...req, agent: 'third', credential: 'rt' })).rejects.toMatchObject({
      code: 'credential_reconnect_needed',
    });
  });

  it('token exchange (RFC 8693): subject token from another credential, exchanged at the real provider', async () => {
    const { vault: v } = await vault();
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
      name: 'xchg',
      config: {
        kind: 'token-exchange',
        tokenUrl: as.tokenUrl,
        clientId: as.service.clientId,
        subjectCredential: 'cc',
        scopes: ['read'],
      },
      clientSecret: as.service.clientSecret,
    });
    const before = as.tokenCalls.filter((g) => g.includes('token-exchange')).length;
    const lease = await v.lease({ ...req, credential: 'xchg' });
    expect(as.tokenCalls.filter((g) => g.includes('token-exchange')).length).toBe(before + 1);
    expect(await as.provider.ClientCredentials.find(lease.value)).toBeTruthy();
    // A stored subject token that the provider does not know is refused clearly.
    v.set({
      name: 'bad-xchg',
      config: { kind: 'token-exchange', tokenUrl: as.tokenUrl, clientId: as.service.clientId },
      value: 'unknown-subject-token-value',
      clientSecret: as.service.clientSecret,
    });
    await expect(v.lease({ ...req, credential: 'bad-xchg' })).rejects.toMatchObject({
      code: 'credential_mint_failed',
    });
  });
});
