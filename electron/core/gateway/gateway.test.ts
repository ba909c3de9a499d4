import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { Vault } from '../vault/vault.js';
import { openTestbed, SECRET, type Testbed } from './testbed.js';

const POLICY = `
policy: 1
rules:
  - id: api-ok
    effect: allow
    service: api
    http: { method: [GET, POST], path: '/base/ok/**' }
  - id: api-no-danger
    effect: deny
    service: api
    http: { path: '/base/ok/danger' }
  - id: llm-claude
    effect: allow
    service: anth
    llm: { model: 'claude-*' }
  - id: internet-loopback
    effect: allow
    service: internet
    http: { host: '127.0.0.1', path: '/open/**' }
limits: []
guardrails:
  - id: secrets-redact
    detect: [secrets]
    on: [request]
    action: redact
`;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function call(
  target: { socketPath: string } | { port: number },
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { ...('port' in target ? { host: '127.0.0.1', port: target.port } : target), method, path, headers },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const json = (r: Reply): Record<string, unknown> => JSON.parse(r.body) as Record<string, unknown>;

describe('gateway pipeline (real ledger, policy, vault, kill switch)', () => {
  let tb: Testbed;
  let sockA: string;
  let sockB: string;
  let hostKey: string;
  let portOf: () => number;

  beforeAll(async () => {
    tb = await openTestbed(POLICY, (req, res, body) => {
      if (req.url?.startsWith('/v1/messages')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            content: [{ type: 'text', text: 'hi' }],
            model: 'claude-x',
            usage: { input_tokens: 3, output_tokens: 1 },
          }),
        );
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-echo-key': String(req.headers['x-api-key'] ?? ''),
      });
      res.end(
        JSON.stringify({
          path: req.url,
          key: req.headers['x-api-key'] ?? null,
          auth: req.headers.authorization ?? null,
          echo: body,
        }),
      );
    });
    tb.services.add({
      name: 'api',
      kind: 'http',
      baseUrl: `https://localhost:${tb.httpsPort}/base`,
      credential: { credential: 'up-key', inject: { type: 'header', name: 'x-api-key' } },
    });
    tb.services.add({
      name: 'anth',
      kind: 'anthropic',
      baseUrl: `http://127.0.0.1:${tb.httpPort}`,
      credential: { credential: 'up-key', inject: { type: 'header', name: 'x-api-key' } },
    });
    const a = tb.agents.create({ name: 'agent-a', template: 'custom', sandboxed: true });
    const b = tb.agents.create({ name: 'agent-b', template: 'custom', sandboxed: true });
    tb.agents.create({ name: 'laptop', template: 'host', sandboxed: false });
    hostKey = tb.agents.createHostKey('laptop');
    sockA = `${tb.dir}/sockets/agent-a.sock`;
    sockB = `${tb.dir}/sockets/agent-b.sock`;
    await tb.gateway.openSandboxDoor(a, sockA);
    await tb.gateway.openSandboxDoor(b, sockB);
    portOf = () => Number(new URL(tb.gateway.address).port);
  });
  afterAll(async () => tb?.close());

  it('forwards an allowed /svc request over TLS with the leased credential, never the placeholder', async () => {
    const r = await call(
      { socketPath: sockA },
      'POST',
      '/svc/api/ok/items?x=1',
      { 'x-api-key': 'gatehouse-placeholder', 'content-type': 'application/json' },
      '{"a":1}',
    );
    expect(r.status).toBe(200);
    const upstream = tb.seen.at(-1)!;
    expect(upstream.url).toBe('/base/ok/items?x=1');
    expect(upstream.headers['x-api-key']).toBe(SECRET);
    expect(JSON.stringify(upstream.headers)).not.toContain('placeholder');
    // The upstream echoed the credential back: the agent never sees it.
    expect(r.body).not.toContain(SECRET);
    expect(json(r).key).toBe('[REDACTED]');
    expect(r.headers['x-echo-key']).toBe('[REDACTED]');
    const evs = await tb.events({ agent: 'agent-a' });
    const req = evs.find(
      (e) => e.kind === 'request' && e.operation === `http:POST localhost:${tb.httpsPort}/base/ok/items`,
    );
    expect(req).toMatchObject({ decision: 'allow', rule: 'api-ok', service: 'api' });
    expect(evs.find((e) => e.kind === 'response' && e.parent === req!.id)).toMatchObject({ status: 'ok' });
    expect(JSON.stringify(evs)).not.toContain(SECRET);
  });

  it('denies by default and names the rule, in the protocol the agent speaks', async () => {
    const r = await call({ socketPath: sockA }, 'GET', '/svc/api/admin');
    expect(r.status).toBe(403);
    expect(json(r)).toMatchObject({ error: { code: 'denied', rule: 'default-deny' } });
    const d = await call({ socketPath: sockA }, 'GET', '/svc/api/ok/danger');
    expect(json(d)).toMatchObject({ error: { rule: 'api-no-danger' } });
    const llm = await call(
      { socketPath: sockA },
      'POST',
      '/llm/anth/v1/messages',
      { 'content-type': 'application/json' },
      JSON.stringify({ model: 'gpt-4o', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(llm.status).toBe(403);
    expect(json(llm)).toMatchObject({
      type: 'error',
      error: { type: 'permission_error' },
      gatehouse: { rule: 'default-deny' },
    });
    const evs = await tb.events({ kind: 'decision', agent: 'agent-a' });
    expect(evs.map((e) => e.rule)).toEqual(expect.arrayContaining(['default-deny', 'api-no-danger']));
    expect(tb.gateway.stats().perAgent['agent-a']!.denials).toBeGreaterThanOrEqual(3);
  });

  it('publishes gateway.stats on the live bus', async () => {
    const seen = await new Promise<{ total: number; perAgent: Record<string, { requests: number }> }>(
      (resolve) => {
        const off = tb.live.subscribe((m) => {
          if (m.topic !== 'gateway.stats') return;
          off();
          resolve(m.data as { total: number; perAgent: Record<string, { requests: number }> });
        });
        void call({ socketPath: sockA }, 'GET', '/svc/api/ok/for-stats');
      },
    );
    expect(seen.total).toBeGreaterThan(0);
    expect(seen.perAgent['agent-a']!.requests).toBeGreaterThan(0);
  });

  it('routes /llm/<provider> with the model checked by policy', async () => {
    const r = await call(
      { socketPath: sockB },
      'POST',
      '/llm/anth/v1/messages',
      { 'content-type': 'application/json', 'x-api-key': 'gatehouse-placeholder' },
      JSON.stringify({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hello' }] }),
    );
    expect(r.status).toBe(200);
    expect(tb.seen.at(-1)!.headers['x-api-key']).toBe(SECRET);
    const evs = await tb.events({ kind: 'request', agent: 'agent-b' });
    expect(evs.at(-1)).toMatchObject({ operation: 'llm:claude-x', rule: 'llm-claude' });
    // One call, one user turn: the gateway records the adapter's input event exactly once.
    const inputs = (await tb.events({ kind: 'input', agent: 'agent-b' })).filter(
      (e) => e.parent === evs.at(-1)!.id,
    );
    expect(inputs.map((e) => (e.payload as { text?: string }).text)).toEqual(['hello']);
  });

  it('a socket door is its agent: claims made on another door are ignored', async () => {
    // agent-b's socket, claiming to be the host agent (its key) and agent-a (a header).
    const r = await call({ socketPath: sockB }, 'GET', '/gate/whoami', {
      'proxy-authorization': `Bearer ${hostKey}`,
      'x-gatehouse-agent': 'agent-a',
    });
    expect(json(r)).toMatchObject({ agent: { id: 'agent-b', sandboxed: true } });
    const viaB = await call({ socketPath: sockB }, 'GET', '/svc/api/ok/who', {
      'x-gatehouse-agent': 'agent-a',
    });
    expect(viaB.status).toBe(200);
    const evs = await tb.events({ kind: 'request' });
    const last = evs.at(-1)!;
    expect(last.agent).toBe('agent-b');
  });

  it('the host door needs a valid gateway key and marks the agent unsandboxed', async () => {
    const none = await call({ port: portOf() }, 'GET', '/svc/api/ok/x');
    expect(none.status).toBe(401);
    expect(json(none)).toMatchObject({ error: { rule: 'gateway-auth' } });
    const wrong = await call({ port: portOf() }, 'GET', '/svc/api/ok/x', {
      authorization: 'Bearer ghk_wrong',
    });
    expect(wrong.status).toBe(401);
    const ok = await call({ port: portOf() }, 'GET', '/svc/api/ok/x', { authorization: `Bearer ${hostKey}` });
    expect(ok.status).toBe(200);
    // The gateway key never goes upstream.
    expect(JSON.stringify(tb.seen.at(-1)!.headers)).not.toContain(hostKey);
    const evs = await tb.events({ kind: 'request', agent: 'laptop' });
    expect(evs.at(-1)!.payload).toMatchObject({ unsandboxed: true, door: 'host' });
  });

  it('refuses path traversal in /svc routes', async () => {
    for (const p of [
      '/svc/api/ok/../../admin',
      '/svc/api/ok/%2e%2e/admin',
      '/svc/api/ok%2f..%2fadmin',
      '/svc/api/ok/..%5cadmin',
    ]) {
      const r = await rawExchange(sockA, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(r, p).toMatch(/^HTTP\/1.1 400/);
      expect(r).toContain('path_traversal');
    }
  });

  it('fails closed when the vault is locked', async () => {
    const locked = await Vault.open({
      dataDir: tb.dir,
      db: openDatabase(`${tb.dir}/locked.db`),
      keySource: 'passphrase',
    });
    expect(locked.locked).toBe(true);
    const real = tb.gateway.deps.vault;
    tb.gateway.deps.vault = locked;
    try {
      const r = await call({ socketPath: sockA }, 'GET', '/svc/api/ok/x');
      expect(r.status).toBe(503);
      expect(json(r)).toMatchObject({ error: { code: 'vault_locked', rule: 'vault' } });
    } finally {
      tb.gateway.deps.vault = real;
      await locked.close();
    }
  });

  it('fails closed when the ledger cannot write: nothing goes upstream', async () => {
    const before = tb.seen.length;
    // Another process holds the ledger's write lock: durable appends fail (busy timeout 100 ms).
    const locker = new Database(join(tb.dir, 'ledger.db'));
    locker.exec('BEGIN IMMEDIATE');
    locker
      .prepare(
        "INSERT INTO checkpoints (kind, seq, hash, ts_ms, public_key, signature) VALUES ('x', 0, '', 0, '', '')",
      )
      .run();
    try {
      const r = await call({ socketPath: sockA }, 'GET', '/svc/api/ok/while-locked');
      expect(r.status).toBe(503);
      expect(json(r)).toMatchObject({ error: { code: 'ledger_unavailable', rule: 'ledger' } });
      expect(tb.seen.length).toBe(before);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    let again = await call({ socketPath: sockA }, 'GET', '/svc/api/ok/after');
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((res) => setTimeout(res, 100));
      again = await call({ socketPath: sockA }, 'GET', '/svc/api/ok/after');
    }
    expect(again.status).toBe(200);
  });
});

/** Sends raw bytes on a unix socket and returns everything the gateway answered. */
export function rawExchange(socketPath: string, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.write(data);
  });
}
