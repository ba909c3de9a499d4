import type { KillScope } from '../../../shared/api/kill.js';
import type { Usage } from '../../../shared/events.js';
import type { PolicyLimit } from '../../../shared/policy/schema.js';
import type { Db } from '../db/database.js';
import { migratePolicy } from './store.js';

export type EngageKill = (scope: KillScope, reason: string) => void | Promise<void>;
export type LimitCheck = { ok: true } | { ok: false; reason: string; rule: string };

export interface LimitStatus {
  limit: string;
  agent?: string;
  service?: string;
  requestsLastMinute: number;
  requestsPerMinute?: number;
  tokensToday: number;
  tokensPerDay?: number;
  costUsdToday: number;
  costUsdPerDay?: number;
  exhausted: boolean;
}

interface Totals {
  tokens: number;
  cost: number;
}

type ServiceRef = string | { name: string };
const nameOf = (s: ServiceRef): string => (typeof s === 'string' ? s : s.name);
const SEP = '\u0000';

/** Tokens that count against a budget: everything the provider bills (reasoning is inside output). */
export function billedTokens(u: Partial<Usage>): number {
  return (u.inputTokens ?? 0) + (u.outputTokens ?? 0) + (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0);
}

/**
 * Rate limits and daily budgets from the policy's `limits`. check() runs before a call (and
 * counts it toward requests/minute when it passes); record() adds the call's actual usage and
 * cost afterwards, persisted per UTC day in the core DB so budgets survive restarts. A call is
 * refused once a budget is used up; it is not cut mid-way.
 */
export class Limits {
  private limits: PolicyLimit[] = [];
  private day = '';
  /** When `day` ends (ms): the per-call day check is one comparison. */
  private dayEndsMs = 0;
  /** Usage recorded but not yet in the core DB (saved in one transaction every SAVE_MS). */
  private readonly unsaved = new Map<string, UnsavedUsage>();
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly totals = new Map<string, Totals>();
  private readonly windows = new Map<string, number[]>();
  private readonly killed = new Set<string>();
  private readonly q;

  constructor(
    private readonly db: Db,
    limits: readonly PolicyLimit[],
    private readonly opts: { engageKill?: EngageKill; now?: () => Date } = {},
  ) {
    migratePolicy(db);
    this.q = {
      day: db.prepare('SELECT agent, service, tokens, cost_usd AS cost FROM limit_usage WHERE day = ?'),
      add: db.prepare(
        `INSERT INTO limit_usage (day, agent, service, requests, tokens, cost_usd) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (day, agent, service) DO UPDATE SET requests = requests + excluded.requests,
           tokens = tokens + excluded.tokens, cost_usd = cost_usd + excluded.cost_usd`,
      ),
    };
    this.configure(limits);
  }

  /** New limits take effect for the next call; today's usage is kept. */
  configure(limits: readonly PolicyLimit[]): void {
    this.limits = [...limits];
    this.windows.clear();
  }

  /** Installs the callback for `onExhausted: kill` (the kill switch may be created after the policy). */
  setEngageKill(fn: EngageKill | undefined): void {
    this.opts.engageKill = fn;
  }

  check(agentId: string, service: ServiceRef): LimitCheck {
    const svc = nameOf(service);
    this.rollDay();
    const now = this.nowMs();
    const passedRate: number[][] = [];
    for (const l of this.limits) {
      if (!applies(l, agentId, svc)) continue;
      const { agent, service: s } = scopeOf(l, agentId, svc);
      const used = this.totals.get(totalsKey(agent, s)) ?? { tokens: 0, cost: 0 };
      if (l.tokensPerDay !== undefined && used.tokens >= l.tokensPerDay) {
        this.exhausted(l, agent, s);
        return refuse(l, `${used.tokens} of ${l.tokensPerDay} tokens used today`, agent, s);
      }
      if (l.costUsdPerDay !== undefined && used.cost >= l.costUsdPerDay) {
        this.exhausted(l, agent, s);
        return refuse(l, `$${used.cost.toFixed(4)} of $${l.costUsdPerDay} spent today`, agent, s);
      }
      if (l.requestsPerMinute !== undefined) {
        const key = `${l.id}${SEP}${agent ?? ''}${SEP}${s ?? ''}`;
        let w = this.windows.get(key);
        if (!w) this.windows.set(key, (w = []));
        while (w.length && (w[0] as number) <= now - 60_000) w.shift();
        if (w.length >= l.requestsPerMinute)
          return refuse(l, `${l.requestsPerMinute} requests per minute reached`, agent, s);
        passedRate.push(w);
      }
    }
    for (const w of passedRate) w.push(now);
    return { ok: true };
  }

