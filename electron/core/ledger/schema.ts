import type { Migration } from '../db/migrate.js';

/** The ledger's own schema (ledger.db). Numbered and never edited once committed. */
export const ledgerMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events, blobs, runs, checkpoints, fts',
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        ts_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        agent TEXT, sandbox TEXT, run TEXT, parent TEXT, service TEXT, operation TEXT,
        decision TEXT, rule TEXT, status TEXT,
        latency_ms REAL,
        input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER,
        cache_write_tokens INTEGER, reasoning_tokens INTEGER,
        cost_usd REAL, cost_unknown INTEGER,
        request_bytes INTEGER, response_bytes INTEGER,
        summary TEXT,
        payload BLOB,
        hash TEXT NOT NULL
      );
      CREATE INDEX events_run ON events(run, seq) WHERE run IS NOT NULL;
      CREATE INDEX events_agent ON events(agent, seq) WHERE agent IS NOT NULL;
      CREATE INDEX events_ts ON events(ts_ms);
      CREATE TABLE blobs (
        hash TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        size INTEGER NOT NULL,
        last_seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE runs (
        run TEXT PRIMARY KEY,
        agent TEXT, sandbox TEXT,
        first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
        started_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL,
        events INTEGER NOT NULL DEFAULT 0,
        calls INTEGER NOT NULL DEFAULT 0,
        llm_calls INTEGER NOT NULL DEFAULT 0,
        tool_calls INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        cost_unknown INTEGER NOT NULL DEFAULT 0,
        denials INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        killed INTEGER NOT NULL DEFAULT 0,
        last_status TEXT
      );
      CREATE INDEX runs_first ON runs(first_seq);
      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        public_key TEXT NOT NULL,
        signature TEXT NOT NULL,
        removed INTEGER
      );
      CREATE VIRTUAL TABLE events_fts USING fts5(body, content='', contentless_delete=1, tokenize='unicode61');
    `,
  },
  {
    version: 2,
    name: 'drop the time index: seq order is time order, time filters search by seq',
    sql: `
      DROP INDEX events_ts;
    `,
  },
];

/** A row of the `runs` table: per-run totals the writer keeps up to date and queries read. */
export interface RunRow {
  run: string;
  agent: string | null;
  sandbox: string | null;
  first_seq: number;
  last_seq: number;
  started_ms: number;
  ended_ms: number;
  events: number;
  calls: number;
  llm_calls: number;
  tool_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cost_unknown: number;
  denials: number;
  errors: number;
  killed: number;
  last_status: string | null;
}
