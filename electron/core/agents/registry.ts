import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { GatehouseError } from '../../../shared/errors.js';
import { agentMigrations } from './migrations.js';

export const agentTemplates = [
  'custom',
  'claude-code',
  'codex',
  'openclaw',
  'aider',
  'demo-helpful',
  'demo-rogue',
  'host',
] as const;

export interface Agent {
  id: string;
  name: string;
  template: string;
  labels: Record<string, string>;
  sandboxed: boolean;
  createdAt: string;
  runId?: string;
}

export interface NewAgent {
  name: string;
  template: string;
  labels?: Record<string, string>;
  sandboxed: boolean;
}

interface AgentRow {
  id: string;
  name: string;
  template: string;
  labels: string;
  sandboxed: number;
  created_at: string;
  run_id: string | null;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/**
 * The agents Gatehouse knows. An agent's id is its name (a slug), so policy rules and the
 * ledger read naturally. Host agents authenticate with a gateway key that is shown once and
 * stored only as a SHA-256 hash; sandboxed agents need no key (their socket is the identity).
 */
export class AgentRegistry {
  private readonly cache = new Map<string, Agent>();
  private readonly byHash = new Map<string, string>();

  constructor(private readonly db: Db) {
    migrate(db, 'agents', agentMigrations);
    for (const row of db.prepare('SELECT * FROM agents').all() as AgentRow[])
      this.cache.set(row.id, toAgent(row));
    const keys = db.prepare('SELECT id, host_key_hash FROM agents WHERE host_key_hash IS NOT NULL').all() as {
      id: string;
      host_key_hash: string;
    }[];
    for (const k of keys) this.byHash.set(k.host_key_hash, k.id);
  }

  create(a: NewAgent): Agent {
    if (!NAME.test(a.name)) {
      throw new GatehouseError(
        'bad_agent_name',
        `Agent name "${a.name}" is not valid: use lowercase letters, digits, dot, dash or underscore (max 63).`,
      );
    }
    if (this.cache.has(a.name))
      throw new GatehouseError('agent_exists', `An agent named "${a.name}" already exists.`, 409);
    const agent: Agent = {
      id: a.name,
      name: a.name,
      template: a.template,
      labels: { ...(a.labels ?? {}) },
      sandboxed: a.sandboxed,
      createdAt: new Date().toISOString(),
    };
    this.db
      .prepare(
        'INSERT INTO agents (id, name, template, labels, sandboxed, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        agent.id,
        agent.name,
        agent.template,
        JSON.stringify(agent.labels),
        agent.sandboxed ? 1 : 0,
        agent.createdAt,
      );
    this.cache.set(agent.id, agent);
    return agent;
  }

  get(id: string): Agent | undefined {
    return this.cache.get(id);
  }

  list(): Agent[] {
    return [...this.cache.values()].sort((x, y) => x.id.localeCompare(y.id));
  }

  remove(id: string): boolean {
    if (!this.cache.has(id)) return false;
    this.db.prepare('DELETE FROM agents WHERE id = ?').run(id);
    this.cache.delete(id);
    for (const [h, aid] of this.byHash) if (aid === id) this.byHash.delete(h);
    return true;
  }

  setRunId(id: string, runId: string | undefined): void {
    const agent = this.require(id);
    this.db.prepare('UPDATE agents SET run_id = ? WHERE id = ?').run(runId ?? null, id);
    if (runId) agent.runId = runId;
    else delete agent.runId;
  }

  /** Issues (or replaces) the agent's gateway key. The plain key is returned once and never stored. */
  createHostKey(id: string): string {
    this.require(id);
    const key = `ghk_${randomBytes(32).toString('base64url')}`;
    const hash = hashKey(key);
    this.db.prepare('UPDATE agents SET host_key_hash = ? WHERE id = ?').run(hash, id);
    for (const [h, aid] of this.byHash) if (aid === id) this.byHash.delete(h);
    this.byHash.set(hash, id);
    return key;
  }

  byHostKey(key: string): Agent | undefined {
    if (!key.startsWith('ghk_')) return undefined;
    const id = this.byHash.get(hashKey(key));
    const agent = id ? this.cache.get(id) : undefined;
    return agent && !agent.sandboxed ? agent : undefined;
  }

  hasHostKey(id: string): boolean {
    for (const aid of this.byHash.values()) if (aid === id) return true;
    return false;
  }

  private require(id: string): Agent {
    const agent = this.cache.get(id);
    if (!agent) throw new GatehouseError('unknown_agent', `No agent named "${id}".`, 404);
    return agent;
  }
}

function toAgent(row: AgentRow): Agent {
  const agent: Agent = {
    id: row.id,
    name: row.name,
    template: row.template,
    labels: JSON.parse(row.labels) as Record<string, string>,
    sandboxed: row.sandboxed === 1,
    createdAt: row.created_at,
  };
  if (row.run_id) agent.runId = row.run_id;
  return agent;
}
