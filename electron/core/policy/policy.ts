import type { LedgerEventInput } from '../../../shared/events.js';
import type { Db } from '../db/database.js';
import type { LiveBus } from '../live/bus.js';
import { Approvals } from './approvals.js';
import type { RecentRequests } from './dry-run.js';
import { PolicyEngine } from './engine.js';
import { Guardrails } from './guardrails.js';
import { Limits, type EngageKill } from './limits.js';

export interface PolicyOptions {
  db: Db;
  live?: LiveBus;
  audit?: (e: LedgerEventInput) => void;
  engageKill?: EngageKill;
  defaultPolicy?: string;
  now?: () => Date;
}

/**
 * The policy component as the composition root sees it: the engine plus the limits,
 * guardrails and approvals configured from its live document (and reconfigured on every apply).
 */
export class Policy {
  readonly engine: PolicyEngine;
  readonly limits: Limits;
  readonly guardrails: Guardrails;
  readonly approvals: Approvals;
  /** Recorded requests for dry-runs; the gateway installs its ledger-backed source. */
  recent: RecentRequests | undefined;
  /** Where configuration and approval events go; the ledger is installed once it is open. */
  audit: ((e: LedgerEventInput) => void) | undefined;
  private readonly dispose: () => void;

  private constructor(opts: PolicyOptions) {
    this.audit = opts.audit;
    const audit = (e: LedgerEventInput) => this.audit?.(e);
    this.engine = PolicyEngine.open({ ...opts, audit });
    const doc = this.engine.document;
    const common = {
      ...(opts.engageKill ? { engageKill: opts.engageKill } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    };
    this.limits = new Limits(opts.db, doc.limits, common);
    this.guardrails = new Guardrails(doc.guardrails, common);
    this.approvals = new Approvals({
      engine: this.engine,
      audit,
      ...(opts.live ? { live: opts.live } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.dispose = this.engine.onChange((d) => {
      this.limits.configure(d.limits);
      this.guardrails.configure(d.guardrails);
    });
  }

  static open(opts: PolicyOptions): Policy {
    return new Policy(opts);
  }

  /** For `onExhausted: kill` and guardrail kill thresholds, once the kill switch exists. */
  setEngageKill(fn: EngageKill | undefined): void {
    this.limits.setEngageKill(fn);
    this.guardrails.setEngageKill(fn);
  }

  close(): void {
    this.dispose();
    this.approvals.close();
    this.limits.close();
  }
}
