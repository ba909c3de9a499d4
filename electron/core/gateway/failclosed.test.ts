import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestbed, type Testbed } from './testbed.js';

const POLICY = `
policy: 1
rules:
  - id: any-http
    effect: allow
    service: [api, blackhole]
    http: {}
limits: []
guardrails: []
`;

/**
 * A loopback port whose TCP connects hang: a child process listens with backlog 1 and then
 * blocks its event loop, so nothing is accepted; once the accept queue is full the kernel drops
 * further SYNs and a connect stays in SYN_SENT.
 */
async function blackhole(): Promise<{ port: number; child: ChildProcess; fill: Socket[] }> {
  const child = spawn(process.execPath, [
    '-e',
    `const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0),50)})`,
  ]);
  const port = await new Promise<number>((r) =>
    child.stdout!.once('data', (d: Buffer) => r(Number(String(d)))),
  );
  await new Promise((r) => setTimeout(r, 200));
  const fill: Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const s = connect(port, '127.0.0.1');
    fill.push(s);
    s.on('error', () => undefined);
    const ok = await new Promise<boolean>((r) => {
      const t = setTimeout(() => r(false), 300);
      s.once('connect', () => {
        clearTimeout(t);
        r(true);
      });
    });
    if (!ok) return { port, child, fill };
  }
  throw new Error('could not fill the accept queue');
}

function get(
  port: number,
  path: string,
  key: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${key}` } },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('fail closed: connect timeout and policy errors', () => {
  let tb: Testbed;
  let hole: Awaited<ReturnType<typeof blackhole>>;
  let key: string;
  let port: number;

  beforeAll(async () => {
    tb = await openTestbed(POLICY, (_req, res) => res.writeHead(200).end('{}'), { connectTimeoutMs: 300 });
    hole = await blackhole();
    tb.services.add({ name: 'api', kind: 'http', baseUrl: `http://127.0.0.1:${tb.httpPort}` });
    tb.services.add({ name: 'blackhole', kind: 'http', baseUrl: `http://127.0.0.1:${hole.port}` });
    tb.agents.create({ name: 'laptop', template: 'host', sandboxed: false });
    key = tb.agents.createHostKey('laptop');
    port = Number(new URL(tb.gateway.address).port);
  });
  afterAll(async () => {
    for (const s of hole?.fill ?? []) s.destroy();
    hole?.child.kill();
    await tb?.close();
  });

  it('an upstream that never completes the TCP connect is cut by connectTimeoutMs (504, recorded)', async () => {
    const r = await get(port, '/svc/blackhole/x', key);
    expect(r.status).toBe(504);
    expect((r.body.error as { code: string; rule: string }).code).toBe('upstream_connect_timeout');
    expect((r.body.error as { rule: string }).rule).toBe('upstream');
    const errs = await tb.events({ kind: 'error', agent: 'laptop' });
    expect(errs.some((e) => e.status === 'upstream_connect_timeout' && e.service === 'blackhole')).toBe(true);
    // The gateway keeps serving others.
    expect((await get(port, '/svc/api/ok', key)).status).toBe(200);
  });

  it('a policy engine that throws refuses the request (rule policy-error); nothing goes upstream', async () => {
    const real = tb.gateway.deps.policy!;
    tb.gateway.deps.policy = {
      decide() {
        throw new Error('engine bug');
      },
    };
    try {
      const before = tb.seen.length;
      const r = await get(port, '/svc/api/anything', key);
      expect(r.status).toBe(403);
      expect((r.body.error as { rule: string }).rule).toBe('policy-error');
      expect(tb.seen.length).toBe(before);
      const decisions = await tb.events({ kind: 'decision', agent: 'laptop' });
      expect(decisions.some((e) => e.rule === 'policy-error' && e.decision === 'deny')).toBe(true);
    } finally {
      tb.gateway.deps.policy = real;
    }
    expect((await get(port, '/svc/api/anything', key)).status).toBe(200);
  });
});
