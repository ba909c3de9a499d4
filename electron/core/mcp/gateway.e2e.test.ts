import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../app.js';
import { EVERYTHING_SERVER as EVERYTHING } from '../testing/mcp-everything.js';

// The whole core (gateway host door, default policy, ledger, vault) with the real MCP SDK client
// at <gateway>/mcp and server-everything behind it: what an agent on the host actually gets.

let dir: string;
let core: Core;
let client: Client;
const actor = { actor: 'test' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-mcp-e2e-'));
  core = await createCore({
    dataDir: dir,
    mode: 'headless',
    env: { ...process.env, GATEHOUSE_DATA_DIR: dir },
  });
  await core.api.call(
    'mcp.add',
    { name: 'everything', command: process.execPath, args: [EVERYTHING, 'stdio'] },
    actor,
  );
  const added = (await core.api.call(
    'agents.add',
    { name: 'helper', template: 'demo-helpful', host: true },
    actor,
  )) as {
    hostKey: string;
    gatewayUrl: string;
  };
  client = new Client({ name: 'host-agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${added.gatewayUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${added.hostKey}` } },
    }),
  );
});
afterAll(async () => {
  await client?.close();
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('MCP through the gateway with the default policy', () => {
  test('the agent sees only the tools policy lets it call, calls them, and is denied the rest', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['everything__echo', 'everything__get-sum']);

    const r = await client.callTool({ name: 'everything__echo', arguments: { message: 'through the gate' } });
    expect((r.content as { text: string }[])[0]?.text).toBe('Echo: through the gate');
    await expect(client.callTool({ name: 'everything__get-env', arguments: {} })).rejects.toThrow(
      /Denied by policy rule "default-deny"/,
    );

    const page = (await core.api.call('audit.events', { kind: ['tool_call'], payload: true }, actor)) as {
      items: { decision?: string; rule?: string; operation?: string; payload?: { arguments?: unknown } }[];
    };
    const calls = page.items.map((e) => [e.operation, e.decision, e.rule]);
    expect(calls).toContainEqual(['mcp:everything/echo', 'allow', 'demo-mcp-echo']);
    expect(calls).toContainEqual(['mcp:everything/get-env', 'deny', 'default-deny']);
    expect(page.items.find((e) => e.operation === 'mcp:everything/echo')?.payload?.arguments).toEqual({
      message: 'through the gate',
    });
  });

  test('a new policy version that shows another tool tells the agent to list again', async () => {
    let heard = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard++);
    await new Promise((r) => setTimeout(r, 200)); // the client's standalone GET stream opens
    const live = (await core.api.call('policy.get', {}, actor)) as { yaml: string };
    const yaml = live.yaml.replace('tool: [echo, add, get-sum]', 'tool: [echo, add, get-sum, get-env]');
    expect(yaml).not.toBe(live.yaml);
    await core.api.call('policy.apply', { yaml, note: 'let the helper read its env' }, actor);
    for (let i = 0; i < 300 && heard === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heard).toBeGreaterThan(0);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('everything__get-env');
  });
});
