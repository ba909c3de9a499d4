import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './curl.js';
import { openTestbed, type Testbed } from './testbed.js';

// A rule that says `approve` for a tunnel-mode host holds the CONNECT until a person answers:
// curl through the host door, a real TLS upstream on loopback, the real approvals queue.
const POLICY = `
policy: 1
rules:
  - { id: tunnel-needs-a-person, effect: approve, service: tun, http: { method: CONNECT } }
limits: []
guardrails: []
`;

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition never held');
};

describe('approval of a raw CONNECT tunnel', () => {
  let tb: Testbed;
  let through: () => Promise<{ code: number; out: string; err: string }>;

  beforeAll(async () => {
    tb = await openTestbed(POLICY, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    });
    tb.services.add({
      name: 'tun',
      kind: 'http',
      baseUrl: `https://localhost:${tb.httpsPort}`,
      hosts: [`localhost:${tb.httpsPort}`],
      tls: 'tunnel',
    });
    tb.agents.create({ name: 'laptop', template: 'host', sandboxed: false });
    const key = tb.agents.createHostKey('laptop');
    const caFile = join(tb.dir, 'upstream-ca.crt');
    writeFileSync(caFile, tb.upstreamCa.certPem);
    through = () =>
      curl([
        '-v',
        '-x',
        tb.gateway.address,
        '--proxy-user',
        `agent:${key}`,
        '--cacert',
        caFile,
        `https://localhost:${tb.httpsPort}/via-tunnel`,
      ]);
  });
  afterAll(async () => tb?.close());

  const pending = () => tb.policy.approvals.list();

  it('holds the tunnel (nothing reaches the host) until approved, then passes bytes through', async () => {
    const before = tb.seen.length;
    const held = through();
    await until(() => pending().length === 1);
    const [p] = pending();
    expect(p).toMatchObject({
      agent: { id: 'laptop' },
      service: { name: 'tun' },
      rule: 'tunnel-needs-a-person',
    });
    expect(p!.summary).toContain(`CONNECT localhost:${tb.httpsPort}`);
    expect(p!.summary).toContain('contents cannot be shown');
    expect(tb.seen.length).toBe(before);
    tb.policy.approvals.answer(p!.id, { decision: 'approve', scope: 'once', who: 'alice' });
    const r = await held;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ path: '/via-tunnel' });
    const evs = await tb.events({ agent: 'laptop' });
    expect(evs.find((e) => e.kind === 'decision' && e.status === 'held')).toMatchObject({
      rule: 'tunnel-needs-a-person',
      decision: 'approve',
    });
    expect(evs.find((e) => e.kind === 'request' && e.status === 'tunnel')).toBeDefined();
  });

  it('a denial answers 403 naming the rule; nothing reaches the host', async () => {
    const before = tb.seen.length;
    const held = through();
    await until(() => pending().length === 1);
    tb.policy.approvals.answer(pending()[0]!.id, { decision: 'deny', scope: 'once', who: 'alice' });
    const r = await held;
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/403/);
    expect(tb.seen.length).toBe(before);
  });

  it('the kill switch withdraws a held tunnel', async () => {
    const held = through();
    await until(() => pending().length === 1);
    await tb.killSwitch.engage({ kind: 'agent', agent: 'laptop' }, 'test', 'stop everything');
    const r = await held;
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/403/);
    await until(() => pending().length === 0);
  });
});
