import type { Handlers } from '../api/registry.js';
import type { mcpProcedures } from '../../../shared/api/mcp.js';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { McpHub, McpAgent } from './hub.js';
import type { McpServerStore } from './servers.js';

export function mcpHandlers<A extends McpAgent>(
  store: McpServerStore,
  hub: McpHub<A>,
  audit?: (e: LedgerEventInput) => void,
): Handlers<typeof mcpProcedures> {
  return {
    'mcp.list': () => ({
      servers: store.list().map((s) => {
        const u = hub.governor.status(s.name);
        const tools = u?.toolCount();
        return {
          ...s,
          state: u?.state ?? 'idle',
          ...(u?.problem ? { problem: u.problem } : {}),
          ...(tools !== undefined ? { tools } : {}),
        };
      }),
    }),
    'mcp.add': (input, ctx) => {
      const s = store.add(input);
      audit?.({
        kind: 'config',
        operation: 'mcp.add',
        summary: `MCP server ${s.name} added by ${ctx.actor}`,
        payload: {
          name: s.name,
          transport: s.transport,
          command: s.command,
          url: s.url,
          credential: s.credential,
        },
      });
      return s;
    },
    'mcp.remove': async ({ name }, ctx) => {
      const removed = store.remove(name);
      await hub.governor.drop(name);
      if (removed)
        audit?.({
          kind: 'config',
          operation: 'mcp.remove',
          summary: `MCP server ${name} removed by ${ctx.actor}`,
          payload: { name },
        });
      return { removed };
    },
    'mcp.tools': async ({ server }) => ({
      tools: (await hub.governor.tools(undefined, server)).map((t) => ({
        server: t.server,
        name: t.name,
        tool: t.tool,
        ...(t.description ? { description: t.description } : {}),
      })),
    }),
  };
}
