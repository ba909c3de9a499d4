import type { LedgerEventInput } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Db } from '../db/database.js';
import { describeScope, type KillScope } from './scope.js';
import { KillStore, type EngagedSwitch, type SandboxAction } from './store.js';

export type { KillScope } from './scope.js';
export type { EngagedSwitch, SandboxAction } from './store.js';
export { scopeCovers, scopeKey, describeScope } from './scope.js';

/** What a listener reports it cut, e.g. `{ streamsAborted: 12 }` or `{ leasesRevoked: 3 }`. */
export type KillCounts = Record<string, number>;

export interface EngageContext {
  who: string;
  reason: string;
  /** What the sandbox manager should do with sandboxes in scope (setting kill.sandboxAction). */
  sandboxAction: SandboxAction;
}
export interface ReleaseContext {
  who: string;
  /** Paused sandboxes are resumed only when the person releasing asks for it. */
  resumeSandboxes: boolean;
}

export type EngageListener = (
  scope: KillScope,
  ctx: EngageContext,
) => void | KillCounts | Promise<void | KillCounts>;
export type ReleaseListener = (
  scope: KillScope,
  ctx: ReleaseContext,
) => void | KillCounts | Promise<void | KillCounts>;

export interface EngageResult {
  engaged: EngagedSwitch;
  cut: KillCounts;
  /** Listeners that failed (their names or messages); the switch is engaged regardless. */
  problems: string[];
}

export interface KillSwitchOptions {
  db: Db;
  /** Ledger sink for 'kill' events (e.g. `(e) => ledger.append(e)`). */
  record?: (e: LedgerEventInput) => unknown;
  /** Live sink for 'kill.changed' (e.g. `(d) => live.publish('kill.changed', d)`). */
  publish?: (data: unknown) => void;
}

/**
 * The kill switch. `halted()` is a synchronous in-memory check the gateway makes on every
 * request; the state behind it is loaded from the core DB when the switch is opened (so an
 * engaged switch is in force before the gateway serves) and written, fsynced, before
 * `engage()` returns.
 */
export class KillSwitch {
  private global: EngagedSwitch | undefined;
  private readonly agents = new Map<string, EngagedSwitch>();
  private readonly services = new Map<string, EngagedSwitch>();
  private readonly pairs = new Map<string, EngagedSwitch>();
  private readonly engageListeners = new Set<EngageListener>();
  private readonly releaseListeners = new Set<ReleaseListener>();
  private readonly store: KillStore;

  private constructor(private readonly opts: KillSwitchOptions) {
    this.store = new KillStore(opts.db);
    for (const s of this.store.load()) this.remember(s);
  }

  static open(opts: KillSwitchOptions): KillSwitch {
    return new KillSwitch(opts);
  }

  /** The engaged scope that stops `agent` (optionally on `service`), or undefined. Sync and allocation-free. */
  halted(agent: string, service?: string): KillScope | undefined {
    if (this.global) return this.global.scope;
    const a = this.agents.get(agent);
    if (a) return a.scope;
    if (service === undefined) return undefined;
    const s = this.services.get(service);
    if (s) return s.scope;
    if (this.pairs.size === 0) return undefined;
    return this.pairs.get(pairKey(agent, service))?.scope;
  }

  /** Every engaged switch, global first. */
  list(): EngagedSwitch[] {
    return [
      ...(this.global ? [this.global] : []),
      ...this.agents.values(),
      ...this.services.values(),
      ...this.pairs.values(),
    ];
  }

  isEngaged(scope: KillScope): boolean {
    return this.lookup(scope) !== undefined;
  }

  get sandboxAction(): SandboxAction {
    return this.store.sandboxAction();
  }

  setSandboxAction(action: SandboxAction): void {
    this.store.setSandboxAction(action);
    this.changed();
  }

  /**
   * Engages `scope`: new requests in scope are refused from this moment, the state is on disk
   * when this resolves, and every listener (gateway in-flight abort, vault revocation, sandbox
   * pause/stop) has run. A failing listener does not undo the switch; it is reported.
   */
  async engage(scope: KillScope, who: string, reason = ''): Promise<void> {
    await this.engageAndReport(scope, who, reason);
  }

