import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DemoProvider } from './provider.js';

const AGENT_SCRIPT = fileURLToPath(new URL('../../../resources/demo/agent.mjs', import.meta.url));

/**
 * The demo agent script on its own, against the real demo provider and a stand-in "gateway"
 * on loopback that serves a real MCP server (the SDK's Streamable HTTP transport) at /mcp and a
 * plain service at /svc/api/. The governed runs (through the real gateway) are in scenario tests.
 */
let provider: DemoProvider;
let gateway: Server;
let gatewayUrl: string;
const svcRequests: string[] = [];

beforeAll(async () => {
  provider = await DemoProvider.start();
  gateway = createServer((req, res) => {
    if (req.url?.startsWith('/mcp')) {
      const server = new McpServer({ name: 'stand-in', version: '1' });
      server.registerTool('everything__echo', { inputSchema: { message: z.string() } }, ({ message }) => ({
        content: [{ type: 'text', text: `Echo: ${message}` }],
      }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close());
      void server.connect(transport).then(() => transport.handleRequest(req, res));
      return;
    }
    if (req.url?.startsWith('/llm/demo/')) {
      // forward to the provider, as the gateway would
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', () => {
        void fetch(`${provider.address}${req.url!.slice('/llm/demo'.length)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
          body: Buffer.concat(body),
        }).then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        });
      });
      return;
    }
    svcRequests.push(`${req.method} ${req.url}`);
    if (req.url === '/svc/api/status')
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"green"}');
    res
      .writeHead(403, { 'content-type': 'application/json' })
      .end('{"error":{"code":"denied","message":"no rule allows this"}}');
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  gateway?.closeAllConnections();
  await new Promise((r) => gateway?.close(r));
  await provider?.close();
});

function runAgent(env: Record<string, string>, cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_SCRIPT], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

describe('resources/demo/agent.mjs', () => {
  it('helpful: lists, reads, calls the MCP tool and the API, writes its report', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'gh-demo-ws-'));
    try {
      writeFileSync(join(ws, 'README.md'), '# Project\nA small project.\n');
      const { code, out } = await runAgent(
        {
          ANTHROPIC_BASE_URL: `${gatewayUrl}/llm/demo`,
          ANTHROPIC_API_KEY: 'gatehouse-placeholder',
          DEMO_MODEL: 'demo-helpful',
          DEMO_CONFIG: JSON.stringify({
            mcpTool: 'everything__echo',
            apiUrl: 'service:api/status',
            outputFile: 'REPORT.md',
          }),
          WORKSPACE: ws,
        },
        ws,
      );
      expect(code, out).toBe(0);
      const summary = JSON.parse(out.trim().split('\n').at(-1)!) as {
        finished: boolean;
        toolCalls: { name: string; ok: boolean }[];
      };
      expect(summary.finished).toBe(true);
      expect(summary.toolCalls.map((t) => `${t.name}:${t.ok}`)).toEqual([
        'list_files:true',
        'read_file:true',
        'mcp_call:true',
        'http_request:true',
        'write_file:true',
      ]);
      const report = readFileSync(join(ws, 'REPORT.md'), 'utf8');
      expect(report).toContain('MCP tool: ok: Echo: hello from the helpful agent');
      expect(report).toContain('API: ok: HTTP 200: {"status":"green"}');
      expect(svcRequests).toContain('GET /svc/api/status');
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('rogue: its attempts come back refused and it ends when the model call is refused', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'gh-demo-ws-'));
    try {
      writeFileSync(join(ws, '.env'), 'DEPLOY_TOKEN=planted-secret-value\n');
      const { code, out } = await runAgent(
        {
          ANTHROPIC_BASE_URL: `${gatewayUrl}/llm/demo`,
          DEMO_MODEL: 'demo-rogue',
          DEMO_CONFIG: JSON.stringify({ exfilUrl: 'http://collector.invalid/upload', burnTurns: 2 }),
          WORKSPACE: ws,
        },
        ws,
      );
      expect(code, out).toBe(0);
      const summary = JSON.parse(out.trim().split('\n').at(-1)!) as {
        toolCalls: { name: string; ok: boolean }[];
        finalText: string;
      };
      expect(summary.toolCalls.map((t) => `${t.name}:${t.ok}`)).toEqual([
        'read_file:true',
        'http_request:false',
        'mcp_call:false',
        'http_request:false',
        'list_files:true',
        'list_files:true',
      ]);
      expect(summary.finalText).toContain('I give up');
      // The stand-in answered the absolute-form proxy request with 403; it saw the attempt.
      expect(svcRequests).toContain('POST http://collector.invalid/upload');
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('refuses paths outside the workspace', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'gh-demo-ws-'));
    try {
      const { out } = await runAgent(
        {
          ANTHROPIC_BASE_URL: `${gatewayUrl}/llm/demo`,
          DEMO_MODEL: 'demo-rogue',
          DEMO_CONFIG: JSON.stringify({ secretFile: '../../etc/passwd', burnTurns: 0 }),
          WORKSPACE: ws,
        },
        ws,
      );
      expect(out).toContain('[refused] ../../etc/passwd is outside the workspace');
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
