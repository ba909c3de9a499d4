import type Database from 'better-sqlite3';
import type { LedgerEvent } from '../../../shared/events.js';
import { decodeText, rowToEvent, type EventRow } from './record.js';
import { expandPayload } from './blobs.js';
import { seqAt } from './retention.js';
import type { RunRow } from './schema.js';

export interface EventFilter {
  run?: string;
  agent?: string;
  service?: string;
  kind?: string | string[];
  decision?: string;
  status?: string;
  /** ISO 8601 bounds, inclusive from, exclusive to. */
  from?: string;
  to?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface RunTotals {
  run: string;
  agent?: string;
  sandbox?: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  events: number;
  calls: number;
  llmCalls: number;
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  costUsd: number;
  /** Calls whose price was unknown (their cost is not in costUsd). */
  costUnknownCalls: number;
  denials: number;
  errors: number;
  /** killed | the last sandbox status / reported outcome | error | ok */
  outcome: string;
}

export function runTotals(r: RunRow): RunTotals {
  return {
    run: r.run,
    ...(r.agent ? { agent: r.agent } : {}),
    ...(r.sandbox ? { sandbox: r.sandbox } : {}),
    startedAt: new Date(r.started_ms).toISOString(),
    endedAt: new Date(r.ended_ms).toISOString(),
    durationMs: r.ended_ms - r.started_ms,
    events: r.events,
    calls: r.calls,
    llmCalls: r.llm_calls,
    toolCalls: r.tool_calls,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    tokens: r.input_tokens + r.output_tokens,
    costUsd: Math.round(r.cost_usd * 1e6) / 1e6,
    costUnknownCalls: r.cost_unknown,
    denials: r.denials,
    errors: r.errors,
    outcome: r.killed ? 'killed' : (r.last_status ?? (r.errors ? 'error' : 'ok')),
  };
}

const clampLimit = (n: number | undefined, max = 1000): number =>
  Math.max(1, Math.min(max, Math.floor(n ?? 100)));

/** Turns words a person typed into a safe FTS5 query: every token quoted, all required. */
export function ftsQuery(text: string): string {
  const tokens = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return tokens.map((t) => `"${t}"`).join(' ');
}

/** Named, read-only queries over the ledger (the console never sends SQL). */
export class LedgerQueries {
  private readonly blobCache = new Map<string, unknown>();

  constructor(
    private readonly maybeDb: Database.Database | undefined,
    private readonly need: () => Database.Database,
  ) {}

  private get db(): Database.Database {
    return this.maybeDb ?? this.need();
  }

  lastCheckpointSeq(): number {
    const v = this.db.prepare("SELECT max(seq) FROM checkpoints WHERE kind = 'checkpoint'").pluck().get();
    return typeof v === 'number' ? v : 0;
  }

  blob(hash: string): unknown {
    if (this.blobCache.has(hash)) return this.blobCache.get(hash);
    const row = this.db.prepare('SELECT data FROM blobs WHERE hash = ?').get(hash) as
      { data: Buffer } | undefined;
    if (!row) return undefined;
    const v: unknown = JSON.parse(decodeText(row.data));
    if (this.blobCache.size > 2000) this.blobCache.clear();
    this.blobCache.set(hash, v);
    return v;
  }

  /** A row as the shared event shape; `expand` inlines content-addressed messages. */
  toEvent(r: EventRow, withPayload: boolean, expand = true): LedgerEvent {
    if (!withPayload || !r.payload) return rowToEvent(r, undefined);
    const stored: unknown = JSON.parse(decodeText(r.payload));
    return rowToEvent(r, expand ? expandPayload(stored, (h) => this.blob(h)) : stored);
  }

  event(id: string): LedgerEvent | undefined {
    const r = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined;
    return r ? this.toEvent(r, true) : undefined;
  }

  private where(f: EventFilter, params: unknown[], alias = ''): string[] {
    const a = alias ? `${alias}.` : '';
    const w: string[] = [];
    const eq = (col: string, v: string | undefined): void => {
      if (v === undefined) return;
      w.push(`${a}${col} = ?`);
      params.push(v);
    };
    eq('run', f.run);
    eq('agent', f.agent);
    eq('service', f.service);
    eq('decision', f.decision);
    eq('status', f.status);
    if (f.kind !== undefined) {
      const kinds = Array.isArray(f.kind) ? f.kind : [f.kind];
      w.push(`${a}kind IN (${kinds.map(() => '?').join(',') || "''"})`);
      params.push(...kinds);
    }
    // Seq order is time order (ids are monotonic), so a time range is a seq range: no time index needed.
    if (f.from) {
      w.push(`${a}seq >= ?`);
      params.push(this.seqAt(Date.parse(f.from)));
    }
    if (f.to) {
      w.push(`${a}seq < ?`);
      params.push(this.seqAt(Date.parse(f.to)));
    }
    return w;
  }

