import type { Condition, PolicyDocument, PolicyRule } from '../../../../shared/policy/schema.js';
import { globsExpr, str, Unmappable } from './like.js';

/**
 * A compiled YAML policy as a Cedar policy set. The request model (see request.ts):
 *   principal = Agent::"<id>"   attrs { id, name, template, labels: { <k>: <v> } }
 *   action    = Action::"llm" | Action::"mcp" | Action::"http"
 *   resource  = Service::"<name>" attrs { name, kind }
 *   context   = { op: <the operation, as the YAML engine sees it>,
 *                 m: { provider, method, host } lowercased / defaulted matcher values,
 *                 num: { "<field.path>": <integer> } numeric views of numeric leaves (for min/max),
 *                 txt: { "<field.path>": <text> } text of scalar leaves (for glob/notGlob) }
 * Effects: deny → `forbid`; allow → `permit`; approve → `permit` annotated `@effect("approve")`.
 * Cedar's forbid-overrides-permit is our "deny wins"; the response's reasons (the satisfied
 * policies) then tell approve from allow: an approve permit among them, and no permit annotated
 * `@settlesApproval("true")`, means approve. Observe-mode rules are left out (Cedar has no shadow mode).
 */

export interface CedarRuleMeta {
  id: string;
  effect: 'allow' | 'deny' | 'approve';
  order: number;
  settlesApproval: boolean;
  approvalTimeoutSeconds: number;
}

export interface CedarExport {
  /** Cedar policy text, one statement per exported rule, each annotated with @id. */
  text: string;
  /** The same statements keyed by rule id (what isAuthorized takes as staticPolicies). */
  policies: Record<string, string>;
  rules: Record<string, CedarRuleMeta>;
  /** Rules that could not be expressed in Cedar, and why; they are not in `text`. */
  skipped: { rule: string; reason: string }[];
  /** Entities every request needs besides its agent and service (the three actions). */
  entities: { uid: { type: string; id: string }; attrs: Record<string, never>; parents: never[] }[];
}

export const CEDAR_ACTIONS = ['llm', 'mcp', 'http'] as const;

export function exportCedar(doc: PolicyDocument): CedarExport {
  const out: CedarExport = {
    text: '',
    policies: {},
    rules: {},
    skipped: [],
    entities: CEDAR_ACTIONS.map((id) => ({ uid: { type: 'Action', id }, attrs: {}, parents: [] })),
  };
  const chunks: string[] = [];
  doc.rules.forEach((rule, order) => {
    if (rule.mode === 'observe') {
      out.skipped.push({ rule: rule.id, reason: 'observe-mode rule (Cedar has no shadow mode)' });
      return;
    }
    try {
      const body = ruleStatement(rule);
      out.policies[rule.id] = body;
      out.rules[rule.id] = {
        id: rule.id,
        effect: rule.effect,
        order,
        settlesApproval: rule.settlesApproval === true,
        approvalTimeoutSeconds: rule.approvalTimeoutSeconds ?? doc.defaults.approvalTimeoutSeconds,
      };
      chunks.push(`@id(${str(rule.id)})\n${body}`);
    } catch (e) {
      if (!(e instanceof Unmappable)) throw e;
      out.skipped.push({ rule: rule.id, reason: e.message });
    }
  });
  out.text = chunks.join('\n\n') + (chunks.length ? '\n' : '');
  return out;
}

