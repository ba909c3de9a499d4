import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LedgerEventInput } from '../../../shared/events.js';
import { openDatabase, type Db } from '../db/database.js';
import { listen } from '../adapters/standin.js';
import { McpHub, type McpAuthorization, type McpCall } from './hub.js';
import { McpServerStore } from './servers.js';
import { EVERYTHING_SERVER as EVERYTHING } from '../testing/mcp-everything.js';

// The real MCP SDK client → our hub (on loopback node:http servers, one per "door") → the real
// @modelcontextprotocol/server-everything over stdio, and a remote Streamable HTTP server that
// wants a bearer token. Policy, vault and ledger are callbacks the test controls and reads.
const SECRET = 'sk-test-4f1d9a7e-never-shown';
const REMOTE_TOKEN = 'remote-token-8c2b';

interface Agent {
  id: string;
  runId?: string;
}
const alice: Agent = { id: 'alice', runId: 'run-1' };
const bob: Agent = { id: 'bob' };

let dir: string;
let db: Db;
let store: McpServerStore;
let hub: McpHub<Agent>;
const events: LedgerEventInput[] = [];
const asked: McpCall[] = [];
const closers: (() => Promise<void> | void)[] = [];
let aliceUrl: string;
let bobUrl: string;

function policy(agent: Agent, call: McpCall): McpAuthorization {
  asked.push(call);
  if (call.tool === 'get-sum')
    return { effect: 'deny', rule: 'no-math', reason: 'Arithmetic is not allowed.' };
  if (call.tool === 'get-tiny-image') return { effect: 'approve', rule: 'ask-images' };
  if (agent.id === 'bob') return { effect: 'deny', rule: 'bob-read-only', reason: 'Bob may only list.' };
  return { effect: 'allow', rule: `allow-${call.server}` };
}

