import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { McpServerConfig } from '../../../shared/api/mcp.js';
import { GATEHOUSE_VERSION } from '../version.js';

/** The vault: a credential's current value (a short-lived lease where the vault can mint one). */
export type ResolveSecret = (credential: string, ctx: { server: string }) => Promise<string> | string;

const TOOLS_TTL_MS = 30_000;
const MAX_PAGES = 50;

/**
 * One upstream MCP server, reached through the SDK's Client: a stdio process Gatehouse starts
 * (its own process, env = the SDK's minimal safe set + what the admin configured + the
 * credential), or a remote Streamable HTTP endpoint (credential injected per request).
 */
export class Upstream {
  state: 'idle' | 'connecting' | 'connected' | 'error' = 'idle';
  problem: string | undefined;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private tools: { at: number; list: Tool[] } | undefined;
  private secrets: string[] = [];
  private stderrTail = '';
  /** Set by the kill switch: the process is stopped and stays stopped until released. */
  private halted = false;

  constructor(
    readonly config: McpServerConfig,
    private readonly resolveSecret: ResolveSecret | undefined,
    /** The server said its tools changed (`notifications/tools/list_changed`). */
    private readonly onToolsChanged: () => void = () => undefined,
  ) {}

  connect(): Promise<Client> {
    if (this.halted) {
      return Promise.reject(
        new GatehouseError('killed', `MCP server "${this.config.name}" is stopped by a kill switch.`, 403),
      );
    }
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async listTools(): Promise<Tool[]> {
    // A halted server is not restarted to list its tools: the last list stands (calls are refused).
    if (this.halted) return this.tools?.list ?? [];
    if (this.tools && Date.now() - this.tools.at < TOOLS_TTL_MS) return this.tools.list;
    const client = await this.connect();
    const list: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await client.listTools(cursor ? { cursor } : {});
      list.push(...r.tools);
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    this.tools = { at: Date.now(), list };
    return list;
  }

  toolCount(): number | undefined {
    return this.tools?.list.length;
  }

  /** Removes every credential value this server was given from a text (for errors and stderr). */
  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join('[REDACTED]');
    return out;
  }

  secretValues(): readonly string[] {
    return this.secrets;
  }

  stderr(): string {
    return this.scrub(this.stderrTail);
  }

  /** Kill switch: stop the process (remote: drop the session) and refuse to reconnect until resumed. */
  async halt(): Promise<boolean> {
    const running = this.client !== undefined || this.connecting !== undefined;
    this.halted = true;
    const tools = this.tools;
    await this.close();
    this.tools = tools;
    return running;
  }

  resume(): void {
    this.halted = false;
  }

  get isHalted(): boolean {
    return this.halted;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.tools = undefined;
    this.state = 'idle';
    await c?.close().catch(() => undefined);
  }

  private async secret(): Promise<string | undefined> {
    const name = this.config.credential;
    if (!name) return undefined;
    if (!this.resolveSecret) {
      throw new GatehouseError(
        'vault_unavailable',
        `MCP server "${this.config.name}" needs credential "${name}", but no vault is connected.`,
        503,
      );
    }
    const value = await this.resolveSecret(name, { server: this.config.name });
    if (!this.secrets.includes(value)) this.secrets.push(value);
    return value;
  }

  private async transport(): Promise<Transport> {
    const c = this.config;
    const [kind, target] = splitInject(c.inject);
    if (c.transport === 'stdio') {
      const env: Record<string, string> = { ...getDefaultEnvironment(), ...c.env };
      const value = await this.secret();
      if (value !== undefined && kind === 'env' && target) env[target] = value;
      const t = new StdioClientTransport({ command: c.command ?? '', args: c.args, env, stderr: 'pipe' });
      t.stderr?.on('data', (d: Buffer) => {
        this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-4000);
      });
      return t;
    }
    const header = kind === 'header' && target ? target : undefined;
    return new StreamableHTTPClientTransport(new URL(c.url ?? ''), {
      fetch: async (url, init) => {
        const headers = new Headers(init?.headers);
        const value = header ? await this.secret() : undefined;
        if (header && value !== undefined) {
          headers.set(
            header,
            header.toLowerCase() === 'authorization' && !value.includes(' ') ? `Bearer ${value}` : value,
          );
        }
        return fetch(url, { ...init, headers });
      },
    });
  }

  private async open(): Promise<Client> {
    this.state = 'connecting';
    try {
      const client = new Client({ name: 'gatehouse', version: GATEHOUSE_VERSION }, { capabilities: {} });
      client.onclose = () => {
        if (this.client === client) {
          this.client = undefined;
          this.tools = undefined;
          this.state = 'idle';
        }
      };
      await client.connect(await this.transport());
      if (client.getServerCapabilities()?.tools?.listChanged) {
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
          this.tools = undefined;
          this.onToolsChanged();
        });
      }
      this.client = client;
      this.state = 'connected';
      this.problem = undefined;
      return client;
    } catch (e) {
      this.state = 'error';
      this.problem = this.scrub(e instanceof Error ? e.message : String(e));
      if (e instanceof GatehouseError) throw e;
      throw new GatehouseError(
        'mcp_upstream_unavailable',
        `MCP server "${this.config.name}" could not be ${this.config.transport === 'stdio' ? 'started' : 'reached'}: ${this.problem}`,
        502,
      );
    }
  }
}

function splitInject(inject: string | undefined): [string | undefined, string | undefined] {
  if (!inject) return [undefined, undefined];
  const i = inject.indexOf(':');
  return [inject.slice(0, i), inject.slice(i + 1)];
}
