import type { Migration } from '../db/migrate.js';

/** Numbered and never edited once committed: add the next one instead. */
export const agentMigrations: Migration[] = [
  {
    version: 1,
    name: 'agents',
    sql: `CREATE TABLE agents (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      template TEXT NOT NULL,
      labels TEXT NOT NULL DEFAULT '{}',
      sandboxed INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      run_id TEXT,
      host_key_hash TEXT UNIQUE
    )`,
  },
];
