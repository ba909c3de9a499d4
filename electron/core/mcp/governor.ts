import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type GetPromptResult,
  type Progress,
  type Prompt,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { McpServerConfig } from '../../../shared/api/mcp.js';
import { isGatehouseError } from '../../../shared/errors.js';
import { Upstream, type ResolveSecret } from './upstream.js';
import { scrubDeep, summarizeArgs } from './scrub.js';
import { McpContextItems } from './context-items.js';
import { DENIED, RpcError, SEP, splitName } from './names.js';

/** What the agent's side of a tools/call passes down: its cancellation, and where progress goes. */
export interface CallRelay {
  signal?: AbortSignal;
  /** Upstream progress for this call (secrets scrubbed); absent = the agent asked for none. */
  onProgress?: (p: Progress) => void;
}

export interface McpAgent {
  id: string;
  runId?: string;
}

export type McpMethod = 'tools/call' | 'resources/read' | 'prompts/get';
export type McpItemKind = 'tool' | 'resource' | 'prompt';

/** What the policy is asked about: `tool` is the tool name, resource URI or prompt name upstream. */
export interface McpCall {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  method: McpMethod;
}

export type McpAuthorization =
  | { effect: 'allow'; rule?: string }
  | { effect: 'deny'; rule: string; reason: string }
  | { effect: 'approve'; rule: string; reason?: string };

export interface McpHubDeps<A extends McpAgent> {
  servers: {
    list(): McpServerConfig[];
    get(name: string): McpServerConfig | undefined;
    onChange?(fn: (name: string) => void): () => void;
  };
  /** The vault: a credential's value for an upstream (stdio env / remote header). Never recorded. */
  resolveSecret?: ResolveSecret;
  /** Policy: may the agent see this tool / resource / prompt in a list? */
  canSee(agent: A, server: string, name: string, kind: McpItemKind): boolean;
  /** Policy: may the agent make this call? Awaited; throwing counts as a denial (fail closed). */
  authorize(agent: A, call: McpCall): McpAuthorization | Promise<McpAuthorization>;
  /** Approvals: asked when authorize answers approve; absent → denied. */
  approve?(agent: A, call: McpCall, rule: string): Promise<'approved' | 'denied'>;
  /** The ledger. The tool_call event is awaited before the call goes upstream (ledger before action). */
  record(event: LedgerEventInput): string | void | Promise<string | void>;
  /** Every live secret value (the vault's), removed from results before they reach the agent. */
  knownSecretValues?(): string[];
}

/**
 * The policy-and-ledger half of the hub: lists filtered per agent, calls authorized, recorded
 * and forwarded to the right upstream. Transport-free, so every MCP transport shares it.
 */
export class McpGovernor<A extends McpAgent> {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly dispose: (() => void) | undefined;
  private readonly toolListeners = new Set<() => void>();
  private readonly context = new McpContextItems<A>({
    upstream: (name) => this.upstream(name),
    eachServer: (fn) => this.eachServer(undefined, fn),
    visible: (agent, server, name, kind) => this.visible(agent, server, name, kind),
    decide: (agent, call, event) => this.decide(agent, call, event),
    forward: (agent, call, parent, fn) => this.forward(agent, call, parent, fn),
    record: (agent, call, event) => this.record(agent, call, event),
    clean: (u, result) => this.clean(u, result),
  });

  constructor(private readonly deps: McpHubDeps<A>) {
    this.dispose = deps.servers.onChange?.((name) => {
      void this.drop(name);
      this.toolsChanged(); // a server added, changed or removed: every agent's list may differ
    });
  }

  /** Calls `fn` whenever the tools an agent may see can have changed; returns the unsubscribe. */
  onToolsChanged(fn: () => void): () => void {
    this.toolListeners.add(fn);
    return () => this.toolListeners.delete(fn);
  }

  private toolsChanged(): void {
    for (const fn of this.toolListeners) {
      try {
        fn();
      } catch {
        // one listener's failure is not the others'
      }
    }
  }

  upstream(name: string): Upstream | undefined {
    const config = this.deps.servers.get(name);
    if (!config) return undefined;
    const have = this.upstreams.get(name);
    if (have && have.config.createdAt === config.createdAt) return have;
    if (have) void have.close();
    const u = new Upstream(config, this.deps.resolveSecret, () => this.toolsChanged());
    this.upstreams.set(name, u);
    return u;
  }

