import { readFileSync } from 'node:fs';
import type { LedgerEventInput } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { PolicyDocument, PolicyProblem } from '../../../shared/policy/schema.js';
import type { PolicyAgent, PolicyDecision, PolicyRequest } from '../../../shared/policy/request.js';
import type { Db } from '../db/database.js';
import type { LiveBus } from '../live/bus.js';
import { CompiledPolicy } from './compile.js';
import { lineDiff } from './diff.js';
import { dryRun, type DryRunReport, type RecentRequests } from './dry-run.js';
import { formatProblems, parsePolicy } from './parse.js';
import { PolicyStore, type PolicyVersionRow } from './store.js';

export type { Operation, PolicyDecision, PolicyRequest } from '../../../shared/policy/request.js';
export type { RecentRequests } from './dry-run.js';

export const DEFAULT_POLICY_FILE = new URL('../../../resources/policy/default.yaml', import.meta.url);

export interface PolicyEngineOptions {
  db: Db;
  live?: LiveBus;
  /** Configuration changes (applied, rolled back, shadow set) go to the ledger through this. */
  audit?: (e: LedgerEventInput) => void;
  /** The policy installed as version 1 on first start. */
  defaultPolicy?: string;
  now?: () => Date;
}

export interface ChangeMeta {
  author: string;
  note?: string;
}

export type PolicyVersionInfo = Omit<PolicyVersionRow, 'yaml'> & { rules: number };

const policyError = (version: number): PolicyDecision => ({
  effect: 'deny',
  rule: 'policy-error',
  reason: 'The policy could not be evaluated for this request, so it was denied (fail closed).',
  version,
});

/**
 * The live policy. decide() is synchronous and reads one immutable CompiledPolicy snapshot, so
 * apply() swaps the reference: requests already decided (or held for approval) carry on, new
 * requests see the new version. A shadow draft, if set, is evaluated beside the live policy
 * and reported in `observed`, never enforced.
 */
export class PolicyEngine {
  private live: CompiledPolicy;
  private liveYaml: string;
  private shadow: CompiledPolicy | undefined;
  private readonly listeners = new Set<(doc: PolicyDocument, version: number) => void>();
  private readonly ruleCounts = new Map<number, number>();

  private constructor(
    private readonly store: PolicyStore,
    private readonly opts: PolicyEngineOptions,
  ) {
    let row = store.latest();
    if (!row) {
      const yaml = opts.defaultPolicy ?? readFileSync(DEFAULT_POLICY_FILE, 'utf8');
      this.mustParse(yaml); // a broken shipped default must fail loudly, not install
      row = {
        version: 1,
        yaml,
        author: 'gatehouse',
        createdAt: this.now(),
        note: 'default policy',
        diff: '',
        rollbackOf: null,
      };
      store.insert(row);
    }
    const parsed = parsePolicy(row.yaml);
    // A stored version was valid when applied; if a newer schema rejects it, fail closed (deny all).
    this.live = new CompiledPolicy(parsed.ok ? parsed.document : emptyDocument(), row.version);
    this.liveYaml = row.yaml;
    if (!parsed.ok) {
      opts.audit?.({
        kind: 'error',
        operation: 'policy.load',
        status: 'error',
        summary: `Policy version ${row.version} no longer validates (${formatProblems(parsed.problems)}); everything is denied until a valid policy is applied.`,
      });
    }
    const shadow = store.shadow();
    const shadowParsed = shadow ? parsePolicy(shadow.yaml) : undefined;
    this.shadow = shadowParsed?.ok ? new CompiledPolicy(shadowParsed.document, 0) : undefined;
  }

  static open(opts: PolicyEngineOptions): PolicyEngine {
    return new PolicyEngine(new PolicyStore(opts.db), opts);
  }

  get version(): number {
    return this.live.version;
  }

  get document(): PolicyDocument {
    return this.live.document;
  }

  get yaml(): string {
    return this.liveYaml;
  }

  decide(req: PolicyRequest): PolicyDecision {
    const live = this.live;
    let decision: PolicyDecision;
    try {
      decision = live.decide(req);
    } catch {
      return policyError(live.version);
    }
    if (this.shadow) {
      let shadowed: PolicyDecision;
      try {
        shadowed = this.shadow.decide(req);
      } catch {
        shadowed = policyError(0);
      }
      (decision.observed ??= []).push({ effect: shadowed.effect, rule: shadowed.rule, source: 'shadow' });
    }
    return decision;
  }

  /**
   * False if the agent could never reach this MCP item under the live policy (hide it from
   * tools/list, resources/list, prompts/list). `kind` picks the method rules are matched on.
   */
  canSee(
    agent: PolicyAgent,
    service: { name: string; kind: string },
    server: string,
    tool: string,
    kind: 'tool' | 'resource' | 'prompt' = 'tool',
  ): boolean {
    const method = kind === 'resource' ? 'resources/read' : kind === 'prompt' ? 'prompts/get' : 'tools/call';
    try {
      return this.live.canReach({
        agent,
        service,
        operation: { type: 'mcp', server, tool, method, arguments: {} },
      });
    } catch {
      return false;
    }
  }

