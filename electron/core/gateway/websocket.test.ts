import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Agent, ProxyAgent, WebSocket, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestbed, SECRET, type Testbed } from './testbed.js';
import { encodeFrame, MessageReader, OP } from './wsframe.js';

const POLICY = `
policy: 1
rules:
  - id: gpt-ok
    effect: allow
    service: [oai, oaitls]
    llm: { model: 'gpt-4o*' }
limits: []
guardrails:
  - id: aws-redact
    detect: [aws_access_key]
    on: [response]
    action: redact
`;

/** The Responses events the public API reference documents for one streamed text answer. */
function responseEvents(model: string, text: string[]): object[] {
  const resp = { id: 'resp_ws1', object: 'response', model, status: 'in_progress', output: [] };
  const item = { id: 'msg_ws1', type: 'message', role: 'assistant', status: 'in_progress', content: [] };
  const full = text.join('');
  return [
    { type: 'response.created', sequence_number: 0, response: resp },
    { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item },
    ...text.map((delta, i) => ({
      type: 'response.output_text.delta',
      sequence_number: 2 + i,
      item_id: 'msg_ws1',
      output_index: 0,
      content_index: 0,
      delta,
    })),
    {
      type: 'response.output_item.done',
      output_index: 0,
      item: { ...item, status: 'completed', content: [{ type: 'output_text', text: full, annotations: [] }] },
    },
    {
      type: 'response.completed',
      response: {
        ...resp,
        status: 'completed',
        usage: {
          input_tokens: 11,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 5,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 16,
        },
      },
    },
  ];
}

/** A Responses WebSocket stand-in on loopback (node:http upgrade + the frame codec). */
function wsUpstream(tls?: { cert: string; key: string }): {
  server: Server;
  seenHeaders: IncomingHttpHeaders[];
  seenMessages: string[];
} {
  const seenHeaders: IncomingHttpHeaders[] = [];
  const seenMessages: string[] = [];
  const plain = (_req: IncomingMessage, res: ServerResponse): void => void res.writeHead(426).end();
  const server: Server = tls ? createHttpsServer(tls, plain) : createServer(plain);
  server.on('upgrade', (req, socket: Duplex) => {
    seenHeaders.push(req.headers);
    const accept = createHash('sha1')
      .update(String(req.headers['sec-websocket-key']) + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSet-Cookie: s=1\r\n\r\n`,
    );
    const reader = new MessageReader(1 << 20);
    const send = (o: object | string): boolean =>
      socket.write(encodeFrame(OP.text, Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)), false));
    socket.on('data', (c: Buffer) => {
      for (const m of reader.push(c)) {
        if (m.opcode === OP.close) return void socket.end(encodeFrame(OP.close, m.payload, false));
        if (m.opcode === OP.ping) {
          socket.write(encodeFrame(OP.pong, m.payload, false));
          continue;
        }
        const text = m.payload.toString();
        seenMessages.push(text);
        const msg = JSON.parse(text) as { type: string; model: string; input?: string };
        if (msg.type !== 'response.create') continue;
        if (msg.model === 'gpt-4o-slow') {
          send(responseEvents(msg.model, [])[0]!);
          const t = setInterval(
            () => send({ type: 'response.output_text.delta', output_index: 0, delta: 'x' }),
            5,
          );
          socket.on('close', () => clearInterval(t));
          continue;
        }
        const words =
          msg.input === 'leak' ? [`key is ${SECRET}`, ' and AKIAIOSFODNN7EXAMPLE'] : ['Hello', ' there'];
        for (const e of responseEvents(msg.model, words)) send(e);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  return { server, seenHeaders, seenMessages };
}

interface Client {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the messages up to the first one of this type. */
  until(type: string): Promise<Record<string, unknown>[]>;
}

function open(url: string, key: string, dispatcher?: Dispatcher): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${key}` },
      ...(dispatcher ? { dispatcher } : {}),
    });
    const messages: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    ws.addEventListener('message', (e) => {
      messages.push(JSON.parse(String(e.data)) as Record<string, unknown>);
      for (const w of [...waiters]) w();
    });
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.addEventListener('close', (e) => r({ code: e.code, reason: e.reason })),
    );
    const until = (type: string): Promise<Record<string, unknown>[]> =>
      new Promise((r) => {
        const start = messages.length;
        const check = (): void => {
          const i = messages.findIndex((m, k) => k >= start && m.type === type);
          if (i >= 0) r(messages.slice(start, i + 1));
        };
        waiters.push(check);
        check();
      });
    ws.addEventListener('open', () => resolve({ ws, messages, closed, until }));
    ws.addEventListener('error', () => reject(new Error('websocket failed to open')));
  });
}

