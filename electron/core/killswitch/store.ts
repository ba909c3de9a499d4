import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { killScopeSchema, scopeKey, type KillScope } from './scope.js';

export interface EngagedSwitch {
  scope: KillScope;
  who: string;
  reason: string;
  engagedAt: string;
}

export type SandboxAction = 'pause' | 'stop';

const migrations = [
  {
    version: 1,
    name: 'kill switches and settings',
    sql: `CREATE TABLE kill_switches (
      scope_key TEXT PRIMARY KEY,
      scope TEXT NOT NULL,
      who TEXT NOT NULL,
      reason TEXT NOT NULL,
      engaged_at TEXT NOT NULL
    );
    CREATE TABLE kill_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
];

/** The kill switch's rows in the core DB. Writes are fsynced (synchronous=FULL) before they return. */
export class KillStore {
  constructor(private readonly db: Db) {
    migrate(db, 'killswitch', migrations);
  }

  load(): EngagedSwitch[] {
    const rows = this.db
      .prepare('SELECT scope, who, reason, engaged_at FROM kill_switches ORDER BY engaged_at')
      .all() as { scope: string; who: string; reason: string; engaged_at: string }[];
    const out: EngagedSwitch[] = [];
    for (const r of rows) {
      const parsed = killScopeSchema.safeParse(JSON.parse(r.scope));
      // An unreadable row must still stop traffic: fail closed to a global switch.
      const scope: KillScope = parsed.success ? parsed.data : { kind: 'global' };
      out.push({ scope, who: r.who, reason: r.reason, engagedAt: r.engaged_at });
    }
    return out;
  }

  save(s: EngagedSwitch): void {
    this.durably(() =>
      this.db
        .prepare(
          `INSERT INTO kill_switches (scope_key, scope, who, reason, engaged_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(scope_key) DO UPDATE SET who = excluded.who, reason = excluded.reason`,
        )
        .run(scopeKey(s.scope), JSON.stringify(s.scope), s.who, s.reason, s.engagedAt),
    );
  }

  remove(scope: KillScope): boolean {
    return this.durably(
      () => this.db.prepare('DELETE FROM kill_switches WHERE scope_key = ?').run(scopeKey(scope)).changes > 0,
    );
  }

  sandboxAction(): SandboxAction {
    const row = this.db.prepare("SELECT value FROM kill_settings WHERE key = 'sandboxAction'").get() as
      { value: string } | undefined;
    return row?.value === 'stop' ? 'stop' : 'pause';
  }

  setSandboxAction(action: SandboxAction): void {
    this.db
      .prepare(
        "INSERT INTO kill_settings (key, value) VALUES ('sandboxAction', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(action);
  }

  /**
   * The core DB runs WAL with synchronous=NORMAL (a commit survives a process crash but may not
   * survive power loss). A kill switch must survive both, so its commits fsync the WAL.
   */
  private durably<T>(fn: () => T): T {
    const before = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(fn)();
    } finally {
      this.db.pragma(`synchronous = ${Number(before)}`);
    }
  }
}