  validate(yaml: string): { ok: boolean; problems: PolicyProblem[] } {
    const r = parsePolicy(yaml);
    return r.ok ? { ok: true, problems: [] } : { ok: false, problems: r.problems };
  }

  /** Validates, stores and activates a new version. An invalid policy throws and changes nothing. */
  apply(yaml: string, meta: ChangeMeta, rollbackOf: number | null = null): PolicyVersionInfo {
    const document = this.mustParse(yaml);
    const version = this.live.version + 1;
    const compiled = new CompiledPolicy(document, version);
    const row: PolicyVersionRow = {
      version,
      yaml,
      author: meta.author,
      createdAt: this.now(),
      note: meta.note ?? '',
      diff: lineDiff(this.liveYaml, yaml),
      rollbackOf,
    };
    this.store.insert(row);
    this.ruleCounts.set(version, document.rules.length);
    this.live = compiled;
    this.liveYaml = yaml;
    this.changed(rollbackOf === null ? 'policy applied' : `policy rolled back to version ${rollbackOf}`, row);
    return this.info(row);
  }

  /** Rollback is a new version with an old version's text, so history only ever grows. */
  rollback(version: number, meta: ChangeMeta): PolicyVersionInfo {
    const row = this.store.get(version);
    if (!row)
      throw new GatehouseError('policy_version_not_found', `There is no policy version ${version}.`, 404);
    return this.apply(
      row.yaml,
      { author: meta.author, note: meta.note ?? `rollback to version ${version}` },
      version,
    );
  }

  history(limit = 50): PolicyVersionInfo[] {
    return this.store.history(limit).map((r) => this.info(r));
  }

  get(version?: number): PolicyVersionRow {
    const row = version === undefined ? this.store.latest() : this.store.get(version);
    if (!row)
      throw new GatehouseError('policy_version_not_found', `There is no policy version ${version}.`, 404);
    return row;
  }

  /** Runs a whole draft policy in observe mode beside the live one (undefined clears it). */
  setShadow(yaml: string | undefined, meta: ChangeMeta): void {
    if (yaml === undefined) {
      this.store.setShadow(undefined);
      this.shadow = undefined;
    } else {
      const doc = this.mustParse(yaml);
      this.store.setShadow({ yaml, author: meta.author, createdAt: this.now(), note: meta.note ?? '' });
      this.shadow = new CompiledPolicy(doc, 0);
    }
    this.opts.audit?.({
      kind: 'config',
      operation: yaml === undefined ? 'policy.shadow.clear' : 'policy.shadow.set',
      summary: yaml === undefined ? 'shadow policy cleared' : 'shadow policy set',
      payload: { author: meta.author, note: meta.note ?? '' },
    });
    this.opts.live?.publish('policy.changed', {
      version: this.live.version,
      shadow: this.shadow !== undefined,
    });
  }

  get shadowYaml(): string | undefined {
    return this.shadow ? this.store.shadow()?.yaml : undefined;
  }

  /** Dry-run: the draft against recorded requests, reporting every decision that would change. */
  test(yaml: string, requests: readonly PolicyRequest[] | RecentRequests, last = 200): DryRunReport {
    const draft = new CompiledPolicy(this.mustParse(yaml), this.live.version + 1);
    const list = Array.isArray(requests) ? requests : (requests as RecentRequests).recent(last);
    return dryRun(this.live, draft, list);
  }

  /** Called with the new document after every apply (limits and guardrails reconfigure from it). */
  onChange(fn: (doc: PolicyDocument, version: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private mustParse(yaml: string): PolicyDocument {
    const r = parsePolicy(yaml);
    if (!r.ok) {
      throw new GatehouseError(
        'policy_invalid',
        `The policy is invalid: ${formatProblems(r.problems)}`,
        400,
        {
          problems: r.problems,
        },
      );
    }
    return r.document;
  }

  private changed(what: string, row: PolicyVersionRow): void {
    for (const fn of this.listeners) fn(this.live.document, row.version);
    this.opts.audit?.({
      kind: 'config',
      operation: 'policy.apply',
      status: 'ok',
      summary: `${what}: version ${row.version}${row.note ? ` (${row.note})` : ''}`,
      payload: { version: row.version, author: row.author, note: row.note, rollbackOf: row.rollbackOf },
    });
    this.opts.live?.publish('policy.changed', { version: row.version });
  }

  /** Versions never change, so each one's rule count is parsed once. */
  private info(row: PolicyVersionRow): PolicyVersionInfo {
    let rules = this.ruleCounts.get(row.version);
    if (rules === undefined) {
      const parsed = parsePolicy(row.yaml);
      rules = parsed.ok ? parsed.document.rules.length : 0;
      this.ruleCounts.set(row.version, rules);
    }
    const { yaml: _yaml, ...rest } = row;
    return { ...rest, rules };
  }

  private now(): string {
    return (this.opts.now?.() ?? new Date()).toISOString();
  }
}

function emptyDocument(): PolicyDocument {
  return { policy: 1, defaults: { approvalTimeoutSeconds: 120 }, rules: [], limits: [], guardrails: [] };
}