  async engageAndReport(scope: KillScope, who: string, reason = ''): Promise<EngageResult> {
    const existing = this.lookup(scope);
    const engaged: EngagedSwitch = {
      scope,
      who,
      reason: reason || existing?.reason || 'no reason given',
      engagedAt: existing?.engagedAt ?? new Date().toISOString(),
    };
    // Memory first, so new requests are refused from this instant, even if the disk write fails.
    this.remember(engaged);
    const ctx: EngageContext = { who, reason: engaged.reason, sandboxAction: this.store.sandboxAction() };
    // Listeners start now (the gateway's abort is synchronous, so in-flight streams are cut
    // before the fsync); slower ones (sandbox pause) are awaited after the state is on disk.
    const cutting = runListeners([...this.engageListeners], (fn) => fn(scope, ctx));
    // One turn of the event loop lets the sockets just destroyed actually close before the
    // (blocking) fsync below; engage() still returns only once the state is on disk.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      this.store.save(engaged);
    } catch (e) {
      await cutting;
      throw new GatehouseError(
        'kill_not_persisted',
        `The kill switch for ${describeScope(scope)} is engaged in this session but could not be saved (${errMessage(e)}); it will not survive a restart until saved.`,
        500,
      );
    }
    const { counts, problems } = await cutting;
    this.record({
      kind: 'kill',
      status: 'engaged',
      operation: 'engage',
      ...scopeFields(scope),
      summary: `Kill switch engaged for ${describeScope(scope)} by ${who}: ${engaged.reason}`,
      payload: { action: 'engage', scope, who, reason: engaged.reason, cut: counts, problems },
    });
    this.changed();
    return { engaged, cut: counts, problems };
  }

  /** Releases `scope` (only that exact scope). Resolves false when it was not engaged. */
  async release(scope: KillScope, who: string, opts: { resumeSandboxes?: boolean } = {}): Promise<boolean> {
    const existing = this.lookup(scope);
    if (!existing) return false;
    this.store.remove(scope);
    this.forget(scope);
    const ctx: ReleaseContext = { who, resumeSandboxes: opts.resumeSandboxes ?? false };
    const { counts, problems } = await runListeners([...this.releaseListeners], (fn) => fn(scope, ctx));
    this.record({
      kind: 'kill',
      status: 'released',
      operation: 'release',
      ...scopeFields(scope),
      summary: `Kill switch released for ${describeScope(scope)} by ${who}`,
      payload: {
        action: 'release',
        scope,
        who,
        engagedBy: existing.who,
        engagedAt: existing.engagedAt,
        resumed: counts,
        problems,
      },
    });
    this.changed();
    return true;
  }

  /** Called with each engaged scope; may return what it cut. Returns the dispose function. */
  onEngage(fn: EngageListener): () => void {
    this.engageListeners.add(fn);
    return () => this.engageListeners.delete(fn);
  }

  onRelease(fn: ReleaseListener): () => void {
    this.releaseListeners.add(fn);
    return () => this.releaseListeners.delete(fn);
  }

  private lookup(scope: KillScope): EngagedSwitch | undefined {
    switch (scope.kind) {
      case 'global':
        return this.global;
      case 'agent':
        return this.agents.get(scope.agent);
      case 'service':
        return this.services.get(scope.service);
      case 'agent-service':
        return this.pairs.get(pairKey(scope.agent, scope.service));
    }
  }

  private remember(s: EngagedSwitch): void {
    const scope = s.scope;
    if (scope.kind === 'global') this.global = s;
    else if (scope.kind === 'agent') this.agents.set(scope.agent, s);
    else if (scope.kind === 'service') this.services.set(scope.service, s);
    else this.pairs.set(pairKey(scope.agent, scope.service), s);
  }

  private forget(scope: KillScope): void {
    if (scope.kind === 'global') this.global = undefined;
    else if (scope.kind === 'agent') this.agents.delete(scope.agent);
    else if (scope.kind === 'service') this.services.delete(scope.service);
    else this.pairs.delete(pairKey(scope.agent, scope.service));
  }

  private record(e: LedgerEventInput): void {
    if (!this.opts.record) return;
    try {
      const r = this.opts.record(e);
      if (r instanceof Promise) r.catch(() => undefined);
    } catch {
      // The switch is engaged and persisted; a ledger failure must not undo or block it.
    }
  }

  private changed(): void {
    this.opts.publish?.({ engaged: this.list(), sandboxAction: this.store.sandboxAction() });
  }
}

function pairKey(agent: string, service: string): string {
  return `${agent}\u0000${service}`;
}

function scopeFields(scope: KillScope): { agent?: string; service?: string } {
  return {
    ...('agent' in scope ? { agent: scope.agent } : {}),
    ...('service' in scope ? { service: scope.service } : {}),
  };
}

async function runListeners<L>(
  listeners: L[],
  call: (l: L) => void | KillCounts | Promise<void | KillCounts>,
): Promise<{ counts: KillCounts; problems: string[] }> {
  const counts: KillCounts = {};
  const problems: string[] = [];
  // Call every listener synchronously first (the gateway's abort happens right here), then await the slow ones.
  const pending = listeners.map((l) => {
    try {
      return Promise.resolve(call(l));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
  for (const r of await Promise.allSettled(pending)) {
    if (r.status === 'rejected') problems.push(errMessage(r.reason));
    else if (r.value) for (const [k, v] of Object.entries(r.value)) counts[k] = (counts[k] ?? 0) + v;
  }
  return { counts, problems };
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
