import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateDir } from './paths.js';

// The in-sandbox `gate` CLI run on the host against a real HTTP server on a unix socket, for the
// output formats and error paths (the real gateway path is in gateway-escape.test.ts).
const dir = mkdtempSync(join(tmpdir(), 'gh-gate-'));
const socket = join(dir, 'gateway.sock');
let server: Server;
const calls: { method: string; params?: { name?: string; arguments?: unknown } }[] = [];

function gate(args: string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(gateDir(), 'gate.mjs'), ...args],
      { env: { PATH: process.env.PATH, GATEHOUSE_SOCKET: socket } },
      (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/gate/tools') {
        res.setHeader('content-type', 'application/json');
        return res.end(
          JSON.stringify({
            tools: [
              {
                server: 'fs',
                name: 'fs__read',
                description: 'Read a file',
                inputSchema: {
                  type: 'object',
                  properties: { path: { type: 'string', description: 'where' } },
                  required: ['path'],
                },
              },
            ],
            services: [{ name: 'github', kind: 'http', hosts: ['api.github.com'] }],
          }),
        );
      }
      if (req.url === '/mcp') {
        const msg = JSON.parse(body) as {
          id?: number;
          method: string;
          params?: { name?: string; arguments?: unknown };
        };
        calls.push(msg);
        if (msg.id === undefined) return res.writeHead(202).end();
        res.setHeader('mcp-session-id', 'sess-1');
        if (msg.method === 'initialize') {
          res.setHeader('content-type', 'application/json');
          return res.end(
            JSON.stringify({
              jsonrpc: '2.0',
              id: msg.id,
              result: { protocolVersion: '2025-06-18', capabilities: {} },
            }),
          );
        }
        // tools/call answers as an SSE stream, like the Streamable HTTP transport does.
        res.setHeader('content-type', 'text/event-stream');
        const name = msg.params?.name;
        const result =
          name === 'fs__fail'
            ? { content: [{ type: 'text', text: 'no such file' }], isError: true }
            : name === 'fs__denied'
              ? undefined
              : { content: [{ type: 'text', text: `read ${JSON.stringify(msg.params?.arguments)}` }] };
        const answer = result
          ? { jsonrpc: '2.0', id: msg.id, result }
          : {
              jsonrpc: '2.0',
              id: msg.id,
              error: { code: -32001, message: 'Denied by policy', data: { rule: 'no-fs' } },
            };
        return res.end(`event: message\ndata: ${JSON.stringify(answer)}\n\n`);
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('gate CLI', () => {
  it('lists tools with their arguments, and services, as text or JSON', async () => {
    const text = await gate(['tools']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('fs__read — Read a file');
    expect(text.out).toContain('path: string — where');
    expect(text.out).toContain('github (http) [api.github.com]');
    const json = JSON.parse((await gate(['tools', '--json'])).out) as { tools: { name: string }[] };
    expect(json.tools[0]!.name).toBe('fs__read');
  });

  it('calls a tool in one MCP session and puts the result on stdout (args inline or from stdin)', async () => {
    const r = await gate(['call', 'fs__read', '--json', '{"path":"a.txt"}']);
    expect(r).toMatchObject({ code: 0, out: 'read {"path":"a.txt"}\n' });
    expect(calls.slice(-3).map((c) => c.method)).toEqual([
      'initialize',
      'notifications/initialized',
      'tools/call',
    ]);
    expect((await gate(['call', 'fs__read', '--json', '-'], '{"path":"b"}')).out).toBe('read {"path":"b"}\n');
  });

  it('fails with a sentence: tool errors, denials naming the rule, bad JSON, no gateway', async () => {
    expect(await gate(['call', 'fs__fail'])).toMatchObject({ code: 1, out: 'no such file\n' });
    const denied = await gate(['call', 'fs__denied']);
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('Denied by policy (rule no-fs)');
    expect(await gate(['call', 'fs__read', '--json', '{oops'])).toMatchObject({ code: 2 });
    const gone = await new Promise<{ code: number; err: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(gateDir(), 'gate.mjs'), 'whoami'],
        { env: { GATEHOUSE_SOCKET: join(dir, 'nope.sock') } },
        (e, _o, err) => resolve({ code: (e as { code?: number } | null)?.code ?? 0, err }),
      ),
    );
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/cannot reach Gatehouse at .*nope\.sock \(ENOENT\)/);
    expect((await gate(['bogus'])).code).toBe(2);
  });
});
