import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ErrorCode,
  type GetPromptResult,
  type Prompt,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { McpAgent, McpCall, McpItemKind } from './governor.js';
import { RpcError, SEP, splitName } from './names.js';
import type { Upstream } from './upstream.js';

const MAX_PAGES = 50;

type McpEvent = Omit<LedgerEventInput, 'agent' | 'run'>;

/** What proxying resources and prompts needs from the governor: its policy, ledger and upstream helpers. */
export interface Governed<A extends McpAgent> {
  upstream(name: string): Upstream | undefined;
  /** Runs `fn` for every configured upstream; one that throws is left out with its problem noted. */
  eachServer(fn: (server: string, u: Upstream) => Promise<void>): Promise<void>;
  visible(agent: A, server: string, name: string, kind: McpItemKind): boolean;
  decide(agent: A, call: McpCall, event: McpEvent): Promise<string | undefined>;
  forward(
    agent: A,
    call: McpCall,
    parent: string | undefined,
    fn: (c: Client) => Promise<unknown>,
  ): Promise<unknown>;
  record(agent: A, call: McpCall, event: McpEvent): Promise<string | undefined>;
  clean<T>(u: Upstream, result: T): T;
}

/** Splits `<server>+<uri>` (resource URIs become a scheme prefixed by the server: `everything+test://x`). */
export function splitUri(uri: string): [string, string] | undefined {
  const i = uri.indexOf('+');
  return i > 0 ? [uri.slice(0, i), uri.slice(i + 1)] : undefined;
}

/**
 * Resources and prompts, the context an agent reads rather than calls: lists namespaced and filtered
 * per agent, reads and gets authorized, forwarded and recorded as `context` events.
 */
export class McpContextItems<A extends McpAgent> {
  constructor(private readonly g: Governed<A>) {}

  async resources(agent: A): Promise<Resource[]> {
    const out: Resource[] = [];
    await this.g.eachServer(async (server, u) => {
      const client = await u.connect();
      if (!client.getServerCapabilities()?.resources) return;
      for (const r of await paginate(
        (cursor) => client.listResources(cursor ? { cursor } : {}),
        (r) => r.resources,
      )) {
        if (this.g.visible(agent, server, r.uri, 'resource')) out.push({ ...r, uri: `${server}+${r.uri}` });
      }
    });
    return out;
  }

  async resourceTemplates(agent: A): Promise<ResourceTemplate[]> {
    const out: ResourceTemplate[] = [];
    await this.g.eachServer(async (server, u) => {
      const client = await u.connect();
      if (!client.getServerCapabilities()?.resources) return;
      const list = await paginate(
        (cursor) => client.listResourceTemplates(cursor ? { cursor } : {}),
        (r) => r.resourceTemplates,
      );
      for (const t of list) {
        if (this.g.visible(agent, server, t.uriTemplate, 'resource'))
          out.push({ ...t, uriTemplate: `${server}+${t.uriTemplate}` });
      }
    });
    return out;
  }

  async readResource(agent: A, uri: string, rpcId: string): Promise<ReadResourceResult> {
    const [server, inner] = splitUri(uri) ?? [];
    const u = server && inner ? this.g.upstream(server) : undefined;
    if (!server || !inner || !u) throw new RpcError(ErrorCode.InvalidParams, `Unknown resource "${uri}".`);
    const call: McpCall = { server, tool: inner, arguments: { uri: inner }, method: 'resources/read' };
    const parent = await this.g.decide(agent, call, {
      kind: 'action',
      summary: `read ${uri}`,
      payload: { id: rpcId, uri, server },
    });
    const result = this.g.clean(
      u,
      (await this.g.forward(agent, call, parent, (c) =>
        c.readResource({ uri: inner }),
      )) as ReadResourceResult,
    );
    const contents = result.contents.map((c) => ({ ...c, uri: `${server}+${c.uri}` }));
    await this.g.record(agent, call, {
      kind: 'context',
      parent,
      status: 'ok',
      summary: `resource ${uri}`,
      payload: {
        source: 'resource',
        uri,
        server,
        result: contents.map((c) =>
          'blob' in c
            ? { uri: c.uri, mimeType: c.mimeType, blobBytes: Math.floor((String(c.blob).length * 3) / 4) }
            : c,
        ),
      },
    });
    return { ...result, contents };
  }

  async prompts(agent: A): Promise<Prompt[]> {
    const out: Prompt[] = [];
    await this.g.eachServer(async (server, u) => {
      const client = await u.connect();
      if (!client.getServerCapabilities()?.prompts) return;
      for (const p of await paginate(
        (cursor) => client.listPrompts(cursor ? { cursor } : {}),
        (r) => r.prompts,
      )) {
        if (this.g.visible(agent, server, p.name, 'prompt'))
          out.push({ ...p, name: `${server}${SEP}${p.name}` });
      }
    });
    return out;
  }

  async getPrompt(
    agent: A,
    name: string,
    args: Record<string, string>,
    rpcId: string,
  ): Promise<GetPromptResult> {
    const [server, prompt] = splitName(name) ?? [];
    const u = server && prompt ? this.g.upstream(server) : undefined;
    if (!server || !prompt || !u) throw new RpcError(ErrorCode.InvalidParams, `Unknown prompt "${name}".`);
    const call: McpCall = { server, tool: prompt, arguments: args, method: 'prompts/get' };
    const parent = await this.g.decide(agent, call, {
      kind: 'action',
      summary: `prompt ${name}`,
      payload: { id: rpcId, name, server, arguments: args },
    });
    const result = this.g.clean(
      u,
      (await this.g.forward(agent, call, parent, (c) =>
        c.getPrompt({ name: prompt, arguments: args }),
      )) as GetPromptResult,
    );
    await this.g.record(agent, call, {
      kind: 'context',
      parent,
      status: 'ok',
      summary: `prompt ${name}`,
      payload: { source: 'prompt', name, result: result.messages },
    });
    return result;
  }
}

async function paginate<R extends { nextCursor?: string | undefined }, T>(
  page: (cursor: string | undefined) => Promise<R>,
  pick: (r: R) => T[],
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const r = await page(cursor);
    out.push(...pick(r));
    cursor = r.nextCursor;
    if (!cursor) break;
  }
  return out;
}
