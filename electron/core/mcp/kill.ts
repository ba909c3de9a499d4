import type { KillScope } from '../killswitch/scope.js';

/**
 * Which upstream MCP servers a kill switch stops. A stdio server serves every agent, so only a
 * switch that covers all its callers stops its process: global, service `mcp` (all servers), or
 * the server's own name as the service. Agent-scoped switches refuse that agent's calls at the
 * gateway and leave shared servers running for everyone else.
 */
export function mcpServersInScope(scope: KillScope, servers: readonly string[]): string[] {
  if (scope.kind === 'global') return [...servers];
  if (scope.kind === 'service') {
    if (scope.service === 'mcp') return [...servers];
    return servers.includes(scope.service) ? [scope.service] : [];
  }
  return [];
}