function ruleStatement(rule: PolicyRule): string {
  const conds: string[] = [];
  const a = rule.agent;
  if (a?.id !== undefined) conds.push(globsExpr('principal.id', a.id));
  if (a?.name !== undefined) conds.push(globsExpr('principal.name', a.name));
  if (a?.template !== undefined) conds.push(globsExpr('principal.template', a.template));
  for (const [k, g] of Object.entries(a?.labels ?? {}))
    conds.push(`(principal.labels has ${str(k)} && ${globsExpr(`principal.labels[${str(k)}]`, g)})`);
  if (rule.service !== undefined) conds.push(globsExpr('resource.name', rule.service));
  if (rule.serviceKind !== undefined) conds.push(globsExpr('resource.kind', rule.serviceKind));

  let action = 'action';
  if (rule.llm) {
    action = 'action == Action::"llm"';
    if (rule.llm.model !== undefined) conds.push(globsExpr('context.op.model', rule.llm.model));
    if (rule.llm.provider !== undefined)
      conds.push(globsExpr('context.m.provider', rule.llm.provider, { lower: true }));
  } else if (rule.mcp) {
    action = 'action == Action::"mcp"';
    if (rule.mcp.server !== undefined) conds.push(globsExpr('context.op.server', rule.mcp.server));
    if (rule.mcp.tool !== undefined) conds.push(globsExpr('context.op.tool', rule.mcp.tool));
    conds.push(globsExpr('context.m.method', rule.mcp.method ?? 'tools/call'));
  } else if (rule.http) {
    action = 'action == Action::"http"';
    const { method, host, path } = rule.http;
    if (method !== undefined) conds.push(globsExpr('context.m.method', method, { lower: true }));
    if (host !== undefined) conds.push(globsExpr('context.m.host', host, { lower: true }));
    if (path !== undefined) conds.push(globsExpr('context.op.path', path, { segments: true }));
  }
  for (const [field, cond] of Object.entries(rule.when ?? {})) conds.push(conditionExpr(field, cond));

  const effect = rule.effect === 'deny' ? 'forbid' : 'permit';
  const notes = [
    `@effect(${str(rule.effect)})`,
    ...(rule.settlesApproval ? ['@settlesApproval("true")'] : []),
  ];
  const live = conds.filter((c) => c !== 'true');
  const when = live.length ? `\nwhen {\n  ${live.join(' &&\n  ')}\n}` : '';
  return `${notes.join('\n')}\n${effect} (principal, ${action}, resource)${when};`;
}

/** `context.op has "a" && context.op["a"] has "b"`, and the access expression for the field. */
function fieldAccess(field: string): { has: string; get: string } {
  const parts = field.split('.');
  let get = 'context.op';
  const has: string[] = [];
  for (const p of parts) {
    has.push(`${get} has ${str(p)}`);
    get = `${get}[${str(p)}]`;
  }
  return { has: has.join(' && '), get };
}

const scalar = (v: string | number | boolean): string => (typeof v === 'string' ? str(v) : String(v));

/** YAML's equals: same type and value, or a text value equal to the number/boolean's text. */
function sameExpr(get: string, v: string | number | boolean | null): string {
  if (v === null) throw new Unmappable('equals: null (Cedar has no null)');
  if (typeof v === 'number' && !Number.isSafeInteger(v))
    throw new Unmappable(`non-integer number ${v} (Cedar has only 64-bit integers)`);
  if (typeof v === 'string') return `${get} == ${str(v)}`;
  return `(${get} == ${scalar(v)} || ${get} == ${str(String(v))})`;
}

/**
 * A `when` condition. Mapped: bare values, equals, in, glob, notGlob, min/max (integers, via
 * context.num), glob/notGlob (on scalars' text, via context.txt) and exists. Not mapped: regex (Cedar has no regular expressions). Array-valued
 * fields are a request-side limit: Cedar has no quantifiers, so an array where the rule expects
 * a string makes the Cedar policy error, i.e. not apply.
 */
function conditionExpr(field: string, cond: Condition): string {
  const { has, get } = fieldAccess(field);
  if (typeof cond !== 'object') return `(${has} && ${sameExpr(get, cond)})`;
  if (cond.regex !== undefined) throw new Unmappable(`regex condition on ${field} (Cedar has no regex)`);
  if (cond.exists === false) return `!(${has})`;
  const tests: string[] = [];
  if (cond.equals !== undefined) tests.push(sameExpr(get, cond.equals));
  if (cond.in) tests.push(`(${cond.in.map((v) => sameExpr(get, v)).join(' || ')})`);
  const txt = `context.txt[${str(field)}]`;
  const hasTxt = `context.txt has ${str(field)}`;
  if (cond.glob !== undefined) tests.push(`(${hasTxt} && ${globsExpr(txt, cond.glob, { segments: true })})`);
  if (cond.notGlob !== undefined)
    tests.push(`(${hasTxt} && !${wrap(globsExpr(txt, cond.notGlob, { segments: true }))})`);
  const num = `context.num[${str(field)}]`;
  for (const [op, bound] of [
    ['>=', cond.min],
    ['<=', cond.max],
  ] as const) {
    if (bound === undefined) continue;
    if (!Number.isSafeInteger(bound)) throw new Unmappable(`non-integer bound ${bound} on ${field}`);
    tests.push(`(context.num has ${str(field)} && ${num} ${op} ${bound})`);
  }
  return `(${[has, ...tests.filter((t) => t !== 'true')].join(' && ')})`;
}

const wrap = (e: string): string => (e.startsWith('(') ? e : `(${e})`);