  /** Adds one finished call's actual usage and cost (null = price unknown: tokens still count). */
  record(agentId: string, service: ServiceRef, usage: Partial<Usage>, costUsd: number | null): void {
    const svc = nameOf(service);
    this.rollDay();
    const tokens = billedTokens(usage);
    const cost = costUsd ?? 0;
    this.stage(agentId, svc, tokens, cost);
    this.addTotals(agentId, svc, tokens, cost);
    for (const l of this.limits) {
      if (!applies(l, agentId, svc)) continue;
      const { agent, service: s } = scopeOf(l, agentId, svc);
      const used = this.totals.get(totalsKey(agent, s)) as Totals;
      const over =
        (l.tokensPerDay !== undefined && used.tokens >= l.tokensPerDay) ||
        (l.costUsdPerDay !== undefined && used.cost >= l.costUsdPerDay);
      if (over) this.exhausted(l, agent, s);
    }
  }

  status(): LimitStatus[] {
    this.rollDay();
    const now = this.nowMs();
    const out: LimitStatus[] = [];
    for (const l of this.limits) {
      for (const [agent, service] of this.scopesOf(l)) {
        const used = this.totals.get(totalsKey(agent, service)) ?? { tokens: 0, cost: 0 };
        const w = this.windows.get(`${l.id}${SEP}${agent ?? ''}${SEP}${service ?? ''}`) ?? [];
        const exhausted =
          (l.tokensPerDay !== undefined && used.tokens >= l.tokensPerDay) ||
          (l.costUsdPerDay !== undefined && used.cost >= l.costUsdPerDay);
        out.push({
          limit: l.id,
          ...(agent !== undefined ? { agent } : {}),
          ...(service !== undefined ? { service } : {}),
          requestsLastMinute: w.filter((t) => t > now - 60_000).length,
          ...(l.requestsPerMinute !== undefined ? { requestsPerMinute: l.requestsPerMinute } : {}),
          tokensToday: used.tokens,
          ...(l.tokensPerDay !== undefined ? { tokensPerDay: l.tokensPerDay } : {}),
          costUsdToday: used.cost,
          ...(l.costUsdPerDay !== undefined ? { costUsdPerDay: l.costUsdPerDay } : {}),
          exhausted,
        });
      }
    }
    return out;
  }

  /** The concrete scopes a limit has seen today (`*` expands to each agent/service with usage). */
  private scopesOf(l: PolicyLimit): [string | undefined, string | undefined][] {
    const wildcard = l.agent === '*' || l.service === '*';
    if (!wildcard) return [[l.agent, l.service]];
    const seen = new Map<string, [string | undefined, string | undefined]>();
    for (const key of this.totals.keys()) {
      const [kind, a, s] = key.split(SEP);
      const wantKind =
        l.agent !== undefined && l.service !== undefined ? 'p' : l.agent !== undefined ? 'a' : 's';
      if (kind !== wantKind) continue;
      const agent = l.agent === undefined ? undefined : l.agent === '*' ? a : l.agent;
      const service = l.service === undefined ? undefined : l.service === '*' ? s : l.service;
      if ((l.agent !== undefined && agent !== a) || (l.service !== undefined && service !== s)) continue;
      seen.set(`${agent}${SEP}${service}`, [agent, service]);
    }
    return [...seen.values()];
  }

  private exhausted(l: PolicyLimit, agent: string | undefined, service: string | undefined): void {
    if (l.onExhausted !== 'kill' || !this.opts.engageKill) return;
    const key = `${this.day}${SEP}${l.id}${SEP}${agent ?? ''}${SEP}${service ?? ''}`;
    if (this.killed.has(key)) return;
    this.killed.add(key);
    const scope: KillScope =
      agent !== undefined && service !== undefined
        ? { kind: 'agent-service', agent, service }
        : agent !== undefined
          ? { kind: 'agent', agent }
          : { kind: 'service', service: service as string };
    void Promise.resolve()
      .then(() => this.opts.engageKill?.(scope, `budget "${l.id}" exhausted`))
      .catch(() => this.killed.delete(key));
  }