describe('WebSocket upgrades (OpenAI Responses transport) through the pipeline', () => {
  let tb: Testbed;
  let up: ReturnType<typeof wsUpstream>;
  let key: string;
  let url: string;

  beforeAll(async () => {
    tb = await openTestbed(POLICY, (_req, res) => res.writeHead(404).end());
    up = wsUpstream();
    await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', () => r()));
    const port = (up.server.address() as AddressInfo).port;
    tb.services.add({
      name: 'oai',
      kind: 'openai',
      baseUrl: `http://127.0.0.1:${port}`,
      credential: {
        credential: 'up-key',
        inject: { type: 'header', name: 'authorization', prefix: 'Bearer ' },
      },
    });
    tb.agents.create({ name: 'codex', template: 'codex', sandboxed: false });
    key = tb.agents.createHostKey('codex');
    url = tb.gateway.address.replace('http:', 'ws:') + '/llm/oai/v1/responses';
  });
  afterAll(async () => {
    up?.server.closeAllConnections();
    up?.server.close();
    await tb?.close();
  });

  it('relays an allowed response.create, injects the credential and records the call like SSE', async () => {
    const c = await open(url, key);
    c.ws.send(
      JSON.stringify({ type: 'response.create', model: 'gpt-4o-mini', input: 'say hello', stream: true }),
    );
    const got = await c.until('response.completed');
    expect(got.map((m) => m.type)).toContain('response.output_text.delta');
    // The agent's gateway key never went upstream; the leased credential did; no compression offered.
    const h = up.seenHeaders.at(-1)!;
    expect(h.authorization).toBe(`Bearer ${SECRET}`);
    expect(h['sec-websocket-extensions']).toBeUndefined();
    c.ws.close();
    await c.closed;
    const evs = await tb.events({ agent: 'codex' });
    const requests = evs.filter((e) => e.kind === 'request');
    const conn = requests.find((e) => (e.payload as { method?: string }).method === 'GET');
    const call = requests.find((e) => e.operation === 'llm:gpt-4o-mini');
    expect(conn && call).toBeTruthy();
    expect(call!.parent).toBe(conn!.id);
    const resp = evs.find((e) => e.kind === 'response' && e.parent === call!.id);
    expect(resp?.status).toBe('ok');
    expect(resp?.usage?.inputTokens).toBe(11);
    expect(resp?.usage?.outputTokens).toBe(5);
    const out = evs.find((e) => e.kind === 'output' && e.parent === call!.id);
    expect((out?.payload as { text?: string }).text).toBe('Hello there');
    expect(evs.filter((e) => e.kind === 'input' && e.parent === call!.id)).toHaveLength(1);
    expect(JSON.stringify(evs)).not.toContain(SECRET);
  });

  it('refuses a model the policy does not allow with an error event; the upstream never sees it', async () => {
    const c = await open(url, key);
    const before = up.seenMessages.length;
    c.ws.send(JSON.stringify({ type: 'response.create', model: 'o3-pro', input: 'hi' }));
    const [err] = await c.until('error');
    const e = err!.error as { code: string; rule: string };
    expect(err!.status).toBe(403);
    expect(e.code).toBe('denied');
    expect(e.rule).toBe('default-deny');
    // The connection stays usable for an allowed call.
    c.ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-4o', input: 'leak' }));
    const ok = await c.until('response.completed');
    expect(up.seenMessages.slice(before).map((m) => (JSON.parse(m) as { model: string }).model)).toEqual([
      'gpt-4o',
    ]);
    // A known secret in an upstream message is redacted before the agent sees it.
    expect(JSON.stringify(ok)).not.toContain(SECRET);
    expect(JSON.stringify(ok)).toContain('[REDACTED]');
    // Response guardrails run on each upstream message (here: redact an AWS key id).
    expect(JSON.stringify(ok)).not.toContain('AKIAIOSFODNN7EXAMPLE');
    c.ws.close();
    await c.closed;
    const guard = await tb.events({ kind: 'guardrail', agent: 'codex' });
    expect(guard.some((g) => g.rule === 'guardrail:aws_access_key' && g.status === 'redact')).toBe(true);
    const deny = (await tb.events({ kind: 'decision', agent: 'codex' })).find(
      (x) => x.operation === 'llm:o3-pro',
    );
    expect(deny?.rule).toBe('default-deny');
  });

  it('the kill switch cuts a live WebSocket (close 1008) and refuses new upgrades until released', async () => {
    const c = await open(url, key);
    c.ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-4o-slow', input: 'go' }));
    await c.until('response.output_text.delta');
    await tb.killSwitch.engage({ kind: 'agent', agent: 'codex' }, 'test', 'runaway');
    const closed = await c.closed;
    expect(closed.code).toBe(1008);
    await expect(open(url, key)).rejects.toThrow();
    await tb.killSwitch.release({ kind: 'agent', agent: 'codex' }, 'test');
    const evs = await tb.events({ kind: 'response', agent: 'codex' });
    expect(evs.some((e) => e.operation === 'llm:gpt-4o-slow' && e.status === 'killed')).toBe(true);
    const again = await open(url, key);
    again.ws.close();
    await again.closed;
  });

  it('wss:// through the forward proxy (CONNECT intercepted with the Gatehouse CA) takes the same path', async () => {
    const leaf = await tb.upstreamCa.leafFor('localhost');
    const secure = wsUpstream({ cert: leaf.certPem + '\n' + tb.upstreamCa.certPem, key: leaf.keyPem });
    await new Promise<void>((r) => secure.server.listen(0, '127.0.0.1', () => r()));
    tb.services.add({
      name: 'oaitls',
      kind: 'openai',
      baseUrl: `https://localhost:${(secure.server.address() as AddressInfo).port}`,
      hosts: ['api.openai.test'],
      tls: 'intercept',
      credential: {
        credential: 'up-key',
        inject: { type: 'header', name: 'authorization', prefix: 'Bearer ' },
      },
    });
    const dispatcher = new ProxyAgent({
      uri: tb.gateway.address,
      token: `Bearer ${key}`,
      requestTls: { ca: tb.ca.certPem },
    });
    try {
      const c = await open('wss://api.openai.test/v1/responses', key, dispatcher);
      c.ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-4o-mini', input: 'via connect' }));
      const got = await c.until('response.completed');
      expect(got.at(-1)!.type).toBe('response.completed');
      expect(secure.seenHeaders.at(-1)!.authorization).toBe(`Bearer ${SECRET}`);
      c.ws.close();
      await c.closed;
      const reqs = await tb.events({ kind: 'request', agent: 'codex' });
      expect(reqs.some((e) => e.service === 'oaitls' && e.operation === 'llm:gpt-4o-mini')).toBe(true);
    } finally {
      await dispatcher.close();
      secure.server.closeAllConnections();
      secure.server.close();
    }
  });

  it('a sandbox door needs no key: the socket is the agent, claims in headers are ignored', async () => {
    const boxed = tb.agents.create({ name: 'boxed', template: 'codex', sandboxed: true });
    const sock = `${tb.dir}/sockets/boxed.sock`;
    await tb.gateway.openSandboxDoor(boxed, sock);
    const dispatcher = new Agent({ connect: { socketPath: sock } });
    try {
      // The "key" is a placeholder (or another agent's key): the door decides who this is.
      const c = await open('ws://gatehouse/llm/oai/v1/responses', key, dispatcher);
      c.ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-4o-mini', input: 'from the box' }));
      await c.until('response.completed');
      expect(up.seenHeaders.at(-1)!.authorization).toBe(`Bearer ${SECRET}`);
      c.ws.close();
      await c.closed;
      const reqs = await tb.events({ kind: 'request', agent: 'boxed' });
      expect(reqs.some((e) => e.operation === 'llm:gpt-4o-mini')).toBe(true);
      expect(reqs.every((e) => !(e.payload as { unsandboxed?: boolean }).unsandboxed)).toBe(true);
    } finally {
      await dispatcher.close();
      await tb.gateway.closeSandboxDoor('boxed');
    }
  });

  it('refuses an upgrade without a gateway key', async () => {
    await expect(open(url, 'ghk_wrong')).rejects.toThrow();
  });
});
