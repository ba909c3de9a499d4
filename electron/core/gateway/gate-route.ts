import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRefusal } from './deny.js';
import type { RequestContext } from './pipeline.js';
import type { RouteKit } from './route-kit.js';

/** The in-sandbox `gate` CLI's routes: who am I, and which tools and services may I use. */
export async function handleGateRoute(
  p: RouteKit,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
): Promise<void> {
  req.resume();
  const { agent } = ctx;
  const path = (req.url ?? '').split('?')[0];
  let out: unknown;
  if (path === '/gate/whoami') {
    out = {
      agent: { id: agent.id, name: agent.name, template: agent.template, sandboxed: agent.sandboxed },
      runId: p.runFor(agent),
      door: ctx.door,
    };
  } else if (path === '/gate/tools') {
    let tools: unknown[];
    try {
      tools = ((await p.deps.mcp?.tools?.(agent)) ?? []).map((t) => ({
        server: t.server,
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        ...(t.inputSchema ? { inputSchema: t.inputSchema } : {}),
      }));
    } catch {
      tools = [];
    }
    const services = p.deps.services.list().map((s) => ({ name: s.name, kind: s.kind, hosts: s.hosts }));
    out = { tools, services };
  } else {
    return sendRefusal(res, 'http', {
      status: 404,
      code: 'unknown_route',
      reason: 'Try /gate/whoami or /gate/tools.',
      rule: 'gateway-route',
    });
  }
  const body = JSON.stringify(out);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