async function remoteServer(): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${REMOTE_TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const mcp = new McpServer({ name: 'remote', version: '1.0.0' });
    mcp.registerTool('whoami', { description: 'Says who is asking' }, () => ({
      content: [{ type: 'text', text: 'authorized caller' }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    void mcp.connect(transport).then(() => transport.handleRequest(req, res));
  });
  const url = await listen(server);
  closers.push(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return `${url}/mcp`;
}

async function door(agent: Agent): Promise<string> {
  const server = http.createServer((req, res) => {
    void hub.handle(req, res, agent);
  });
  const url = await listen(server);
  closers.push(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return url;
}

async function connect(base: string, legacy = false): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(
    legacy
      ? new SSEClientTransport(new URL(`${base}/mcp/sse`))
      : new StreamableHTTPClientTransport(new URL(`${base}/mcp`)),
  );
  closers.push(() => client.close());
  return client;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-mcp-'));
  db = openDatabase(join(dir, 'gatehouse.db'));
  store = new McpServerStore(db);
  process.env.GATEHOUSE_TEST_HOST_ONLY = 'host-value-must-not-leak';
  store.add({
    name: 'everything',
    command: process.execPath,
    args: [EVERYTHING, 'stdio'],
    env: { EVERYTHING_MODE: 'governed' },
    credential: 'everything-token',
    inject: 'env:EVERYTHING_TOKEN',
  });
  store.add({ name: 'remote', url: await remoteServer(), credential: 'remote-token' });
  hub = new McpHub<Agent>({
    servers: store,
    resolveSecret: (name) => (name === 'everything-token' ? SECRET : REMOTE_TOKEN),
    canSee: (_agent, _server, name) => name !== 'toggle-simulated-logging',
    authorize: policy,
    approve: async () => 'denied',
    record: (e) => {
      events.push(e);
      return `ev-${events.length}`;
    },
  });
  aliceUrl = await door(alice);
  bobUrl = await door(bob);
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await hub.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.GATEHOUSE_TEST_HOST_ONLY;
});

const textOf = (r: unknown): string =>
  ((r as { content: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

describe('McpHub with the real MCP SDK and server-everything', () => {
  test('tools are namespaced per server and filtered by policy', async () => {
    const client = await connect(aliceUrl);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('everything__echo');
    expect(names).toContain('everything__get-sum');
    expect(names).toContain('remote__whoami');
    expect(names).not.toContain('everything__toggle-simulated-logging');
    expect(names.every((n) => n.startsWith('everything__') || n.startsWith('remote__'))).toBe(true);
  });

  test("upstream progress reaches the agent under the agent's own progress token", async () => {
    const client = await connect(aliceUrl);
    const seen: { progress: number; total?: number }[] = [];
    const r = await client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => seen.push({ progress: p.progress, total: p.total }) },
    );
    expect(textOf(r)).toContain('Long running operation completed');
    // The final 3-of-3 is written right before the result; the SDK client may handle the result
    // first and drop it (modelcontextprotocol/typescript-sdk#2580), at either hop. The steps
    // 100 ms apart always arrive, in order.
    expect(seen.slice(0, 2)).toEqual([
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
    ]);
    expect(seen.slice(2)).toEqual(seen.length === 3 ? [{ progress: 3, total: 3 }] : []);
  });

  test('agents hear tools/list_changed when a server is added or removed (both transports)', async () => {
    const clients = [await connect(aliceUrl), await connect(aliceUrl, true)];
    const heard = [0, 0];
    clients.forEach((c, i) =>
      c.setNotificationHandler(
        ToolListChangedNotificationSchema,
        () => void (heard[i] = (heard[i] ?? 0) + 1),
      ),
    );
    const until = async (cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(cond()).toBe(true);
    };
    // The Streamable HTTP client hears server notifications on its standalone GET stream.
    await new Promise((r) => setTimeout(r, 200));
    store.add({ name: 'extra', command: process.execPath, args: [EVERYTHING, 'stdio'] });
    await until(() => heard.every((n) => n >= 1));
    const names = (await clients[0]!.listTools()).tools.map((t) => t.name);
    expect(names).toContain('extra__echo');
    store.remove('extra');
    await until(() => heard.every((n) => n >= 2));
    expect((await clients[1]!.listTools()).tools.map((t) => t.name)).not.toContain('extra__echo');
  });

  test('an allowed call works, and its arguments and result are recorded', async () => {
    const client = await connect(aliceUrl);
    const r = await client.callTool({
      name: 'everything__echo',
      arguments: { message: 'hello governed world' },
    });
    expect(textOf(r)).toBe('Echo: hello governed world');
    const call = events.findLast((e) => e.kind === 'tool_call');
    expect(call).toMatchObject({
      agent: 'alice',
      run: 'run-1',
      operation: 'mcp:everything/echo',
      decision: 'allow',
      rule: 'allow-everything',
      status: 'ok',
      payload: {
        name: 'everything__echo',
        server: 'everything',
        tool: 'echo',
        arguments: { message: 'hello governed world' },
      },
    });
    const out = events.findLast((e) => e.kind === 'output');
    expect(out?.parent).toBe(`ev-${events.indexOf(call as LedgerEventInput) + 1}`);
    expect(out?.payload).toMatchObject({
      name: 'everything__echo',
      result: [{ type: 'text', text: 'Echo: hello governed world' }],
    });
    expect(asked.at(-1)).toEqual({
      server: 'everything',
      tool: 'echo',
      arguments: { message: 'hello governed world' },
      method: 'tools/call',
    });
  });

  test('a denied call is a JSON-RPC error naming the rule, recorded, and never reaches the server', async () => {
    const client = await connect(aliceUrl);
    const before = events.length;
    await expect(client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } })).rejects.toThrow(
      /Denied by policy rule "no-math": Arithmetic is not allowed\./,
    );
    const mine = events.slice(before);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      kind: 'tool_call',
      decision: 'deny',
      rule: 'no-math',
      status: 'denied',
      payload: { arguments: { a: 1, b: 2 } },
    });
  });

  test('an approval that is denied refuses the call, naming the rule', async () => {
    const client = await connect(aliceUrl);
    await expect(client.callTool({ name: 'everything__get-tiny-image', arguments: {} })).rejects.toThrow(
      /ask-images/,
    );
  });

  test('unknown tools are a JSON-RPC error', async () => {
    const client = await connect(aliceUrl);
    await expect(client.callTool({ name: 'nowhere__thing', arguments: {} })).rejects.toThrow(
      /Unknown tool "nowhere__thing"/,
    );
  });

  test('a stdio server gets only its configured env; its credential never reaches the agent', async () => {
    const client = await connect(aliceUrl);
    const env = JSON.parse(
      textOf(await client.callTool({ name: 'everything__get-env', arguments: {} })),
    ) as Record<string, string>;
    expect(env.EVERYTHING_MODE).toBe('governed');
    expect(env.EVERYTHING_TOKEN).toBe('[REDACTED]');
    expect(env.GATEHOUSE_TEST_HOST_ONLY).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  test('a remote Streamable HTTP server gets its credential injected as a header', async () => {
    const client = await connect(aliceUrl);
    const r = await client.callTool({ name: 'remote__whoami', arguments: {} });
    expect(textOf(r)).toBe('authorized caller');
    expect(JSON.stringify(events)).not.toContain(REMOTE_TOKEN);
  });

  test('resources and prompts are proxied, namespaced and recorded as context', async () => {
    const client = await connect(aliceUrl);
    const resources = (await client.listResources()).resources;
    expect(resources.length).toBeGreaterThan(0);
    expect(resources.every((r) => r.uri.startsWith('everything+'))).toBe(true);
    const first = resources[0] as { uri: string };
    const read = await client.readResource({ uri: first.uri });
    expect(read.contents[0]?.uri).toBe(first.uri);
    expect(events.findLast((e) => e.kind === 'context')).toMatchObject({
      payload: { source: 'resource', uri: first.uri },
    });
    expect(asked.at(-1)).toMatchObject({
      method: 'resources/read',
      server: 'everything',
      tool: first.uri.slice('everything+'.length),
    });

    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toContain('everything__simple-prompt');
    const p = await client.getPrompt({ name: 'everything__simple-prompt' });
    expect(p.messages.length).toBeGreaterThan(0);
    expect(events.findLast((e) => e.kind === 'context')).toMatchObject({
      payload: { source: 'prompt', name: 'everything__simple-prompt' },
    });
  });

  test('identity is the door: policy sees the door agent, and a session id does not work from another door', async () => {
    const asBob = await connect(bobUrl);
    await expect(asBob.callTool({ name: 'everything__echo', arguments: { message: 'x' } })).rejects.toThrow(
      /bob-read-only/,
    );

    const transport = new StreamableHTTPClientTransport(new URL(`${aliceUrl}/mcp`));
    const client = new Client({ name: 'alice', version: '1' });
    await client.connect(transport);
    closers.push(() => client.close());
    const sid = transport.sessionId as string;
    const stolen = await fetch(`${bobUrl}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(stolen.status).toBe(404);
    const unknown = await fetch(`${aliceUrl}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': randomUUID(),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(unknown.status).toBe(404);
  });

  test('the legacy SSE transport works through the same policy', async () => {
    const client = await connect(aliceUrl, true);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('everything__echo');
    const r = await client.callTool({ name: 'everything__echo', arguments: { message: 'over sse' } });
    expect(textOf(r)).toBe('Echo: over sse');
    await expect(client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } })).rejects.toThrow(
      /no-math/,
    );
  });

  test('a ledger that cannot write refuses the call (ledger before action)', async () => {
    const broken = new McpHub<Agent>({
      servers: store,
      resolveSecret: () => SECRET,
      canSee: () => true,
      authorize: () => ({ effect: 'allow', rule: 'all' }),
      record: () => Promise.reject(new Error('disk full')),
    });
    closers.push(() => broken.close());
    const server = http.createServer((req, res) => void broken.handle(req, res, alice));
    const url = await listen(server);
    closers.push(() => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    });
    const client = await connect(url);
    await expect(client.callTool({ name: 'everything__echo', arguments: { message: 'x' } })).rejects.toThrow(
      /ledger is unavailable/,
    );
  });
});
