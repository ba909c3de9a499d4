import { randomUUID } from 'node:crypto';
import type { LeaseInfo } from '../../../shared/api/vault.js';
import type { LedgerEventInput } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Credential } from './credential.js';
import type { MintedToken } from './kinds/minted.js';
import { LeaseBook, leaseMatches, type Lease, type LeaseFilter, type LeaseRequest } from './leases.js';
import type { Minter } from './mint.js';
import type { Redactor } from './redactor.js';

interface CacheEntry extends MintedToken {
  agent: string;
  service: string;
  credential: string;
}

interface PendingMint {
  agent: string;
  service: string;
  credential: string;
  cancelled: boolean;
}

export interface LeaseDeskDeps {
  now: () => number;
  ttlMs: number;
  minter: Minter;
  redactor: Redactor;
  record(e: LedgerEventInput): void;
  /** Live-topic notice (vault.changed). */
  changed(data: unknown): void;
  /** Whether the credential still exists (a deletion during a mint must not cache its token). */
  exists(name: string): boolean;
}

/**
 * Issues leases for usable credentials: cached tokens per (credential, agent, service, scope),
 * one mint at a time per key, the held lease reused during its first half-life, revocation.
 */
export class LeaseDesk {
  private readonly book = new LeaseBook();
  private readonly cache = new Map<string, CacheEntry>();
  /** The current lease per (credential, agent, service, scope): reused during its first half-life. */
  private readonly held = new Map<string, { lease: Lease; renewAtMs: number }>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  private readonly pending = new Set<PendingMint>();
  private inserts = 0;

  constructor(private readonly deps: LeaseDeskDeps) {}

  async issue(cred: Credential, req: LeaseRequest): Promise<Lease> {
    const now = this.deps.now();
    const s = req.scope;
    const scopeKey = s
      ? JSON.stringify([
          s.scopes,
          s.audience,
          s.resource,
          s.repositories?.slice().sort(),
          s.permissions && Object.entries(s.permissions).sort(),
        ])
      : '';
    const cacheKey = `${cred.name}\0${req.agent}\0${req.service}\0${scopeKey}`;
    let token: CacheEntry | undefined = this.cache.get(cacheKey);
    let minted = false;
    if (!token || token.refreshAtMs <= now) {
      token = await this.mintShared(cacheKey, cred, req);
      minted = true;
    }
    // A lease covers this agent's operations on this service with this scope while it is in its first
    // half-life: the per-request path then costs a lookup, and the ledger gets one event per lease.
    const heldKey = s?.ttlSeconds ? `${cacheKey}\0${s.ttlSeconds}` : cacheKey;
    const held = this.held.get(heldKey);
    if (
      held &&
      held.renewAtMs > now &&
      held.lease.value === token.value &&
      this.book.isActive(held.lease.id, now)
    ) {
      return held.lease;
    }
    const ttlMs = Math.min(s?.ttlSeconds ? s.ttlSeconds * 1000 : this.deps.ttlMs, token.expiresAtMs - now);
    const expiresAtMs = now + ttlMs;
    const info: LeaseInfo = {
      id: randomUUID(),
      agent: req.agent,
      service: req.service,
      credential: cred.name,
      operation: req.operation,
      scope: token.scope,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
    this.book.add(info, expiresAtMs, now);
    this.deps.record({
      kind: 'lease',
      agent: req.agent,
      service: req.service,
      operation: req.operation,
      status: 'ok',
      summary: `${cred.name} leased (${token.scope}) until ${info.expiresAt}`,
      payload: {
        lease: info.id,
        credential: cred.name,
        kind: cred.kind,
        scope: token.scope,
        expiresAt: info.expiresAt,
        minted,
      },
    });
    const lease: Lease = Object.freeze({
      id: info.id,
      credential: cred.name,
      value: token.value,
      expiresAt: info.expiresAt,
      scope: token.scope,
    });
    if (this.held.size > 100_000) this.held.clear();
    this.held.set(heldKey, { lease, renewAtMs: now + ttlMs / 2 });
    return lease;
  }

  /** Revokes matching leases and drops their cached tokens (kill switch, deletion, rotation). */
  revoke(filter: LeaseFilter = {}): number {
    for (const p of this.pending) if (leaseMatches(p, filter)) p.cancelled = true;
    for (const [k, entry] of this.cache) {
      if (!leaseMatches(entry, filter)) continue;
      this.cache.delete(k);
      void entry.revoke?.();
    }
    const n = this.book.revoke(filter, this.deps.now());
    for (const [k, h] of this.held) if (!this.book.isActive(h.lease.id, this.deps.now())) this.held.delete(k);
    if (n > 0) {
      this.deps.record({
        kind: 'lease',
        status: 'revoked',
        ...(filter.agent ? { agent: filter.agent } : {}),
        ...(filter.service ? { service: filter.service } : {}),
        summary: `${n} lease(s) revoked${filter.credential ? ` for ${filter.credential}` : ''}`,
        payload: { ...filter, revoked: n },
      });
      this.deps.changed({ leasesRevoked: n });
    }
    return n;
  }

  isActive(id: string): boolean {
    return this.book.isActive(id, this.deps.now());
  }

  list(filter: LeaseFilter = {}): LeaseInfo[] {
    return this.book.list(this.deps.now(), filter);
  }

  count(filter: LeaseFilter = {}): number {
    return this.book.count(this.deps.now(), filter);
  }

  clear(): void {
    this.cache.clear();
    this.held.clear();
  }

  private async mintShared(cacheKey: string, cred: Credential, req: LeaseRequest): Promise<CacheEntry> {
    const pending: PendingMint = {
      agent: req.agent,
      service: req.service,
      credential: cred.name,
      cancelled: false,
    };
    this.pending.add(pending);
    try {
      let p = this.inflight.get(cacheKey);
      if (!p) {
        p = this.deps.minter.mint(cred, req).then((t) => {
          this.deps.redactor.add([t.value]);
          return { ...t, agent: req.agent, service: req.service, credential: cred.name };
        });
        this.inflight.set(cacheKey, p);
        void p.then(
          (entry) => {
            this.inflight.delete(cacheKey);
            if (!pending.cancelled && this.deps.exists(cred.name)) this.remember(cacheKey, entry);
            else void entry.revoke?.();
          },
          () => this.inflight.delete(cacheKey),
        );
      }
      const entry = await p;
      if (pending.cancelled) {
        throw new GatehouseError(
          'lease_revoked',
          `Leases of credential "${cred.name}" were revoked while this one was minted.`,
          409,
        );
      }
      return entry;
    } finally {
      this.pending.delete(pending);
    }
  }

  /** Caches a token; past 10k entries, tokens already due for refresh are dropped (they would be re-minted anyway). */
  private remember(cacheKey: string, entry: CacheEntry): void {
    // Above 10k entries, sweep tokens already due for refresh, at most once per 1024 inserts (amortised O(1)).
    if (this.cache.size >= 10_000 && ++this.inserts % 1024 === 0) {
      const now = this.deps.now();
      for (const [k, e] of this.cache) if (e.refreshAtMs <= now) this.cache.delete(k);
    }
    this.cache.set(cacheKey, entry);
  }
}