  status(name: string): Upstream | undefined {
    return this.upstreams.get(name);
  }

  /**
   * Kill switch: stops the named servers' processes (every server when `names` is omitted) and
   * keeps them stopped until `resume`. Returns how many were running.
   */
  async halt(names?: string[]): Promise<number> {
    const targets = names ?? this.deps.servers.list().map((s) => s.name);
    const stopped = await Promise.all(targets.map((n) => this.upstream(n)?.halt() ?? false));
    return stopped.filter(Boolean).length;
  }

  resume(names?: string[]): void {
    for (const n of names ?? this.deps.servers.list().map((s) => s.name)) this.upstreams.get(n)?.resume();
  }

  async drop(name: string): Promise<void> {
    const u = this.upstreams.get(name);
    this.upstreams.delete(name);
    await u?.close();
  }

  async close(): Promise<void> {
    this.dispose?.();
    await Promise.all([...this.upstreams.keys()].map((n) => this.drop(n)));
  }

  /** Every upstream's tools, namespaced; `agent` filters by policy (omit for the admin view). */
  async tools(agent?: A, only?: string): Promise<(Tool & { server: string; tool: string })[]> {
    const out: (Tool & { server: string; tool: string })[] = [];
    await this.eachServer(only, async (server, u) => {
      for (const t of await u.listTools()) {
        if (agent && !this.visible(agent, server, t.name, 'tool')) continue;
        out.push({ ...t, name: `${server}${SEP}${t.name}`, server, tool: t.name });
      }
    });
    return out;
  }

  async callTool(
    agent: A,
    name: string,
    args: Record<string, unknown>,
    rpcId: string,
    relay: CallRelay = {},
  ): Promise<CallToolResult> {
    const [server, tool] = splitName(name) ?? [];
    const u = server && tool ? this.upstream(server) : undefined;
    if (!server || !tool || !u) throw new RpcError(ErrorCode.InvalidParams, `Unknown tool "${name}".`);
    const call: McpCall = { server, tool, arguments: args, method: 'tools/call' };
    const parent = await this.decide(agent, call, {
      kind: 'tool_call',
      summary: `${name}(${summarizeArgs(args)})`,
      payload: { id: rpcId, name, server, tool, arguments: args },
    });
    const t0 = performance.now();
    const onProgress = relay.onProgress;
    const result = (await this.forward(agent, call, parent, (c) =>
      c.callTool({ name: tool, arguments: args }, undefined, {
        // The agent's cancellation reaches the upstream (notifications/cancelled) through the signal.
        ...(relay.signal ? { signal: relay.signal } : {}),
        ...(onProgress
          ? { onprogress: (p: Progress) => onProgress(this.clean(u, p)), resetTimeoutOnProgress: true }
          : {}),
      }),
    )) as CallToolResult;
    const clean = this.clean(u, result);
    await this.record(agent, call, {
      kind: 'output',
      parent,
      status: clean.isError ? 'error' : 'ok',
      latencyMs: performance.now() - t0,
      summary: `${name} → ${clean.isError ? 'error' : 'ok'}`,
      payload: {
        id: rpcId,
        name,
        result: clean.content,
        ...(clean.structuredContent ? { structuredContent: clean.structuredContent } : {}),
        ...(clean.isError ? { isError: true } : {}),
      },
    });
    return clean;
  }

  // Resources and prompts: McpContextItems, lent the helpers below.
  resources(agent: A): Promise<Resource[]> {
    return this.context.resources(agent);
  }

  resourceTemplates(agent: A): Promise<ResourceTemplate[]> {
    return this.context.resourceTemplates(agent);
  }

  readResource(agent: A, uri: string, rpcId: string): Promise<ReadResourceResult> {
    return this.context.readResource(agent, uri, rpcId);
  }

  prompts(agent: A): Promise<Prompt[]> {
    return this.context.prompts(agent);
  }

  getPrompt(agent: A, name: string, args: Record<string, string>, rpcId: string): Promise<GetPromptResult> {
    return this.context.getPrompt(agent, name, args, rpcId);
  }

