import type {
  AuthorizationAnswer,
  CedarValueJson,
  EntityJson,
  StatefulAuthorizationCall,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyDecision, PolicyRequest } from '../../../../shared/policy/request.js';
import type { CedarExport, CedarRuleMeta } from './export.js';

/**
 * A PolicyRequest as a Cedar authorization call (the model is described in export.ts), and a
 * Cedar answer back as a PolicyDecision. Values Cedar cannot hold are left out of the context:
 * null, non-integer numbers, and the keys `__entity` / `__extn` (which Cedar's JSON would read as
 * entity references or extension values).
 */

const MAX_DEPTH = 16;

function cedarValue(v: unknown, depth: number): CedarValueJson | undefined {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (depth >= MAX_DEPTH || v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    const out: CedarValueJson[] = [];
    for (const x of v) {
      const c = cedarValue(x, depth + 1);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  const out: Record<string, CedarValueJson> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '__entity' || k === '__extn') continue;
    const c = cedarValue(x, depth + 1);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/**
 * Views of scalar leaves keyed by their dotted path: `num` holds integers (numbers and numeric
 * text, for min/max), `txt` the text of strings, numbers and booleans (for glob/notGlob, which
 * the YAML engine applies to a number's text too).
 */
function leaves(
  v: unknown,
  path: string,
  out: { num: Record<string, number>; txt: Record<string, string> },
  depth: number,
): void {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') {
    if (!path) return;
    out.txt[path] = String(v);
    if (typeof v === 'boolean' || (typeof v === 'string' && v.trim() === '')) return;
    const n = Number(v);
    if (Number.isSafeInteger(n)) out.num[path] = n;
    return;
  }
  if (depth >= MAX_DEPTH || v === null || typeof v !== 'object' || Array.isArray(v)) return;
  for (const [k, x] of Object.entries(v)) leaves(x, path ? `${path}.${k}` : k, out, depth + 1);
}

export function cedarCall(
  req: PolicyRequest,
  policySetId: string,
): StatefulAuthorizationCall & { entities: EntityJson[] } {
  const op = req.operation;
  const m: Record<string, string> =
    op.type === 'llm'
      ? { provider: op.provider.toLowerCase() }
      : op.type === 'mcp'
        ? { method: op.method ?? 'tools/call' }
        : { method: op.method.toLowerCase(), host: op.host.toLowerCase() };
  const views = { num: {} as Record<string, number>, txt: {} as Record<string, string> };
  leaves(op, '', views, 0);
  const principal = { type: 'Agent', id: req.agent.id };
  const resource = { type: 'Service', id: req.service.name };
  return {
    principal,
    action: { type: 'Action', id: op.type },
    resource,
    context: { op: cedarValue(op, 0) ?? {}, m, ...views },
    preparsedPolicySetId: policySetId,
    entities: [
      {
        uid: principal,
        attrs: {
          id: req.agent.id,
          name: req.agent.name ?? '',
          template: req.agent.template,
          labels: cedarValue(req.agent.labels ?? {}, 0) ?? {},
        },
        parents: [],
      },
      { uid: resource, attrs: { name: req.service.name, kind: req.service.kind }, parents: [] },
    ],
  };
}

function firstOf(metas: CedarRuleMeta[]): CedarRuleMeta | undefined {
  let best: CedarRuleMeta | undefined;
  for (const r of metas) if (!best || r.order < best.order) best = r;
  return best;
}

/** Cedar's answer as the YAML engine would have put it: same precedence, same deciding rule. */
export function cedarDecision(
  answer: AuthorizationAnswer,
  exp: CedarExport,
  version: number,
): PolicyDecision {
  if (answer.type !== 'success')
    return { effect: 'deny', rule: 'policy-error', reason: 'Cedar could not evaluate the request.', version };
  const satisfied = answer.response.diagnostics.reason
    .map((id) => exp.rules[id])
    .filter((r): r is CedarRuleMeta => r !== undefined);
  const verdict = (effect: PolicyDecision['effect'], r: CedarRuleMeta): PolicyDecision => ({
    effect,
    rule: r.id,
    reason: `${effect} by rule ${r.id}`,
    version,
  });
  if (answer.response.decision === 'deny') {
    const deny = firstOf(satisfied.filter((r) => r.effect === 'deny'));
    return deny
      ? verdict('deny', deny)
      : { effect: 'deny', rule: 'default-deny', reason: 'No rule allows it (deny by default).', version };
  }
  const approve = firstOf(satisfied.filter((r) => r.effect === 'approve'));
  if (approve) {
    const settle = firstOf(satisfied.filter((r) => r.settlesApproval));
    if (settle) return verdict('allow', settle);
    return { ...verdict('approve', approve), approvalTimeoutSeconds: approve.approvalTimeoutSeconds };
  }
  const allow = firstOf(satisfied.filter((r) => r.effect === 'allow'));
  if (!allow)
    return { effect: 'deny', rule: 'policy-error', reason: 'Cedar allowed without a reason.', version };
  return verdict('allow', allow);
}
