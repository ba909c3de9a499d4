import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestbed, type Testbed } from '../gateway/testbed.js';

// Policy through the real gateway (real ledger, vault, kill switch, upstreams on loopback):
// approvals hold and release real requests, budgets refuse from actual usage, guardrails block
// before anything leaves, versions switch without touching in-flight requests, shadow drafts are recorded.

const POLICY = `policy: 1
defaults: { approvalTimeoutSeconds: 30 }
rules:
  - id: api-read
    effect: allow
    service: api
    http: { method: GET, path: '/base/**' }
  - id: api-issues-need-a-person
    effect: approve
    service: api
    http: { method: POST, path: '/base/issues' }
  - id: llm
    effect: allow
    service: anth
    llm: { model: 'claude-*' }
limits:
  - { id: tiny-budget, agent: '*', service: anth, tokensPerDay: 6 }
guardrails:
  - { id: no-keys-out, detect: [secrets], on: [request], action: block }
`;

interface Reply {
  status: number;
  body: string;
}
function call(socketPath: string, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { 'content-type': 'application/json', 'x-api-key': 'placeholder' },
      },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition never held');
};

describe('policy through the gateway', () => {
  let tb: Testbed;
  let sock: string;
  let releaseSlow: (() => void) | undefined;
  const message = (model: string) =>
    JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hello' }] });

  beforeAll(async () => {
    tb = await openTestbed(POLICY, (req, res) => {
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
      const reply = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: req.url }));
      };
      // The first /slow request is held until the test releases it; later ones answer at once.
      if (req.url === '/base/slow' && !releaseSlow) releaseSlow = reply;
      else reply();
    });
    const credential = { credential: 'up-key', inject: { type: 'header' as const, name: 'x-api-key' } };
    tb.services.add({
      name: 'api',
      kind: 'http',
      baseUrl: `http://127.0.0.1:${tb.httpPort}/base`,
      credential,
    });
    tb.services.add({
      name: 'anth',
      kind: 'anthropic',
      baseUrl: `http://127.0.0.1:${tb.httpPort}`,
      credential,
    });
    const agent = tb.agents.create({ name: 'coder', template: 'custom', sandboxed: true });
    sock = `${tb.dir}/sockets/coder.sock`;
    await tb.gateway.openSandboxDoor(agent, sock);
  });
  afterAll(async () => tb?.close());

  it('approve: the request waits, then goes upstream once approved; a denial answers 403 naming the rule', async () => {
    const before = tb.seen.length;
    const held = call(sock, 'POST', '/svc/api/issues', '{"title":"x"}');
    await until(() => tb.policy.approvals.list().length === 1);
    const [p] = tb.policy.approvals.list();
    expect(p).toMatchObject({
      agent: { id: 'coder' },
      service: { name: 'api' },
      rule: 'api-issues-need-a-person',
    });
    expect(tb.seen.length).toBe(before); // nothing left while held
    tb.policy.approvals.answer(p!.id, { decision: 'approve', scope: 'once', who: 'alice' });
    expect((await held).status).toBe(200);
    expect(tb.seen.at(-1)?.url).toBe('/base/issues');

    const again = call(sock, 'POST', '/svc/api/issues', '{"title":"y"}');
    await until(() => tb.policy.approvals.list().length === 1);
    tb.policy.approvals.answer(tb.policy.approvals.list()[0]!.id, {
      decision: 'deny',
      scope: 'once',
      who: 'alice',
    });
    const denied = await again;
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('api-issues-need-a-person');
    const approvals = await tb.events({ kind: 'approval', agent: 'coder' });
    expect(approvals.map((e) => e.status)).toEqual(['raised', 'approved', 'raised', 'denied']);
  });

  it('approve always: a rule in a new version lets the next request through without a hold', async () => {
    const held = call(sock, 'POST', '/svc/api/issues', '{}');
    await until(() => tb.policy.approvals.list().length === 1);
    const r = tb.policy.approvals.answer(tb.policy.approvals.list()[0]!.id, {
      decision: 'approve',
      scope: 'always',
      who: 'alice',
    });
    expect((await held).status).toBe(200);
    const next = await call(sock, 'POST', '/svc/api/issues', '{}');
    expect(next.status).toBe(200);
    const reqs = await tb.events({ kind: 'request', agent: 'coder' });
    expect(reqs.at(-1)).toMatchObject({ decision: 'allow', rule: expect.stringMatching(/^always-approve-/) });
    expect(tb.policy.engine.version).toBe(r.version);
  });

  it('a budget counts actual usage: the call that would start past it is refused with 429', async () => {
    expect((await call(sock, 'POST', '/llm/anth/v1/messages', message('claude-x'))).status).toBe(200);
    await until(() => tb.policy.limits.status()[0]?.tokensToday === 4);
    expect((await call(sock, 'POST', '/llm/anth/v1/messages', message('claude-x'))).status).toBe(200);
    await until(() => tb.policy.limits.status()[0]?.tokensToday === 8);
    const refused = await call(sock, 'POST', '/llm/anth/v1/messages', message('claude-x'));
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('tiny-budget');
  });

  it('a blocking guardrail stops a request carrying a key; the ledger holds kind and position only', async () => {
    const canary = 'AKIA' + 'CANARY7Q2W3E4R5T';
    const before = tb.seen.length;
    const r = await call(sock, 'POST', '/svc/api/issues', JSON.stringify({ body: `key ${canary}` }));
    expect(r.status).toBe(403);
    expect(tb.seen.length).toBe(before);
    const g = await tb.events({ kind: 'guardrail', agent: 'coder' });
    expect(g.at(-1)?.payload).toMatchObject({
      detections: [expect.objectContaining({ kind: 'aws_access_key' })],
    });
    expect(JSON.stringify(await tb.events({ agent: 'coder' }))).not.toContain('CANARY');
  });

  it('a new version applies to new requests while an in-flight one finishes; shadow verdicts are recorded', async () => {
    const slow = call(sock, 'GET', '/svc/api/slow');
    await until(() => releaseSlow !== undefined);
    const v = tb.policy.engine.apply(POLICY.replace("path: '/base/**'", "path: '/base/slow'"), {
      author: 'alice',
      note: 'only /slow readable',
    });
    releaseSlow!();
    expect((await slow).status).toBe(200);
    const other = await call(sock, 'GET', '/svc/api/items');
    expect(other.status).toBe(403);
    expect(other.body).toContain('default-deny');
    expect((await tb.events({ kind: 'decision', agent: 'coder' })).at(-1)?.payload).toMatchObject({
      policyVersion: v.version,
    });

    tb.policy.engine.setShadow('policy: 1\nrules: []\n', { author: 'alice' });
    expect((await call(sock, 'GET', '/svc/api/slow')).status).toBe(200);
    const lastRequest = (await tb.events({ kind: 'request', agent: 'coder' })).at(-1);
    expect(lastRequest?.payload).toMatchObject({
      observed: [{ effect: 'deny', rule: 'default-deny', source: 'shadow' }],
    });
  });
});