  /** Events matching a filter, oldest first (or newest first), paged by seq cursor. */
  events(
    f: EventFilter,
    o: { cursor?: string; limit?: number; order?: 'asc' | 'desc'; payload?: boolean } = {},
  ): Page<LedgerEvent> {
    const params: unknown[] = [];
    const w = this.where(f, params);
    const desc = o.order === 'desc';
    if (o.cursor) {
      w.push(desc ? 'seq < ?' : 'seq > ?');
      params.push(Number(o.cursor));
    }
    const limit = clampLimit(o.limit, 5000);
    const sql = `SELECT * FROM events ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY seq ${desc ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as EventRow[];
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map((r) => this.toEvent(r, o.payload ?? false));
    const last = items[items.length - 1];
    return { items, ...(more && last ? { nextCursor: String(last.seq) } : {}) };
  }

  /** Runs with totals, newest first. */
  runs(
    f: { agent?: string; from?: string; to?: string; runs?: string[] } = {},
    o: { cursor?: string; limit?: number } = {},
  ): Page<RunTotals> {
    const w: string[] = [];
    const params: unknown[] = [];
    if (f.agent) {
      w.push('agent = ?');
      params.push(f.agent);
    }
    if (f.runs) {
      w.push(`run IN (${f.runs.map(() => '?').join(',') || "''"})`);
      params.push(...f.runs);
    }
    if (f.from) {
      w.push('ended_ms >= ?');
      params.push(Date.parse(f.from));
    }
    if (f.to) {
      w.push('started_ms < ?');
      params.push(Date.parse(f.to));
    }
    if (o.cursor) {
      w.push('first_seq < ?');
      params.push(Number(o.cursor));
    }
    const limit = clampLimit(o.limit);
    const sql = `SELECT * FROM runs ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY first_seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as RunRow[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(runTotals), ...(more && last ? { nextCursor: String(last.first_seq) } : {}) };
  }

  run(run: string): RunTotals | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE run = ?').get(run) as RunRow | undefined;
    return r ? runTotals(r) : undefined;
  }

  /** Full-text search over prompts, inputs, outputs, reasoning, tool arguments and results. */
  search(
    text: string,
    f: EventFilter,
    o: { cursor?: string; limit?: number } = {},
  ): Page<LedgerEvent & { snippet: string }> {
    const q = ftsQuery(text);
    if (!q) return { items: [] };
    const params: unknown[] = [q];
    const w = this.where(f, params, 'e');
    if (o.cursor) {
      w.push('e.seq < ?');
      params.push(Number(o.cursor));
    }
    const limit = clampLimit(o.limit, 500);
    const sql = `SELECT e.* FROM events_fts JOIN events e ON e.seq = events_fts.rowid
      WHERE events_fts MATCH ? ${w.length ? 'AND ' + w.join(' AND ') : ''} ORDER BY e.seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as EventRow[];
    const more = rows.length > limit;
    const words = (text.match(/[\p{L}\p{N}_]+/gu) ?? []).map((t) => t.toLowerCase());
    const items = rows.slice(0, limit).map((r) => {
      const e = this.toEvent(r, true);
      return { ...e, snippet: snippet(JSON.stringify(e.payload ?? e.summary ?? ''), words) };
    });
    const last = items[items.length - 1];
    return { items, ...(more && last ? { nextCursor: String(last.seq) } : {}) };
  }

  /** The first seq at or after `ms` (binary search on the key; see retention.ts). */
  seqAt(ms: number): number {
    return seqAt(this.db, ms);
  }

  /** Size of the database in bytes (pages in use). */
  bytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return (pages - free) * size;
  }

  raw(): Database.Database {
    return this.db;
  }
}

function snippet(text: string, words: string[]): string {
  const lower = text.toLowerCase();
  let at = -1;
  for (const w of words) {
    at = lower.indexOf(w);
    if (at >= 0) break;
  }
  const start = Math.max(0, at - 60);
  return (start > 0 ? '…' : '') + text.slice(start, start + 200) + (start + 200 < text.length ? '…' : '');
}
