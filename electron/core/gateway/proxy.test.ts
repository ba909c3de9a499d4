import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './curl.js';
import { openTestbed, SECRET, type Testbed } from './testbed.js';

const POLICY = `
policy: 1
rules:
  - id: secure-ok
    effect: allow
    service: secure
    http: { path: '/ok/**' }
  - id: tun-connect
    effect: allow
    service: tun
    http: { method: CONNECT }
  - id: internet-loopback
    effect: allow
    service: internet
    http: { host: '127.0.0.1', path: '/open/**' }
limits: []
guardrails: []
`;

describe('forward proxy and CONNECT (curl, undici) through the host door', () => {
  let tb: Testbed;
  let key: string;
  let proxy: string;
  let caFile: string;
  let upstreamCaFile: string;

  beforeAll(async () => {
    tb = await openTestbed(POLICY, (req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, key: req.headers['x-api-key'] ?? null, len: body.length }));
    });
    tb.services.add({
      name: 'secure',
      kind: 'http',
      baseUrl: `https://localhost:${tb.httpsPort}`,
      hosts: ['secure.test'],
      tls: 'intercept',
      credential: { credential: 'up-key', inject: { type: 'header', name: 'x-api-key' } },
    });
    tb.services.add({
      name: 'tun',
      kind: 'http',
      baseUrl: `https://localhost:${tb.httpsPort}`,
      hosts: [`localhost:${tb.httpsPort}`],
      tls: 'tunnel',
    });
    tb.agents.create({ name: 'laptop', template: 'host', sandboxed: false });
    key = tb.agents.createHostKey('laptop');
    proxy = tb.gateway.address;
    caFile = join(tb.dir, 'gatehouse-ca.crt');
    upstreamCaFile = join(tb.dir, 'upstream-ca.crt');
    writeFileSync(caFile, tb.ca.certPem);
    writeFileSync(upstreamCaFile, tb.upstreamCa.certPem);
  });
  afterAll(async () => tb?.close());

  it('plain HTTP absolute-form: allowed host/path forwarded, anything else denied by default', async () => {
    const ok = await curl([
      '-x',
      proxy,
      '--proxy-user',
      `agent:${key}`,
      `http://127.0.0.1:${tb.httpPort}/open/x?y=1`,
    ]);
    expect(JSON.parse(ok.out)).toMatchObject({ path: '/open/x?y=1', key: null });
    const denied = await curl([
      '-x',
      proxy,
      '--proxy-user',
      `agent:${key}`,
      '-w',
      '%{http_code}',
      `http://127.0.0.1:${tb.httpPort}/closed`,
    ]);
    expect(denied.out).toContain('default-deny');
    expect(denied.out.endsWith('403')).toBe(true);
    const noKey = await curl([
      '-x',
      proxy,
      '-w',
      '%{http_code}',
      '-o',
      '/dev/null',
      `http://127.0.0.1:${tb.httpPort}/open/x`,
    ]);
    expect(noKey.out).toBe('407');
  });

  it('CONNECT to an intercept-mode service: TLS terminated with a Gatehouse leaf, checked, credential injected, recorded', async () => {
    const r = await curl([
      '-x',
      proxy,
      '--proxy-user',
      `agent:${key}`,
      '--cacert',
      caFile,
      'https://secure.test/ok/items',
    ]);
    expect(r.err).toBe('');
    const body = JSON.parse(r.out) as { path: string; key: string };
    expect(body.path).toBe('/ok/items');
    // The upstream got the leased value; the agent's copy of the echo is redacted.
    expect(tb.seen.at(-1)!.headers['x-api-key']).toBe(SECRET);
    expect(body.key).toBe('[REDACTED]');
    const denied = await curl([
      '-x',
      proxy,
      '--proxy-user',
      `agent:${key}`,
      '--cacert',
      caFile,
      '-w',
      '%{http_code}',
      'https://secure.test/admin',
    ]);
    expect(denied.out).toContain('default-deny');
    expect(denied.out.endsWith('403')).toBe(true);
    // Without trusting Gatehouse's CA, the client refuses the intercepted connection.
    const untrusted = await curl([
      '-x',
      proxy,
      '--proxy-user',
      `agent:${key}`,
      'https://secure.test/ok/items',
    ]);
    expect(untrusted.code).not.toBe(0);
    const evs = await tb.events({ kind: 'request', agent: 'laptop' });
    expect(
      evs.find((e) => e.payload && (e.payload as { route?: string }).route === 'intercept'),
    ).toMatchObject({ rule: 'secure-ok', service: 'secure' });
  });

  it('CONNECT to a tunnel-mode service passes bytes through and records host, bytes and duration', async () => {
    const r = await curl([
      '-x',
      proxy,
      '--proxy-user',
      `agent:${key}`,
      '--cacert',
      upstreamCaFile,
      `https://localhost:${tb.httpsPort}/through-tunnel`,
    ]);
    expect(JSON.parse(r.out)).toMatchObject({ path: '/through-tunnel' });
    // Nothing was injected: the gateway never saw inside the tunnel.
    expect(tb.seen.at(-1)!.headers['x-api-key']).toBeUndefined();
    await new Promise((res) => setTimeout(res, 50));
    const evs = await tb.events({ agent: 'laptop' });
    const req = evs.find(
      (e) => e.kind === 'request' && e.operation === `http:CONNECT localhost:${tb.httpsPort}`,
    );
    expect(req).toMatchObject({ rule: 'tun-connect', status: 'tunnel' });
    const closed = evs.find((e) => e.kind === 'response' && e.parent === req!.id);
    expect(closed!.requestBytes).toBeGreaterThan(100);
    expect(closed!.responseBytes).toBeGreaterThan(100);
    expect(closed!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('CONNECT to a port no service names is refused', async () => {
    const r = await curl(['-x', proxy, '--proxy-user', `agent:${key}`, '-v', 'https://127.0.0.1:22/']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/403/);
    const evs = await tb.events({ kind: 'decision', agent: 'laptop' });
    expect(evs.some((e) => e.rule === 'gateway-connect')).toBe(true);
  });

  it("Node's fetch with a proxy agent (undici ProxyAgent) through intercept", async () => {
    const dispatcher = new ProxyAgent({
      uri: proxy,
      token: `Bearer ${key}`,
      requestTls: { ca: tb.ca.certPem },
    });
    try {
      const res = await undiciFetch('https://secure.test/ok/from-undici', {
        dispatcher,
        method: 'POST',
        body: 'hello',
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ path: '/ok/from-undici', len: 5 });
      const denied = await undiciFetch('https://secure.test/nope', { dispatcher });
      expect(denied.status).toBe(403);
      expect(await denied.json()).toMatchObject({ error: { rule: 'default-deny' } });
    } finally {
      await dispatcher.close();
    }
  });
});
