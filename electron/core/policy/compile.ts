import type { PolicyDocument, PolicyRule } from '../../../shared/policy/schema.js';
import {
  describeOperation,
  type ObservedDecision,
  type PolicyDecision,
  type PolicyRequest,
} from '../../../shared/policy/request.js';
import { compileWhen } from './conditions.js';
import { compileGlobs, type StringTest } from './glob.js';

type Effect = PolicyDecision['effect'];
type OpType = 'llm' | 'mcp' | 'http';
type RequestTest = (r: PolicyRequest) => boolean;

export interface CompiledRule {
  readonly id: string;
  readonly effect: Effect;
  readonly observe: boolean;
  readonly order: number;
  readonly reason: string;
  readonly settlesApproval: boolean;
  readonly approvalTimeoutSeconds: number;
  /** Whether the rule can apply to this (operation type, service, service kind, agent template) cell. */
  readonly selects: (op: OpType, service: string, kind: string, template: string) => boolean;
  /** The rest of the rule's tests (the cell already guarantees what `selects` checks). */
  readonly test: RequestTest;
  /** The same test without `when` conditions (what an agent could ever reach). */
  readonly reachable: RequestTest;
}

/** Candidate rules for one (operation type, service) cell, pre-split by what they do, in document order. */
interface Cell {
  deny: CompiledRule[];
  approve: CompiledRule[];
  settle: CompiledRule[];
  allow: CompiledRule[];
  observe: CompiledRule[];
}

const MAX_CELLS = 20_000;

/**
 * A policy document compiled for decide(): each rule becomes one closure of precompiled tests,
 * and rules are indexed by cell — (operation type, service name, service kind, agent
 * template) — so a decision only runs the rules that could apply. A cell is built on first use
 * (services and templates are few and come from Gatehouse's own registries, not from agents)
 * and lives as long as this compiled version. Precedence: any matching deny wins, then approve
 * (unless an allow rule with settlesApproval matches), then allow, else default-deny.
 */
export class CompiledPolicy {
  readonly rules: CompiledRule[];
  private readonly cells = new Map<string, Cell>();

  constructor(
    readonly document: PolicyDocument,
    readonly version: number,
  ) {
    const timeout = document.defaults.approvalTimeoutSeconds;
    this.rules = document.rules.map((r, i) => compileRule(r, i, timeout));
  }

  private cell(req: PolicyRequest): Cell {
    const op = req.operation.type;
    const { name, kind } = req.service;
    const template = req.agent.template;
    const key = `${op}\u0000${name}\u0000${kind}\u0000${template}`;
    let cell = this.cells.get(key);
    if (!cell) {
      if (this.cells.size >= MAX_CELLS) this.cells.clear();
      cell = { deny: [], approve: [], settle: [], allow: [], observe: [] };
      for (const r of this.rules) {
        if (!r.selects(op, name, kind, template)) continue;
        if (r.observe) cell.observe.push(r);
        else if (r.effect === 'allow') (r.settlesApproval ? cell.settle : cell.allow).push(r);
        else cell[r.effect].push(r);
      }
      // A settling allow is also an allow: merged back in document order for the plain-allow step.
      cell.allow = [...cell.allow, ...cell.settle].sort((a, b) => a.order - b.order);
      this.cells.set(key, cell);
    }
    return cell;
  }

  decide(req: PolicyRequest): PolicyDecision {
    const cell = this.cell(req);
    const decision = this.enforce(cell, req);
    if (cell.observe.length) {
      const observed: ObservedDecision[] = [];
      for (const r of cell.observe)
        if (r.test(req)) observed.push({ effect: r.effect, rule: r.id, source: 'rule' });
      if (observed.length) decision.observed = observed;
    }
    return decision;
  }

  private enforce(cell: Cell, req: PolicyRequest): PolicyDecision {
    const deny = first(cell.deny, req);
    if (deny) return this.verdict('deny', deny);
    const approve = first(cell.approve, req);
    if (approve) {
      const settle = first(cell.settle, req);
      if (settle) return this.verdict('allow', settle);
      return { ...this.verdict('approve', approve), approvalTimeoutSeconds: approve.approvalTimeoutSeconds };
    }
    const allow = first(cell.allow, req);
    if (allow) return this.verdict('allow', allow);
    return {
      effect: 'deny',
      rule: 'default-deny',
      reason: `No rule allows ${describeOperation(req.operation)} for agent ${req.agent.id} on service ${req.service.name} (deny by default).`,
      version: this.version,
    };
  }

  private verdict(effect: Effect, r: CompiledRule): PolicyDecision {
    return { effect, rule: r.id, reason: r.reason, version: this.version };
  }

