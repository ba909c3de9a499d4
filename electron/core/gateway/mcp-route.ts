import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson, readBody } from './body.js';
import { sendRefusal, type Refusal } from './deny.js';
import { mcpServersIn } from './mcptarget.js';
import type { RequestContext } from './pipeline.js';
import { internal } from './refusals.js';
import { RouteError } from './route.js';
import type { RouteKit } from './route-kit.js';

/**
 * The /mcp route of every door: kill-switch checks for MCP as a whole and per addressed server,
 * then the MCP hub, tracked in flight so a kill switch can cut it.
 */
export async function handleMcpRoute(
  p: RouteKit,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  run: string,
): Promise<void> {
  const { agent } = ctx;
  const halted = p.deps.killSwitch?.halted(agent.id, 'mcp');
  const hub = p.deps.mcp;
  if (halted || !hub) {
    const r: Refusal = halted
      ? {
          status: 403,
          code: 'killed',
          reason: `The kill switch is engaged (${halted.kind}).`,
          rule: 'kill-switch',
        }
      : { status: 503, code: 'mcp_unavailable', reason: 'The MCP hub is not running.', rule: 'mcp' };
    if (halted) p.counters.denied(agent.id, 'mcp', r.rule);
    p.record({
      agent: agent.id,
      run,
      service: 'mcp',
      kind: halted ? 'decision' : 'error',
      ...(halted ? { decision: 'deny' as const } : {}),
      rule: r.rule,
      status: r.code,
      summary: `MCP ${req.method} refused: ${r.reason}`,
    });
    const body = await readBody(req, p.opts.maxBodyBytes).catch(() => Buffer.alloc(0));
    const json = parseJson(body, 'application/json');
    sendRefusal(
      res,
      'mcp',
      r,
      typeof json === 'object' && json && 'id' in json ? (json as { id: unknown }).id : null,
    );
    return;
  }
  // A kill switch scoped to one MCP server (service '<server>') stops calls to that server.
  let body: unknown;
  let servers: string[] = [];
  if (req.method === 'POST') {
    const raw = await readBody(req, p.opts.maxBodyBytes).catch((e: unknown) => e);
    if (!Buffer.isBuffer(raw)) {
      const r = raw instanceof RouteError ? raw.refusal : internal(raw);
      p.counters.error();
      return sendRefusal(res, 'http', r);
    }
    body = parseJson(raw, 'application/json');
    if (body === undefined)
      return sendRefusal(res, 'mcp', {
        status: 400,
        code: 'parse_error',
        reason: 'The MCP request body is not JSON.',
        rule: 'gateway-input',
      });
    const addressed = mcpServersIn(body);
    servers = addressed.servers;
    for (const server of servers) {
      const cut = p.deps.killSwitch?.halted(agent.id, server);
      if (!cut) continue;
      const r: Refusal = {
        status: 403,
        code: 'killed',
        reason: `The kill switch is engaged for MCP server ${server} (${cut.kind}).`,
        rule: 'kill-switch',
      };
      p.counters.denied(agent.id, server, r.rule);
      p.record({
        agent: agent.id,
        run,
        service: server,
        kind: 'decision',
        decision: 'deny',
        rule: r.rule,
        status: 'denied',
        summary: `MCP call to ${server} refused: ${r.reason}`,
        payload: { door: ctx.door, mcp: true },
      });
      // Legacy SSE clients read only the POST's status (the answer travels on the stream).
      if (/\/messages\/?$/.test((req.url ?? '').split('?')[0]!)) return sendRefusal(res, 'http', r);
      return sendRefusal(res, 'mcp', r, addressed.rpcId);
    }
  }
  p.counters.started(agent.id, 'mcp');
  const entry = p.inflight.add({
    agent: agent.id,
    service: 'mcp',
    ...(servers.length ? { also: servers } : {}),
    operation: `MCP ${req.method}`,
    door: ctx.door,
    abort: () => res.destroy(),
  });
  res.once('close', () => {
    p.inflight.delete(entry.id);
    p.counters.finished(agent.id, 'mcp');
  });
  try {
    await hub.handle(req, res, agent, body);
  } catch (e) {
    p.counters.error();
    sendRefusal(res, 'mcp', internal(e));
  }
}
