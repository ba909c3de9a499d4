import type { LedgerEventInput } from '../../../shared/events.js';
import type {
  PolicyAgent,
  PolicyDecision,
  PolicyRequest,
  Operation,
} from '../../../shared/policy/request.js';
import type { Db } from '../db/database.js';
import { McpHub, type McpAgent, type McpAuthorization, type McpCall } from './hub.js';
import { McpServerStore } from './servers.js';

/** The policy, vault and ledger as the hub uses them (structural: Policy, Vault and Ledger satisfy these). */
export interface McpComponentOptions {
  db: Db;
  policy: {
    engine: {
      decide(r: PolicyRequest): PolicyDecision;
      /** A new policy version is live (what an agent may see can change). */
      onChange?(fn: () => void): () => void;
      canSee(
        agent: PolicyAgent,
        service: { name: string; kind: string },
        server: string,
        tool: string,
      ): boolean;
    };
    approvals: {
      request(r: {
        agent: PolicyAgent;
        service: { name: string; kind: string };
        operation: Operation;
        summary: string;
        rule?: string;
        timeoutSeconds?: number;
        run?: string;
      }): Promise<'approved' | 'denied'>;
    };
  };
  vault?: {
    lease(req: {
      agent: string;
      service: string;
      credential: string;
      operation: string;
    }): Promise<{ value: string }>;
    knownSecretValues(): string[];
  };
  ledger: { appendDurable(e: LedgerEventInput): Promise<string> };
}

export type McpComponentAgent = McpAgent & PolicyAgent;

/** The MCP service as policy sees it: rules match service `mcp` and the operation's server/tool. */
export const MCP_SERVICE = { name: 'mcp', kind: 'mcp' } as const;

const operationOf = (call: McpCall): Operation => ({
  type: 'mcp',
  server: call.server,
  tool: call.tool,
  method: call.method,
  arguments: call.arguments,
});

/** Builds the MCP server store and hub from the core's policy, vault and ledger (called once by app.ts). */
export function createMcpComponent<A extends McpComponentAgent = McpComponentAgent>(
  o: McpComponentOptions,
): {
  store: McpServerStore;
  hub: McpHub<A>;
  close(): Promise<void>;
} {
  const store = new McpServerStore(o.db);
  const timeouts = new Map<string, number | undefined>();
  const hub = new McpHub<A>({
    servers: store,
    ...(o.vault
      ? {
          resolveSecret: async (credential: string, ctx: { server: string }) =>
            (
              await o.vault!.lease({
                agent: 'gatehouse',
                service: `mcp:${ctx.server}`,
                credential,
                operation: 'mcp.connect',
              })
            ).value,
          knownSecretValues: () => o.vault!.knownSecretValues(),
        }
      : {}),
    canSee: (agent, server, name) => o.policy.engine.canSee(agent, MCP_SERVICE, server, name),
    authorize: (agent, call): McpAuthorization => {
      const d = o.policy.engine.decide({ agent, service: MCP_SERVICE, operation: operationOf(call) });
      if (d.effect === 'allow') return { effect: 'allow', rule: d.rule };
      if (d.effect === 'deny') return { effect: 'deny', rule: d.rule, reason: d.reason };
      timeouts.set(`${agent.id}:${call.server}:${call.tool}`, d.approvalTimeoutSeconds);
      return { effect: 'approve', rule: d.rule, reason: d.reason };
    },
    approve: (agent, call, rule) => {
      const key = `${agent.id}:${call.server}:${call.tool}`;
      const timeoutSeconds = timeouts.get(key);
      timeouts.delete(key);
      return o.policy.approvals.request({
        agent,
        service: MCP_SERVICE,
        operation: operationOf(call),
        summary: `${call.method} ${call.server}__${call.tool}`,
        rule,
        ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
        ...(agent.runId ? { run: agent.runId } : {}),
      });
    },
    record: (e) => o.ledger.appendDurable(e),
  });
  // A new policy version may show or hide tools: agents are told to list again.
  const unwatch = o.policy.engine.onChange?.(() => hub.toolsChanged()) ?? (() => undefined);
  return {
    store,
    hub,
    close: () => {
      unwatch();
      return hub.close();
    },
  };
}
