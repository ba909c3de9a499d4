import { isRecord } from './operation.js';

/**
 * The upstream MCP servers a JSON-RPC message (or batch) addresses: tools/call and prompts/get
 * name `<server>__<name>`, resources/read a `<server>+<uri>` (the hub's namespacing). Used by
 * the gateway to apply a kill switch scoped to one MCP server before the hub sees the call.
 */
export function mcpServersIn(body: unknown): { servers: string[]; rpcId: unknown } {
  const msgs = Array.isArray(body) ? body : [body];
  const servers = new Set<string>();
  let rpcId: unknown = null;
  for (const m of msgs) {
    if (!isRecord(m) || typeof m.method !== 'string') continue;
    if (rpcId === null && m.id !== undefined) rpcId = m.id;
    const params = isRecord(m.params) ? m.params : {};
    let server: string | undefined;
    if (m.method === 'tools/call' || m.method === 'prompts/get') {
      const name = typeof params.name === 'string' ? params.name : '';
      const i = name.indexOf('__');
      if (i > 0) server = name.slice(0, i);
    } else if (m.method === 'resources/read') {
      const uri = typeof params.uri === 'string' ? params.uri : '';
      const i = uri.indexOf('+');
      if (i > 0) server = uri.slice(0, i);
    }
    if (server) servers.add(server);
  }
  return { servers: [...servers], rpcId };
}
