import type Database from 'better-sqlite3';

/**
 * The last seq that may be pruned so that only whole runs older than `cutoffMs` go, and the
 * chain stays a prefix cut (verification continues from a signed anchor). 0 = nothing to prune.
 */
export function pruneCut(db: Database.Database, cutoffMs: number): number {
  let cut = seqAt(db, cutoffMs) - 1;
  const liveRun = db.prepare('SELECT min(first_seq) FROM runs WHERE ended_ms >= ?').pluck().get(cutoffMs) as
    number | null;
  if (liveRun !== null) cut = Math.min(cut, liveRun - 1);
  const straddling = db
    .prepare('SELECT min(first_seq) FROM runs WHERE first_seq <= ? AND last_seq > ?')
    .pluck();
  for (;;) {
    const s = straddling.get(cut, cut) as number | null;
    if (s === null) break;
    cut = s - 1;
  }
  const min = db.prepare('SELECT min(seq) FROM events').pluck().get() as number | null;
  return min === null || cut < min ? 0 : cut;
}

/** The first seq at or after `ms` (one past the last event if none): seq order is time order. */
export function seqAt(db: Database.Database, ms: number): number {
  const { lo, hi } = db.prepare('SELECT min(seq) lo, max(seq) hi FROM events').get() as {
    lo: number | null;
    hi: number | null;
  };
  if (lo === null || hi === null) return 1;
  const tsOf = db.prepare('SELECT ts_ms FROM events WHERE seq >= ? ORDER BY seq LIMIT 1').pluck();
  let [a, b] = [lo, hi + 1];
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    const t = tsOf.get(mid) as number | undefined;
    if (t === undefined || t >= ms) b = mid;
    else a = mid + 1;
  }
  return a;
}

/** The cutoff time that brings the database under `maxBytes`, pruning the oldest share of events. */
export function cutoffForSize(db: Database.Database, bytes: number, maxBytes: number): number | undefined {
  if (bytes <= maxBytes) return undefined;
  const { lo, hi } = db.prepare('SELECT min(seq) lo, max(seq) hi FROM events').get() as {
    lo: number | null;
    hi: number | null;
  };
  if (lo === null || hi === null) return undefined;
  const share = Math.min(1, 1 - maxBytes / bytes + 0.05);
  const target = Math.floor(lo + (hi - lo) * share);
  const ts = db
    .prepare('SELECT ts_ms FROM events WHERE seq >= ? ORDER BY seq LIMIT 1')
    .pluck()
    .get(target) as number | undefined;
  return ts === undefined ? undefined : ts + 1;
}

/**
 * Retention settings from the environment: GATEHOUSE_LEDGER_MAX_AGE_DAYS (prune whole runs older
 * than this) and GATEHOUSE_LEDGER_MAX_MB (prune the oldest runs beyond this size). Unset = keep all.
 */
export function retentionFromEnv(env: NodeJS.ProcessEnv): { maxAgeDays?: number; maxBytes?: number } {
  const days = Number(env.GATEHOUSE_LEDGER_MAX_AGE_DAYS);
  const mb = Number(env.GATEHOUSE_LEDGER_MAX_MB);
  return {
    ...(Number.isFinite(days) && days > 0 ? { maxAgeDays: days } : {}),
    ...(Number.isFinite(mb) && mb > 0 ? { maxBytes: Math.round(mb * 1024 * 1024) } : {}),
  };
}
