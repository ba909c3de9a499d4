import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestbed, type Testbed } from './testbed.js';

// Response guardrails on a stream whose chunks split a key: a real loopback upstream writes an
// SSE event in two pieces with a pause between (two TCP writes, two chunks at the gateway).
const POLICY = `
policy: 1
rules:
  - { id: streams, effect: allow, service: [redacting, blocking], http: { path: '/**' } }
limits: []
guardrails:
  - { id: keys-out, detect: [secrets], on: [response], service: redacting, action: redact }
  - { id: keys-stop, detect: [secrets], on: [response], service: blocking, action: block }
`;

const aws = 'AKIA' + 'IOSFODNN7EXAMPLE'; // assembled at run time: no scanner mistakes this file for a leak
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BINARY = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 256));

function get(
  socketPath: string,
  path: string,
): Promise<{ status: number; body: string; chunks: string[]; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'GET', path }, (res) => {
      const chunks: string[] = [];
      const raw: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        raw.push(c);
        chunks.push(c.toString());
      });
      const done = () => {
        const bytes = Buffer.concat(raw);
        resolve({ status: res.statusCode ?? 0, body: bytes.toString(), chunks, bytes });
      };
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('response guardrails on a stream split mid-key', () => {
  let tb: Testbed;
  let sock: string;

  beforeAll(async () => {
    tb = await openTestbed(POLICY, (req, res) => {
      if (req.url?.startsWith('/binary')) {
        // Bytes that are not text (every value 0..255), written in odd-sized pieces.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        void (async () => {
          for (let i = 0; i < BINARY.length; i += 777) {
            res.write(BINARY.subarray(i, i + 777));
            await pause(2);
          }
          res.end();
        })();
        return;
      }
      if (req.url?.startsWith('/utf8')) {
        // A multi-byte character split across two writes.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const bytes = Buffer.from('data: {"text":"h\u00e9llo \u2603"}\n\n');
        res.write(bytes.subarray(0, 22));
        void pause(30).then(() => res.end(bytes.subarray(22)));
        return;
      }
      void (async () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"text":"first event"}\n\n');
        await pause(60);
        res.write(`data: {"text":"the key is ${aws.slice(0, 9)}`);
        await pause(60);
        res.write(`${aws.slice(9)} and more"}\n\n`);
        await pause(20);
        res.end('data: {"text":"last"}\n\n');
      })();
    });
    for (const name of ['redacting', 'blocking'])
      tb.services.add({ name, kind: 'http', baseUrl: `http://127.0.0.1:${tb.httpPort}` });
    const agent = tb.agents.create({ name: 'streamer', template: 'custom', sandboxed: true });
    sock = `${tb.dir}/sockets/streamer.sock`;
    await tb.gateway.openSandboxDoor(agent, sock);
  });
  afterAll(async () => tb?.close());

  it('redacts the key although no chunk held it whole; whole events still pass at once', async () => {
    const r = await get(sock, '/svc/redacting/events');
    expect(r.status).toBe(200);
    expect(r.body).not.toContain(aws);
    expect(r.body).not.toContain(aws.slice(9));
    expect(r.body).toContain('data: {"text":"the key is [REDACTED:aws_access_key] and more"}\n\n');
    expect(r.body.endsWith('data: {"text":"last"}\n\n')).toBe(true);
    // The first event reached the agent before the upstream paused (not held for the next one).
    expect(r.chunks[0]).toBe('data: {"text":"first event"}\n\n');
    const guard = await tb.events({ kind: 'guardrail', agent: 'streamer' });
    expect(guard.some((e) => e.rule === 'guardrail:aws_access_key' && e.status === 'redact')).toBe(true);
  });

  it('a blocking guardrail cuts the stream before the split key reaches the agent', async () => {
    const r = await get(sock, '/svc/blocking/events');
    expect(r.body).toContain('first event');
    expect(r.body).not.toContain(aws.slice(0, 9));
    expect(r.body).not.toContain('last');
    const guard = await tb.events({ kind: 'guardrail', agent: 'streamer' });
    expect(guard.some((e) => e.rule === 'guardrail:aws_access_key' && e.status === 'block')).toBe(true);
  });

  it('binary bodies and characters split across chunks pass byte for byte under a scanning guardrail', async () => {
    const bin = await get(sock, '/svc/redacting/binary');
    expect(bin.status).toBe(200);
    expect(bin.bytes.equals(BINARY)).toBe(true);
    const text = await get(sock, '/svc/redacting/utf8');
    expect(text.body).toBe('data: {"text":"h\u00e9llo \u2603"}\n\n');
  });
});