  private addTotals(agent: string, service: string, tokens: number, cost: number): void {
    for (const key of [
      totalsKey(agent, undefined),
      totalsKey(undefined, service),
      totalsKey(agent, service),
    ]) {
      const t = this.totals.get(key);
      if (t) {
        t.tokens += tokens;
        t.cost += cost;
      } else this.totals.set(key, { tokens, cost });
    }
  }

  /**
   * Writes the usage recorded since the last save to the core DB, in one transaction. Runs
   * every SAVE_MS while calls finish, at a day change and from close(); a failed write keeps
   * the rows for the next attempt (the in-memory totals are what checks use meanwhile).
   */
  save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.unsaved.size) return;
    const rows = [...this.unsaved.values()];
    try {
      this.db.transaction(() => {
        for (const r of rows) this.q.add.run(r.day, r.agent, r.service, r.requests, r.tokens, r.cost);
      })();
      this.unsaved.clear();
    } catch {
      this.saveTimer = setTimeout(() => this.save(), SAVE_MS * 4);
      this.saveTimer.unref();
    }
  }

  /** Saves what is pending and stops the save timer. */
  close(): void {
    this.save();
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
  }

  private stage(agent: string, service: string, tokens: number, cost: number): void {
    const key = `${this.day}${SEP}${agent}${SEP}${service}`;
    const u = this.unsaved.get(key);
    if (u) {
      u.requests++;
      u.tokens += tokens;
      u.cost += cost;
    } else this.unsaved.set(key, { day: this.day, agent, service, requests: 1, tokens, cost });
    if (!this.saveTimer) {
      this.saveTimer = setTimeout(() => this.save(), SAVE_MS);
      this.saveTimer.unref();
    }
  }

  private rollDay(): void {
    const now = this.nowMs();
    if (now < this.dayEndsMs && now >= this.dayEndsMs - DAY_MS) return;
    const day = new Date(now).toISOString().slice(0, 10);
    this.dayEndsMs = Date.parse(day) + DAY_MS;
    if (day === this.day) return;
    this.save(); // the old day's rows, under the old day
    this.day = day;
    this.totals.clear();
    this.killed.clear();
    const rows = this.q.day.all(day) as { agent: string; service: string; tokens: number; cost: number }[];
    for (const r of rows) this.addTotals(r.agent, r.service, r.tokens, r.cost);
  }

  private nowMs(): number {
    return (this.opts.now?.() ?? new Date()).getTime();
  }
}

const DAY_MS = 86_400_000;
/**
 * How long recorded usage may wait before it is written. The checks use in-memory totals, so
 * this only bounds what a crash can forget (at most this much usage). One transaction per
 * interval instead of one write per call keeps SQLite off the request path.
 */
const SAVE_MS = 500;

interface UnsavedUsage {
  day: string;
  agent: string;
  service: string;
  requests: number;
  tokens: number;
  cost: number;
}

function applies(l: PolicyLimit, agent: string, service: string): boolean {
  return (
    (l.agent === undefined || l.agent === '*' || l.agent === agent) &&
    (l.service === undefined || l.service === '*' || l.service === service)
  );
}

function scopeOf(l: PolicyLimit, agent: string, service: string): { agent?: string; service?: string } {
  return {
    agent: l.agent === undefined ? undefined : agent,
    service: l.service === undefined ? undefined : service,
  };
}

function totalsKey(agent: string | undefined, service: string | undefined): string {
  const kind = agent !== undefined && service !== undefined ? 'p' : agent !== undefined ? 'a' : 's';
  return `${kind}${SEP}${agent ?? ''}${SEP}${service ?? ''}`;
}

function refuse(
  l: PolicyLimit,
  what: string,
  agent: string | undefined,
  service: string | undefined,
): LimitCheck {
  const scope = [agent && `agent ${agent}`, service && `service ${service}`].filter(Boolean).join(' on ');
  return { ok: false, rule: l.id, reason: `Limit "${l.id}" for ${scope}: ${what}.` };
}
