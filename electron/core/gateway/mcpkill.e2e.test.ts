import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../app.js';
import { EVERYTHING_SERVER as EVERYTHING } from '../testing/mcp-everything.js';

// The whole core with the real MCP SDK client at <gateway>/mcp and server-everything behind it:
// a kill switch scoped to the MCP server's name stops calls to that server, and only those.

let dir: string;
let core: Core;
let client: Client;
const actor = { actor: 'test' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-gw-mcpkill-'));
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
  )) as { hostKey: string; gatewayUrl: string };
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

describe('kill switch per MCP server', () => {
  test('a service-scoped kill on the server name refuses its tool calls until released', async () => {
    const echo = { name: 'everything__echo', arguments: { message: 'hi' } };
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('everything__echo'); // as agents do first
    const ok = await client.callTool(echo);
    expect((ok.content as { text: string }[])[0]?.text).toBe('Echo: hi');

    const scope = { kind: 'service', service: 'everything' };
    const engaged = (await core.api.call('kill.engage', { scope, reason: 'test' }, actor)) as {
      cut: Record<string, number>;
    };
    // The stdio server serves only what the switch covers, so its process is stopped too.
    expect(engaged.cut.mcpServersStopped).toBe(1);
    expect(core.mcp.hub.governor.status('everything')?.state).toBe('idle');
    await expect(client.callTool(echo)).rejects.toThrow(/kill switch/i);
    // The session and the (last known) listing survive: only calls to the halted server are refused.
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('everything__echo');
    expect(core.mcp.hub.governor.status('everything')?.state).toBe('idle'); // listing did not restart it
    // A kill on another server's name does not touch this one.
    await core.api.call('kill.release', { scope, resumeSandboxes: false }, actor);
    const other = { kind: 'service', service: 'elsewhere' };
    await core.api.call('kill.engage', { scope: other, reason: 'test' }, actor);
    const again = await client.callTool(echo);
    expect((again.content as { text: string }[])[0]?.text).toBe('Echo: hi');
    await core.api.call('kill.release', { scope: other, resumeSandboxes: false }, actor);

    const page = (await core.api.call('audit.events', { kind: ['decision'], agent: 'helper' }, actor)) as {
      items: { rule?: string; service?: string; decision?: string }[];
    };
    expect(page.items).toContainEqual(
      expect.objectContaining({ rule: 'kill-switch', service: 'everything', decision: 'deny' }),
    );
  });
});
