import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * The demo scenarios' MCP server (Streamable HTTP, stateless), served by the demo provider at
 * /mcp and registered in the hub as server `demo`: one harmless tool the helpful agent may call
 * and one destructive tool the policy denies.
 */
function demoMcpServer(): McpServer {
  const server = new McpServer({ name: 'gatehouse-demo', version: '1.0.0' });
  server.registerTool(
    'search_docs',
    { description: 'Search the project documentation.', inputSchema: { query: z.string() } },
    ({ query }) => ({
      content: [{ type: 'text', text: `3 pages match "${query}": deploy.md, runbook.md, faq.md` }],
    }),
  );
  server.registerTool(
    'delete_repository',
    { description: 'Delete a repository (irreversible).', inputSchema: { name: z.string().optional() } },
    ({ name }) => ({ content: [{ type: 'text', text: `deleted ${name ?? 'the repository'}` }] }),
  );
  return server;
}

export async function handleDemoMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const server = demoMcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}