  /**
   * Whether an agent could ever be allowed (or asked about) a request like this one, ignoring
   * `when` conditions: used to hide MCP tools an agent may never call from tools/list.
   */
  canReach(req: PolicyRequest): boolean {
    const cell = this.cell(req);
    const hardDeny = cell.deny.some((r) => r.test(req) && r.reachable === r.test);
    if (hardDeny) return false;
    return cell.approve.some((r) => r.reachable(req)) || cell.allow.some((r) => r.reachable(req));
  }
}

function first(rules: readonly CompiledRule[], req: PolicyRequest): CompiledRule | undefined {
  for (const r of rules) if (r.test(req)) return r;
  return undefined;
}

function compileRule(rule: PolicyRule, order: number, defaultTimeout: number): CompiledRule {
  const tests: RequestTest[] = [];
  const a = rule.agent;
  if (a?.id !== undefined) pushString(tests, compileGlobs(a.id), (r) => r.agent.id);
  if (a?.name !== undefined) pushString(tests, compileGlobs(a.name), (r) => r.agent.name ?? '');
  if (a?.labels) {
    const wanted = Object.entries(a.labels).map(([k, g]) => [k, compileGlobs(g)] as const);
    tests.push((r) => {
      const labels = r.agent.labels ?? {};
      return wanted.every(([k, g]) => Object.hasOwn(labels, k) && g(labels[k] as string));
    });
  }
  const serviceTest = rule.service !== undefined ? compileGlobs(rule.service) : undefined;
  const kindTest = rule.serviceKind !== undefined ? compileGlobs(rule.serviceKind) : undefined;
  const templateTest = a?.template !== undefined ? compileGlobs(a.template) : undefined;

  let opType: OpType | undefined;
  if (rule.llm) {
    opType = 'llm';
    const { model, provider } = rule.llm;
    if (model !== undefined) pushOp(tests, 'llm', compileGlobs(model), (op) => op.model);
    if (provider !== undefined)
      pushOp(tests, 'llm', compileGlobs(provider, { caseInsensitive: true }), (op) => op.provider);
  } else if (rule.mcp) {
    opType = 'mcp';
    const { server, tool, method } = rule.mcp;
    if (server !== undefined) pushOp(tests, 'mcp', compileGlobs(server), (op) => op.server);
    if (tool !== undefined) pushOp(tests, 'mcp', compileGlobs(tool), (op) => op.tool);
    const m = compileGlobs(method ?? 'tools/call');
    pushOp(tests, 'mcp', m, (op) => op.method ?? 'tools/call');
  } else if (rule.http) {
    opType = 'http';
    const { method, host, path } = rule.http;
    if (method !== undefined)
      pushOp(tests, 'http', compileGlobs(method, { caseInsensitive: true }), (op) => op.method);
    if (host !== undefined)
      pushOp(tests, 'http', compileGlobs(host, { caseInsensitive: true }), (op) => op.host);
    if (path !== undefined) pushOp(tests, 'http', compileGlobs(path, { segments: true }), (op) => op.path);
  }
  const reachable = all([...tests]);
  const when = compileWhen(rule.when, rule.effect === 'deny' ? 'some' : 'every');
  const test = when ? all([...tests, (r) => when(r.operation)]) : reachable;
  return {
    id: rule.id,
    effect: rule.effect,
    observe: rule.mode === 'observe',
    order,
    reason: rule.description ?? `${rule.effect} by rule ${rule.id}`,
    settlesApproval: rule.settlesApproval === true,
    approvalTimeoutSeconds: rule.approvalTimeoutSeconds ?? defaultTimeout,
    selects: (op, service, kind, template) =>
      (opType === undefined || opType === op) &&
      (!serviceTest || serviceTest(service)) &&
      (!kindTest || kindTest(kind)) &&
      (!templateTest || templateTest(template)),
    test,
    reachable,
  };
}

function pushString(tests: RequestTest[], g: StringTest, read: (r: PolicyRequest) => string): void {
  tests.push((r) => g(read(r)));
}

type OpOf<T extends OpType> = Extract<PolicyRequest['operation'], { type: T }>;
function pushOp<T extends OpType>(
  tests: RequestTest[],
  type: T,
  g: StringTest,
  read: (op: OpOf<T>) => string,
): void {
  tests.push((r) => r.operation.type === type && g(read(r.operation as OpOf<T>)));
}

function all(tests: RequestTest[]): RequestTest {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0] as RequestTest;
  return (r) => {
    for (const t of tests) if (!t(r)) return false;
    return true;
  };
}
