import type { LeaseInfo } from '../../../shared/api/vault.js';

/** What the gateway gets: the value to inject, for this operation only. */
export interface Lease {
  id: string;
  credential: string;
  value: string;
  expiresAt: string;
  scope: string;
}

/** The narrowest scope the caller (policy) names; each kind uses what it can. */
export interface LeaseScope {
  /** OAuth scopes (refresh, client credentials, token exchange). */
  scopes?: string[];
  audience?: string;
  resource?: string;
  /** GitHub App: repositories ("repo" or "owner/repo") and permissions ({ contents: 'read' }). */
  repositories?: string[];
  permissions?: Record<string, string>;
  /** Shorter than the default lease TTL; never longer than the token. */
  ttlSeconds?: number;
}

export interface LeaseRequest {
  agent: string;
  service: string;
  credential: string;
  operation: string;
  scope?: LeaseScope;
}

export interface LeaseFilter {
  agent?: string;
  service?: string;
  credential?: string;
}

interface LeaseRecord extends LeaseInfo {
  expiresAtMs: number;
}

const matches = (r: { agent: string; service: string; credential: string }, f: LeaseFilter) =>
  (f.agent === undefined || r.agent === f.agent) &&
  (f.service === undefined || r.service === f.service) &&
  (f.credential === undefined || r.credential === f.credential);

export { matches as leaseMatches };

/** Outstanding leases, in memory (the ledger keeps the history). Expired ones are swept as new ones arrive. */
export class LeaseBook {
  private readonly leases = new Map<string, LeaseRecord>();
  private adds = 0;

  constructor(private readonly max = 50_000) {}

  add(rec: LeaseInfo, expiresAtMs: number, now: number): void {
    (rec as LeaseRecord).expiresAtMs = expiresAtMs;
    this.leases.set(rec.id, rec as LeaseRecord);
    if (++this.adds % 1024 === 0) this.sweep(now);
    // Too many live leases: drop the oldest (its token is re-leased on the next request anyway).
    if (this.leases.size > this.max) this.leases.delete(this.leases.keys().next().value as string);
  }

  isActive(id: string, now: number): boolean {
    const r = this.leases.get(id);
    return r !== undefined && r.expiresAtMs > now;
  }

  list(now: number, filter: LeaseFilter = {}): LeaseInfo[] {
    const out: LeaseInfo[] = [];
    for (const r of this.leases.values()) {
      if (r.expiresAtMs <= now || !matches(r, filter)) continue;
      const { expiresAtMs: _drop, ...info } = r;
      out.push(info);
    }
    return out;
  }

  count(now: number, filter: LeaseFilter = {}): number {
    let n = 0;
    for (const r of this.leases.values()) if (r.expiresAtMs > now && matches(r, filter)) n++;
    return n;
  }

  /** Removes matching leases; returns how many were still live. */
  revoke(filter: LeaseFilter, now: number): number {
    let n = 0;
    for (const [id, r] of this.leases) {
      if (!matches(r, filter)) continue;
      if (r.expiresAtMs > now) n++;
      this.leases.delete(id);
    }
    return n;
  }

  /** Leases arrive in (nearly) expiry order: drop expired ones from the oldest end, stop at the first live one. */
  private sweep(now: number): void {
    for (const [id, r] of this.leases) {
      if (r.expiresAtMs > now) break;
      this.leases.delete(id);
    }
  }
}
