import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestbed, type Testbed } from './testbed.js';

const POLICY = `
policy: 1
rules:
  - id: llm-any
    effect: allow
    service: anth
    llm: {}
  - id: api-any
    effect: allow
    service: api
    http: {}
limits: []
guardrails: []
`;

function sse(events: number): string[] {
  const out = [
    `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', model: 'claude-s', content: [], stop_reason: null, usage: { input_tokens: 7, output_tokens: 0 } } })}\n\n`,
    `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
  ];
  for (let i = 0; i < events; i++)
    out.push(
      `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `w${i} ` } })}\n\n`,
    );
  out.push(`event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`);
  out.push(
    `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: events } })}\n\n`,
  );
  out.push(`event: message_stop\ndata: {"type":"message_stop"}\n\n`);
  return out;
}

function raw(socketPath: string, data: string | Buffer, opts: { keepOpenMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
    s.write(data);
    if (opts.keepOpenMs === undefined) return;
  });
}

function post(socketPath: string, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, method: 'POST', path, headers: { 'content-type': 'application/json' } },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const msg = (stream: boolean, model = 'claude-s') =>
  JSON.stringify({ model, max_tokens: 10, stream, messages: [{ role: 'user', content: 'go' }] });

describe('streams, the kill switch, and bad input', () => {
  let tb: Testbed;
  let sock: string;
  let slowOpen = 0;
  let slowClosed = 0;

  beforeAll(async () => {
    tb = await openTestbed(
      POLICY,
      (req, res, body) => {
        const model = (JSON.parse(body || '{}') as { model?: string }).model;
        if (req.url === '/v1/messages' && model === 'claude-slow') {
          // Streams until the gateway cuts it.
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const frames = sse(100000);
          res.write(frames[0]);
          let i = 1;
          const t = setInterval(() => res.write(frames[i++]!), 5);
          slowOpen++;
          res.on('close', () => {
            clearInterval(t);
            slowClosed++;
          });
          return;
        }
        if (req.url === '/v1/messages') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const frames = sse(200);
          let i = 0;
          const next = (): void => {
            while (i < frames.length) if (!res.write(frames[i++])) return void res.once('drain', next);
            res.end();
          };
          next();
          return;
        }
        if (req.url === '/stall') return; // never answers: the gateway's idle timeout must cut it
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, url: req.url }));
      },
      { maxBodyBytes: 64 * 1024, maxHeaderBytes: 8 * 1024, headersTimeoutMs: 800, idleTimeoutMs: 3000 },
    );
    tb.services.add({ name: 'anth', kind: 'anthropic', baseUrl: `http://127.0.0.1:${tb.httpPort}` });
    tb.services.add({ name: 'api', kind: 'http', baseUrl: `http://127.0.0.1:${tb.httpPort}` });
    const a = tb.agents.create({ name: 'streamer', template: 'custom', sandboxed: true });
    sock = `${tb.dir}/sockets/streamer/gateway.sock`;
    await tb.gateway.openSandboxDoor(a, sock);
  });
  afterAll(async () => tb?.close());

  it('relays 20 concurrent 200-event SSE streams intact and records usage from each', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => post(sock, '/llm/anth/v1/messages', msg(true))),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.split('event: content_block_delta').length - 1).toBe(200);
      expect(r.body.endsWith('data: {"type":"message_stop"}\n\n')).toBe(true);
    }
    const responses = (await tb.events({ kind: 'response', agent: 'streamer' })).filter(
      (e) => e.operation === 'llm:claude-s',
    );
    expect(responses).toHaveLength(20);
    for (const e of responses)
      expect(e).toMatchObject({ status: 'ok', usage: { inputTokens: 7, outputTokens: 200 } });
    const outputs = await tb.events({ kind: 'output', agent: 'streamer' });
    expect(outputs.length).toBeGreaterThanOrEqual(20);
  });

  it('the kill switch cuts a live stream on both sides and refuses new requests until released', async () => {
    const cut = new Promise<{ bytes: number; ended: string }>((resolve) => {
      const req = request(
        {
          socketPath: sock,
          method: 'POST',
          path: '/llm/anth/v1/messages',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (bytes > 2000 && !engaged) {
              engaged = true;
              void tb.killSwitch.engage({ kind: 'agent', agent: 'streamer' }, 'test', 'runaway');
            }
          });
          res.on('close', () => resolve({ bytes, ended: res.complete ? 'complete' : 'cut' }));
        },
      );
      let engaged = false;
      req.on('error', () => undefined);
      req.end(msg(true, 'claude-slow'));
    });
    const r = await cut;
    expect(r.ended).toBe('cut');
    // The upstream side was cut too.
    await new Promise((res) => setTimeout(res, 50));
    expect(slowOpen).toBe(1);
    expect(slowClosed).toBe(1);
    const refused = await post(sock, '/llm/anth/v1/messages', msg(false));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ gatehouse: { rule: 'kill-switch' } });
    const killed = (await tb.events({ kind: 'response', agent: 'streamer' })).filter(
      (e) => e.status === 'killed',
    );
    expect(killed).toHaveLength(1);
    const kill = await tb.events({ kind: 'kill' });
    expect(kill.at(-1)!.payload).toMatchObject({ cut: { streamsAborted: 1 } });
    await tb.killSwitch.release({ kind: 'agent', agent: 'streamer' }, 'test');
    expect((await post(sock, '/svc/api/after-kill', '{}')).status).toBe(200);
  });

  it('cuts an upstream that goes silent (idle timeout) with a 504 in the agent protocol', async () => {
    const r = await post(sock, '/svc/api/stall', '{}');
    expect(r.status).toBe(504);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'upstream_idle_timeout', rule: 'upstream' } });
    const errs = await tb.events({ kind: 'error', agent: 'streamer' });
    expect(errs.some((e) => e.status === 'upstream_idle_timeout')).toBe(true);
  });

  it('answers bad input with a clear 4xx or a clean close, records it, and keeps serving', async () => {
    const smuggle = await raw(
      sock,
      'POST /svc/api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /svc/api/smuggled HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    expect(smuggle).toMatch(/^HTTP\/1.1 400/);
    expect(smuggle).toContain('request_smuggling');
    const big = await raw(
      sock,
      `GET /svc/api/x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`,
    );
    expect(big).toMatch(/^HTTP\/1.1 431/);
    const garbage = await raw(sock, 'HELLO THERE\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1.1 400/);
    const body = await raw(
      sock,
      `POST /svc/api/x HTTP/1.1\r\nHost: a\r\nContent-Length: ${128 * 1024}\r\nConnection: close\r\n\r\n${'x'.repeat(1024)}`,
    );
    expect(body).toMatch(/^HTTP\/1.1 413/);
    expect(body).toContain('body_too_large');
    const chunkedBig = await raw(
      sock,
      `POST /svc/api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(32 * 1024).toString(16)}\r\n${'y'.repeat(32 * 1024)}\r\n${(40 * 1024).toString(16)}\r\n${'y'.repeat(40 * 1024)}\r\n0\r\n\r\n`,
    );
    expect(chunkedBig).toMatch(/^HTTP\/1.1 413/);
    const badConnect = await raw(sock, 'CONNECT not_a host!:443 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(badConnect).toMatch(/^HTTP\/1.1 400/);
    const badPort = await raw(sock, 'CONNECT 127.0.0.1:25 HTTP/1.1\r\nHost: 127.0.0.1:25\r\n\r\n');
    expect(badPort).toMatch(/^HTTP\/1.1 403/);
    expect(badPort).toContain('gateway-connect');
    // Slowloris: headers that never finish are cut after headersTimeout.
    const slow = await raw(sock, 'GET /svc/api/x HTTP/1.1\r\nHost: a\r\nX-Slow: 1');
    expect(slow === '' || /^HTTP\/1.1 408/.test(slow)).toBe(true);
    // Abrupt disconnect mid-stream.
    await new Promise<void>((resolve) => {
      const req = request(
        {
          socketPath: sock,
          method: 'POST',
          path: '/llm/anth/v1/messages',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => undefined);
      req.end(msg(true, 'claude-slow'));
    });
    await new Promise((res) => setTimeout(res, 100));
    // Everyone else is still served.
    expect((await post(sock, '/svc/api/still-here', '{}')).status).toBe(200);
    const errors = (await tb.events({ kind: 'error' })).map((e) => e.status);
    expect(errors).toEqual(
      expect.arrayContaining(['request_smuggling', 'headers_too_large', 'malformed_http', 'body_too_large']),
    );
    const cutByClient = (await tb.events({ kind: 'response', agent: 'streamer' })).filter(
      (e) => e.operation === 'llm:claude-slow' && e.status === 'incomplete',
    );
    expect(cutByClient.length).toBeGreaterThanOrEqual(1);
    expect(tb.gateway.inFlight.size).toBe(0);
  });
});
