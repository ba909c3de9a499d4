import { GatehouseError } from '../../../shared/errors.js';
import { mcpServerInputSchema, type McpServerConfig, type McpServerInput } from '../../../shared/api/mcp.js';
import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';

const migrations = [
  {
    version: 1,
    name: 'mcp_servers',
    sql: `CREATE TABLE mcp_servers (
      name TEXT PRIMARY KEY,
      transport TEXT NOT NULL CHECK (transport IN ('stdio', 'http')),
      command TEXT, args TEXT NOT NULL DEFAULT '[]', env TEXT NOT NULL DEFAULT '{}', url TEXT,
      credential TEXT, inject TEXT, created_at TEXT NOT NULL)`,
  },
];

interface Row {
  name: string;
  transport: 'stdio' | 'http';
  command: string | null;
  args: string;
  env: string;
  url: string | null;
  credential: string | null;
  inject: string | null;
  created_at: string;
}

const fromRow = (r: Row): McpServerConfig => ({
  name: r.name,
  transport: r.transport,
  ...(r.command !== null ? { command: r.command } : {}),
  args: JSON.parse(r.args) as string[],
  env: JSON.parse(r.env) as Record<string, string>,
  ...(r.url !== null ? { url: r.url } : {}),
  ...(r.credential !== null ? { credential: r.credential } : {}),
  ...(r.inject !== null ? { inject: r.inject } : {}),
  createdAt: r.created_at,
});

/** The upstream MCP servers the admin configured (mcp_servers in the core DB). */
export class McpServerStore {
  private readonly listeners = new Set<(name: string) => void>();

  constructor(private readonly db: Db) {
    migrate(db, 'mcp', migrations);
  }

  list(): McpServerConfig[] {
    return (this.db.prepare('SELECT * FROM mcp_servers ORDER BY name').all() as Row[]).map(fromRow);
  }

  get(name: string): McpServerConfig | undefined {
    const row = this.db.prepare('SELECT * FROM mcp_servers WHERE name = ?').get(name) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  add(input: McpServerInput): McpServerConfig {
    const parsed = mcpServerInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new GatehouseError('bad_input', parsed.error.issues.map((i) => i.message).join('; '));
    }
    const s = parsed.data;
    if (this.get(s.name)) {
      throw new GatehouseError('exists', `An MCP server named "${s.name}" exists; remove it first.`, 409);
    }
    this.db
      .prepare(
        `INSERT INTO mcp_servers (name, transport, command, args, env, url, credential, inject, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.name,
        s.url ? 'http' : 'stdio',
        s.command ?? null,
        JSON.stringify(s.args),
        JSON.stringify(s.env),
        s.url ?? null,
        s.credential ?? null,
        s.inject ?? (s.url && s.credential ? 'header:Authorization' : null),
        new Date().toISOString(),
      );
    this.emit(s.name);
    return this.get(s.name) as McpServerConfig;
  }

  remove(name: string): boolean {
    const removed = this.db.prepare('DELETE FROM mcp_servers WHERE name = ?').run(name).changes > 0;
    if (removed) this.emit(name);
    return removed;
  }

  /** Called with a server's name whenever it is added or removed. Returns a dispose. */
  onChange(fn: (name: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(name: string): void {
    for (const fn of this.listeners) fn(name);
  }
}
