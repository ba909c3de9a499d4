import type { policyProcedures } from '../../../shared/api/policy.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Handlers } from '../api/registry.js';
import { redactSpans } from './guardrails.js';
import type { Policy } from './policy.js';

/** The policy, approvals, limits and guardrails procedures, over the Policy component. */
export function policyHandlers(policy: Policy): Handlers<typeof policyProcedures> {
  const { engine } = policy;
  return {
    'policy.get': ({ version }) => {
      const row = engine.get(version);
      return {
        version: row.version,
        yaml: row.yaml,
        author: row.author,
        createdAt: row.createdAt,
        note: row.note,
        live: row.version === engine.version,
        shadowYaml: engine.shadowYaml ?? null,
      };
    },
    'policy.validate': ({ yaml }) => engine.validate(yaml),
    'policy.apply': ({ yaml, note }, ctx) => engine.apply(yaml, { author: ctx.actor, note }),
    'policy.history': ({ limit }) => ({ versions: engine.history(limit) }),
    'policy.rollback': ({ version, note }, ctx) =>
      engine.rollback(version, { author: ctx.actor, ...(note !== undefined ? { note } : {}) }),
    'policy.test': ({ yaml, last, requests }) => {
      if (requests) return engine.test(yaml, requests);
      if (!policy.recent) {
        throw new GatehouseError(
          'no_recorded_requests',
          'No recorded requests are available to test against yet (the gateway has not started); pass requests explicitly.',
          409,
        );
      }
      return engine.test(yaml, policy.recent, last);
    },
    'policy.shadow': ({ yaml, note }, ctx) => {
      engine.setShadow(yaml ?? undefined, { author: ctx.actor, note });
      return { active: yaml !== null };
    },
    'approvals.list': () => ({ pending: policy.approvals.list() }),
    'approvals.answer': ({ id, decision, scope }, ctx) =>
      policy.approvals.answer(id, { decision, scope, who: ctx.actor }),
    'limits.status': () => ({ limits: policy.limits.status() }),
    'guardrails.test': ({ text, where }) => {
      // Scanned without an agent, so no kill thresholds count; every detection is redacted in
      // the answer (even flagged ones), so this never echoes a secret back to the console.
      const r = policy.guardrails.scan(text, where);
      return { action: r.action, detections: r.detections, redacted: redactSpans(text, r.detections, true) };
    },
  };
}
