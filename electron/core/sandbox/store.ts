import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import type { SandboxLimits } from './spec.js';

export type SandboxState =
  'creating' | 'created' | 'running' | 'paused' | 'exited' | 'dead' | 'removed' | 'missing';

/** What Gatehouse remembers about a sandbox (Docker is asked for the live state). */
export interface SandboxRecord {
  id: string;
  name: string;
  agentId: string;
  template: string;
  image: string;
  workspace: string;
  command: string[];
  containerId: string | null;
  state: SandboxState;
  exitCode: number | null;
  runId: string | null;
  limits: SandboxLimits;
  createdAt: string;
}

interface Row {
  id: string;
  name: string;
  agent_id: string;
  template: string;
  image: string;
  workspace: string;
  command: string;
  container_id: string | null;
  state: string;
  exit_code: number | null;
  run_id: string | null;
  limits: string;
  created_at: string;
}

const migrations = [
  {
    version: 1,
    name: 'sandboxes and settings',
    sql: `CREATE TABLE sandboxes (
      id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, agent_id TEXT NOT NULL, template TEXT NOT NULL,
      image TEXT NOT NULL, workspace TEXT NOT NULL, command TEXT NOT NULL, container_id TEXT,
      state TEXT NOT NULL, exit_code INTEGER, run_id TEXT, limits TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE sandbox_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
];

const toRecord = (r: Row): SandboxRecord => ({
  id: r.id,
  name: r.name,
  agentId: r.agent_id,
  template: r.template,
  image: r.image,
  workspace: r.workspace,
  command: JSON.parse(r.command) as string[],
  containerId: r.container_id,
  state: r.state as SandboxState,
  exitCode: r.exit_code,
  runId: r.run_id,
  limits: JSON.parse(r.limits) as SandboxLimits,
  createdAt: r.created_at,
});

/** The sandbox tables in the core DB. Removed sandboxes are deleted; their story stays in the ledger. */
export class SandboxStore {
  constructor(private readonly db: Db) {
    migrate(db, 'sandbox', migrations);
  }

  insert(r: SandboxRecord): void {
    this.db
      .prepare(
        `INSERT INTO sandboxes (id, name, agent_id, template, image, workspace, command, container_id, state, exit_code, run_id, limits, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.id,
        r.name,
        r.agentId,
        r.template,
        r.image,
        r.workspace,
        JSON.stringify(r.command),
        r.containerId,
        r.state,
        r.exitCode,
        r.runId,
        JSON.stringify(r.limits),
        r.createdAt,
      );
  }

  update(id: string, patch: Partial<Pick<SandboxRecord, 'containerId' | 'state' | 'exitCode'>>): void {
    const cur = this.get(id);
    if (!cur) return;
    const next = { ...cur, ...patch };
    this.db
      .prepare('UPDATE sandboxes SET container_id = ?, state = ?, exit_code = ? WHERE id = ?')
      .run(next.containerId, next.state, next.exitCode, id);
  }

  get(id: string): SandboxRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sandboxes WHERE id = ? OR name = ?').get(id, id) as
      Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  byContainer(containerId: string): SandboxRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sandboxes WHERE container_id = ?').get(containerId) as
      Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  list(): SandboxRecord[] {
    return (this.db.prepare('SELECT * FROM sandboxes ORDER BY created_at').all() as Row[]).map(toRecord);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM sandboxes WHERE id = ?').run(id);
  }

  setting(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM sandbox_settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO sandbox_settings VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }
}
