import type { Db } from './database.js';

/** A numbered schema step. Once shipped, a migration is never edited: add the next number instead. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Applies a component's pending migrations in order, each in its own transaction. Components
 * keep separate version sequences (the `component` column), so they can evolve independently.
 */
export function migrate(db: Db, component: string, migrations: readonly Migration[]): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,
    PRIMARY KEY (component, version))`);
  const done = new Set(
    (
      db.prepare('SELECT version FROM schema_migrations WHERE component = ?').all(component) as {
        version: number;
      }[]
    ).map((r) => r.version),
  );
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`${component} migrations must be numbered 1..n (found ${m.version}).`);
  });
  let applied = 0;
  for (const m of sorted) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?, ?)').run(
        component,
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
    applied++;
  }
  return applied;
}
