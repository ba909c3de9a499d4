import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { GATEHOUSE_VERSION } from '../version.js';
import { McpGovernor, type McpAgent, type McpHubDeps } from './governor.js';

export type { McpAgent, McpAuthorization, McpCall, McpHubDeps, McpItemKind, McpMethod } from './governor.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const IDLE_MS = 30 * 60_000;

interface Session {
  agentId: string;
  transport: Transport;
  server: Server;
  lastSeen: number;
}

/**
 * The gateway's MCP server: one endpoint (mounted at /mcp on every door) aggregating the
 * upstream servers. Streamable HTTP at `/mcp`, legacy SSE at `/mcp/sse` + `/mcp/messages`.
 * A session belongs to the agent whose door opened it; another door cannot use its id.
 */
export class McpHub<A extends McpAgent = McpAgent> {
  readonly governor: McpGovernor<A>;
  private readonly sessions = new Map<string, Session>();
  private readonly reaper: NodeJS.Timeout;
  private readonly unwatch: () => void;

  constructor(deps: McpHubDeps<A>) {
    this.governor = new McpGovernor(deps);
    this.reaper = setInterval(() => this.reap(), 60_000);
    this.reaper.unref();
    // An upstream's tools changed, or a server came or went: every open session lists again.
    this.unwatch = this.governor.onToolsChanged(() => this.toolsChanged());
  }

  /** Tells every open session to list tools again (`notifications/tools/list_changed`). */
  toolsChanged(): void {
    for (const s of this.sessions.values()) void s.server.sendToolListChanged().catch(() => undefined);
  }

  /** node:http handler. `body` is the parsed JSON body when the caller has already read it. */
  async handle(req: IncomingMessage, res: ServerResponse, agent: A, body?: unknown): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gatehouse.invalid');
    const path = url.pathname.replace(/\/+$/, '');
    if (path.endsWith('/sse') && req.method === 'GET') return this.openLegacy(req, res, agent, path);
    if (path.endsWith('/messages') && req.method === 'POST') {
      const s = this.own(url.searchParams.get('sessionId') ?? '', agent);
      if (!s || !(s.transport instanceof SSEServerTransport))
        return rpcError(res, 404, -32001, 'Session not found.');
      const parsed = body === undefined ? await readJson(req) : { ok: true as const, value: body };
      if (!parsed.ok) return rpcError(res, 400, -32700, 'Parse error: the body is not JSON.');
      return s.transport.handlePostMessage(req, res, parsed.value);
    }

    const sid = header(req, 'mcp-session-id');
    if (sid) {
      const s = this.own(sid, agent);
      if (!s || !(s.transport instanceof StreamableHTTPServerTransport)) {
        return rpcError(res, 404, -32001, 'Session not found: initialize a new one.');
      }
      const parsed =
        req.method === 'POST'
          ? body === undefined
            ? await readJson(req)
            : { ok: true as const, value: body }
          : { ok: true as const, value: undefined };
      if (!parsed.ok) return rpcError(res, 400, -32700, 'Parse error: the body is not JSON.');
      return s.transport.handleRequest(req, res, parsed.value);
    }
    if (req.method !== 'POST')
      return rpcError(res, 400, -32000, 'Bad request: no session; POST an initialize request first.');
    const parsed = body === undefined ? await readJson(req) : { ok: true as const, value: body };
    if (!parsed.ok) return rpcError(res, 400, -32700, 'Parse error: the body is not JSON.');
    if (!isInitializeRequest(parsed.value)) {
      return rpcError(res, 400, -32000, 'Bad request: no session; POST an initialize request first.');
    }
    const server = this.serverFor(agent);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { agentId: agent.id, transport, server, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, parsed.value);
  }

  /** The tools an agent may use, namespaced (for `gate tools` and the console). */
  tools(agent?: A): ReturnType<McpGovernor<A>['tools']> {
    return this.governor.tools(agent);
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
    this.unwatch();
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
    await this.governor.close();
  }

  private async openLegacy(
    _req: IncomingMessage,
    res: ServerResponse,
    agent: A,
    path: string,
  ): Promise<void> {
    const transport = new SSEServerTransport(`${path.slice(0, -'/sse'.length)}/messages`, res);
    const server = this.serverFor(agent);
    this.sessions.set(transport.sessionId, { agentId: agent.id, transport, server, lastSeen: Date.now() });
    transport.onclose = () => this.sessions.delete(transport.sessionId);
    await server.connect(transport);
  }

  private own(sid: string, agent: A): Session | undefined {
    const s = this.sessions.get(sid);
    if (!s || s.agentId !== agent.id) return undefined;
    s.lastSeen = Date.now();
    return s;
  }

  private serverFor(agent: A): Server {
    const g = this.governor;
    const server = new Server(
      { name: 'gatehouse', version: GATEHOUSE_VERSION },
      {
        capabilities: { tools: { listChanged: true }, resources: {}, prompts: {} },
        instructions: 'Tools are named <server>__<tool>. Every call is checked against policy and recorded.',
      },
    );
    const id = (extra: { requestId: string | number }): string => String(extra.requestId);
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: (await g.tools(agent)).map(({ server: _s, tool: _t, ...t }) => t),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (r, extra) => {
      // Upstream progress goes back to the agent under its own token (sent before the result, so
      // none is lost when the response stream closes); the agent's cancellation goes up.
      const token = r.params._meta?.progressToken;
      const sent: Promise<void>[] = [];
      const result = await g.callTool(agent, r.params.name, r.params.arguments ?? {}, id(extra), {
        signal: extra.signal,
        ...(token !== undefined
          ? {
              onProgress: (p) =>
                void sent.push(
                  extra
                    .sendNotification({
                      method: 'notifications/progress',
                      params: { ...p, progressToken: token },
                    })
                    .catch(() => undefined),
                ),
            }
          : {}),
      });
      await Promise.all(sent);
      return result;
    });
    server.setRequestHandler(ListResourcesRequestSchema, async () => ({
      resources: await g.resources(agent),
    }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
      resourceTemplates: await g.resourceTemplates(agent),
    }));
    server.setRequestHandler(ReadResourceRequestSchema, (r, extra) =>
      g.readResource(agent, r.params.uri, id(extra)),
    );
    server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: await g.prompts(agent) }));
    server.setRequestHandler(GetPromptRequestSchema, (r, extra) =>
      g.getPrompt(agent, r.params.name, r.params.arguments ?? {}, id(extra)),
    );
    return server;
  }

  private reap(): void {
    const cutoff = Date.now() - IDLE_MS;
    for (const [sid, s] of this.sessions) {
      if (s.lastSeen >= cutoff) continue;
      this.sessions.delete(sid);
      void s.server.close().catch(() => undefined);
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false };
    parts.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return void res.end();
  const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