  private visible(agent: A, server: string, name: string, kind: McpItemKind): boolean {
    try {
      return this.deps.canSee(agent, server, name, kind);
    } catch {
      return false;
    }
  }

  /** Asks policy (and approvals), records the decision durably, throws the denial. Returns the event id. */
  private async decide(
    agent: A,
    call: McpCall,
    event: Omit<LedgerEventInput, 'agent' | 'run'>,
  ): Promise<string | undefined> {
    let d: McpAuthorization;
    try {
      d = await this.deps.authorize(agent, call);
    } catch {
      d = { effect: 'deny', rule: 'policy-error', reason: 'The policy could not be evaluated.' };
    }
    if (d.effect === 'approve') {
      const answer = this.deps.approve
        ? await this.deps.approve(agent, call, d.rule).catch(() => 'denied' as const)
        : 'denied';
      d =
        answer === 'approved'
          ? { effect: 'allow', rule: d.rule }
          : { effect: 'deny', rule: d.rule, reason: 'The approval was denied or timed out.' };
    }
    const id = await this.record(agent, call, {
      ...event,
      decision: d.effect,
      ...(d.rule ? { rule: d.rule } : {}),
      status: d.effect === 'allow' ? 'ok' : 'denied',
    });
    if (d.effect === 'deny') {
      throw new RpcError(DENIED, `Denied by policy rule "${d.rule}": ${d.reason}`, {
        code: 'policy_denied',
        rule: d.rule,
        reason: d.reason,
      });
    }
    return id;
  }

  private async forward(
    agent: A,
    call: McpCall,
    parent: string | undefined,
    fn: (c: Client) => Promise<unknown>,
  ): Promise<unknown> {
    const u = this.upstream(call.server);
    try {
      if (!u) throw new RpcError(ErrorCode.InvalidParams, `Unknown MCP server "${call.server}".`);
      return await fn(await u.connect());
    } catch (e) {
      const code = e instanceof McpError || e instanceof RpcError ? e.code : ErrorCode.InternalError;
      const raw =
        e instanceof McpError
          ? e.message.replace(/^MCP error -?\d+: /, '')
          : e instanceof Error
            ? e.message
            : String(e);
      const message = u ? u.scrub(raw) : raw;
      await this.record(agent, call, {
        kind: 'error',
        parent,
        status: 'error',
        summary: message.slice(0, 200),
        payload: { code, message },
      }).catch(() => undefined);
      throw new RpcError(
        code,
        isGatehouseError(e) || code === ErrorCode.InternalError
          ? `MCP server "${call.server}" failed: ${message}`
          : message,
        e instanceof McpError ? e.data : undefined,
      );
    }
  }

  private clean<T>(u: Upstream, result: T): T {
    return scrubDeep(result, [...u.secretValues(), ...(this.deps.knownSecretValues?.() ?? [])]);
  }

  private async record(
    agent: A,
    call: McpCall,
    event: Omit<LedgerEventInput, 'agent' | 'run'>,
  ): Promise<string | undefined> {
    try {
      const id = await this.deps.record({
        agent: agent.id,
        ...(agent.runId ? { run: agent.runId } : {}),
        service: 'mcp',
        operation: `mcp:${call.server}/${call.tool}`,
        ...event,
      } as LedgerEventInput);
      return typeof id === 'string' ? id : undefined;
    } catch {
      // Ledger before action: if the ledger cannot take the event, the call does not happen.
      throw new RpcError(DENIED, 'The audit ledger is unavailable, so Gatehouse refused the call.', {
        code: 'ledger_unavailable',
        rule: 'ledger',
      });
    }
  }

  private async eachServer(
    only: string | undefined,
    fn: (server: string, u: Upstream) => Promise<void>,
  ): Promise<void> {
    const names = this.deps.servers
      .list()
      .map((s) => s.name)
      .filter((n) => !only || n === only);
    // One broken upstream must not hide the others: its state says why it is missing.
    await Promise.allSettled(
      names.map(async (n) => {
        const u = this.upstream(n);
        if (!u) return;
        try {
          await fn(n, u);
        } catch (e) {
          u.problem = u.scrub(e instanceof Error ? e.message : String(e));
        }
      }),
    );
  }
}
