import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';

/** The policy component's tables in the core DB. Numbered and never edited once committed. */
const migrations = [
  {
    version: 1,
    name: 'policy versions, shadow draft, limit usage',
    sql: `
      CREATE TABLE policy_versions (
        version INTEGER PRIMARY KEY,
        yaml TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        diff TEXT NOT NULL DEFAULT '',
        rollback_of INTEGER
      );
      CREATE TABLE policy_shadow (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        yaml TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE limit_usage (
        day TEXT NOT NULL,
        agent TEXT NOT NULL,
        service TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (day, agent, service)
      );`,
  },
];

export function migratePolicy(db: Db): void {
  migrate(db, 'policy', migrations);
}

export interface PolicyVersionRow {
  version: number;
  yaml: string;
  author: string;
  createdAt: string;
  note: string;
  diff: string;
  rollbackOf: number | null;
}

export interface ShadowRow {
  yaml: string;
  author: string;
  createdAt: string;
  note: string;
}

const versionColumns = `version, yaml, author, created_at AS createdAt, note, diff, rollback_of AS rollbackOf`;

/** Named queries over the policy tables; the only place policy SQL lives (limits keep their own). */
export class PolicyStore {
  private readonly q;

  constructor(db: Db) {
    migratePolicy(db);
    this.q = {
      latest: db.prepare(`SELECT ${versionColumns} FROM policy_versions ORDER BY version DESC LIMIT 1`),
      byVersion: db.prepare(`SELECT ${versionColumns} FROM policy_versions WHERE version = ?`),
      history: db.prepare(`SELECT ${versionColumns} FROM policy_versions ORDER BY version DESC LIMIT ?`),
      insert: db.prepare(
        `INSERT INTO policy_versions (version, yaml, author, created_at, note, diff, rollback_of)
         VALUES (@version, @yaml, @author, @createdAt, @note, @diff, @rollbackOf)`,
      ),
      shadow: db.prepare(
        `SELECT yaml, author, created_at AS createdAt, note FROM policy_shadow WHERE id = 1`,
      ),
      setShadow: db.prepare(
        `INSERT INTO policy_shadow (id, yaml, author, created_at, note) VALUES (1, @yaml, @author, @createdAt, @note)
         ON CONFLICT (id) DO UPDATE SET yaml = excluded.yaml, author = excluded.author,
           created_at = excluded.created_at, note = excluded.note`,
      ),
      clearShadow: db.prepare(`DELETE FROM policy_shadow WHERE id = 1`),
    };
  }

  latest(): PolicyVersionRow | undefined {
    return this.q.latest.get() as PolicyVersionRow | undefined;
  }

  get(version: number): PolicyVersionRow | undefined {
    return this.q.byVersion.get(version) as PolicyVersionRow | undefined;
  }

  history(limit: number): PolicyVersionRow[] {
    return this.q.history.all(limit) as PolicyVersionRow[];
  }

  insert(row: PolicyVersionRow): void {
    this.q.insert.run(row);
  }

  shadow(): ShadowRow | undefined {
    return this.q.shadow.get() as ShadowRow | undefined;
  }

  setShadow(row: ShadowRow | undefined): void {
    if (row) this.q.setShadow.run(row);
    else this.q.clearShadow.run();
  }
}
