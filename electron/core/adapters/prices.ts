import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Usage } from '../../../shared/events.js';
import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';

export const priceSchema = z.object({
  /** A model name (also matching its dated snapshots) or a glob with '*'. */
  match: z.string().min(1).max(200),
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheRead: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
});
export type Price = z.infer<typeof priceSchema>;
export type PriceEntry = Price & { source: 'shipped' | 'custom' };

const shippedFileSchema = z.object({ models: z.array(priceSchema) });

export const SHIPPED_PRICES = new URL('../../../resources/prices.json', import.meta.url);

/** The cost of one call in USD: token counts × price per million tokens. */
export function costOf(price: Price, usage: Partial<Usage>): number {
  const cost =
    (usage.inputTokens ?? 0) * price.input +
    (usage.outputTokens ?? 0) * price.output +
    (usage.cacheReadTokens ?? 0) * (price.cacheRead ?? price.input) +
    (usage.cacheWriteTokens ?? 0) * (price.cacheWrite ?? price.input);
  return cost / 1_000_000;
}

// -20250929, -2024-08-06, -latest; Bedrock-style -v1:0 after it.
const SNAPSHOT = /^-(\d{8}|\d{4}-\d{2}-\d{2}|latest)(-v\d+(:\d+)?)?$/;

/** How specifically `match` names `model`: undefined = no match; higher wins. */
export function matchScore(match: string, model: string): number | undefined {
  if (match === model) return 1_000_000;
  if (!match.includes('*')) {
    return model.startsWith(match) && SNAPSHOT.test(model.slice(match.length))
      ? 500_000 + match.length
      : undefined;
  }
  const re = new RegExp(`^${match.split('*').map(escapeRe).join('.*')}$`);
  return re.test(model) ? match.replaceAll('*', '').length : undefined;
}

const escapeRe = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

const migrations = [
  {
    version: 1,
    name: 'prices',
    sql: `CREATE TABLE prices (
      match TEXT PRIMARY KEY, input REAL NOT NULL, output REAL NOT NULL,
      cache_read REAL, cache_write REAL, updated_at TEXT NOT NULL)`,
  },
];

interface PriceRow {
  match: string;
  input: number;
  output: number;
  cache_read: number | null;
  cache_write: number | null;
}

/**
 * Prices per model: the shipped table (resources/prices.json) overridden by the admin's own
 * entries (the `prices` table in the core DB). Any custom entry that matches wins over every
 * shipped one; within each, the most specific match wins. Unknown model → undefined / null cost.
 */
export class PriceTable {
  private readonly shipped: Price[];
  private custom: Price[] = [];
  private readonly cache = new Map<string, Price | null>();

  constructor(
    private readonly db: Db,
    opts: { file?: string | URL; shipped?: Price[] } = {},
  ) {
    migrate(db, 'prices', migrations);
    this.shipped = opts.shipped ?? readShipped(opts.file ?? SHIPPED_PRICES);
    this.reload();
  }

  list(): PriceEntry[] {
    const custom = new Set(this.custom.map((p) => p.match));
    return [
      ...this.custom.map((p) => ({ ...p, source: 'custom' as const })),
      ...this.shipped.filter((p) => !custom.has(p.match)).map((p) => ({ ...p, source: 'shipped' as const })),
    ];
  }

  set(price: Price): PriceEntry {
    const p = priceSchema.parse(price);
    this.db
      .prepare(
        `INSERT INTO prices (match, input, output, cache_read, cache_write, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(match) DO UPDATE SET input = excluded.input, output = excluded.output,
           cache_read = excluded.cache_read, cache_write = excluded.cache_write, updated_at = excluded.updated_at`,
      )
      .run(p.match, p.input, p.output, p.cacheRead ?? null, p.cacheWrite ?? null, new Date().toISOString());
    this.reload();
    return { ...p, source: 'custom' };
  }

  /** Removes a custom entry (the shipped price, if any, applies again). False when there was none. */
  remove(match: string): boolean {
    const removed = this.db.prepare('DELETE FROM prices WHERE match = ?').run(match).changes > 0;
    this.reload();
    return removed;
  }

  priceFor(model: string): Price | undefined {
    const cached = this.cache.get(model);
    if (cached !== undefined) return cached ?? undefined;
    // Router-style names (anthropic/claude-..., openai/gpt-...) are priced by their last segment.
    const bare = model.slice(model.lastIndexOf('/') + 1);
    const found =
      best(this.custom, model) ??
      best(this.custom, bare) ??
      best(this.shipped, model) ??
      best(this.shipped, bare);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(model, found ?? null);
    return found;
  }

  /** USD for one call, or null when the model's price is unknown. */
  cost(model: string, usage: Partial<Usage>): number | null {
    const price = this.priceFor(model);
    return price ? costOf(price, usage) : null;
  }

  private reload(): void {
    const rows = this.db
      .prepare('SELECT match, input, output, cache_read, cache_write FROM prices ORDER BY match')
      .all() as PriceRow[];
    this.custom = rows.map((r) => ({
      match: r.match,
      input: r.input,
      output: r.output,
      ...(r.cache_read !== null ? { cacheRead: r.cache_read } : {}),
      ...(r.cache_write !== null ? { cacheWrite: r.cache_write } : {}),
    }));
    this.cache.clear();
  }
}

function best(prices: readonly Price[], model: string): Price | undefined {
  let top: Price | undefined;
  let topScore = -1;
  for (const p of prices) {
    const s = matchScore(p.match, model);
    if (s !== undefined && s > topScore) {
      top = p;
      topScore = s;
    }
  }
  return top;
}

function readShipped(file: string | URL): Price[] {
  return shippedFileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).models;
}
