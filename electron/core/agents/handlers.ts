import type { agentsProcedures } from '../../../shared/api/agents.js';
import type { LiveBus } from '../live/bus.js';
import type { Handlers } from '../api/registry.js';
import type { AgentRegistry } from './registry.js';
import { GatehouseError } from '../../../shared/errors.js';

export function agentsHandlers(
  agents: AgentRegistry,
  deps: {
    live: LiveBus;
    gatewayUrl: () => string;
    audit?: (e: { kind: 'config'; agent: string; summary: string }) => void;
  },
): Handlers<typeof agentsProcedures> {
  const info = (id: string) => {
    const a = agents.get(id)!;
    return { ...a, hasHostKey: agents.hasHostKey(id) };
  };
  return {
    'agents.list': () => agents.list().map((a) => info(a.id)),
    'agents.add': ({ name, template, labels, host }, ctx) => {
      const agent = agents.create({
        name,
        template: host && template === 'custom' ? 'host' : template,
        labels,
        sandboxed: !host,
      });
      const hostKey = host ? agents.createHostKey(agent.id) : undefined;
      deps.audit?.({
        kind: 'config',
        agent: agent.id,
        summary: `agent ${agent.id} added by ${ctx.actor}${host ? ' (host, unsandboxed)' : ''}`,
      });
      deps.live.publish('agents.changed');
      return { agent: info(agent.id), ...(hostKey ? { hostKey, gatewayUrl: deps.gatewayUrl() } : {}) };
    },
    'agents.remove': ({ id }, ctx) => {
      const removed = agents.remove(id);
      if (removed) {
        deps.audit?.({ kind: 'config', agent: id, summary: `agent ${id} removed by ${ctx.actor}` });
        deps.live.publish('agents.changed');
      }
      return { removed };
    },
    'agents.rotateKey': ({ id }, ctx) => {
      const agent = agents.get(id);
      if (agent?.sandboxed) {
        throw new GatehouseError(
          'sandboxed_agent',
          `${id} runs in a sandbox: its socket is its identity, it has no gateway key.`,
          409,
        );
      }
      const hostKey = agents.createHostKey(id);
      deps.audit?.({ kind: 'config', agent: id, summary: `gateway key of ${id} rotated by ${ctx.actor}` });
      return { hostKey, gatewayUrl: deps.gatewayUrl() };
    },
  };
}
