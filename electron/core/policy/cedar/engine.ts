import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyDecision, PolicyRequest } from '../../../../shared/policy/request.js';
import type { PolicyDocument } from '../../../../shared/policy/schema.js';
import { exportCedar, type CedarExport } from './export.js';
import { cedarCall, cedarDecision } from './request.js';

let nextId = 0;

/**
 * The exported policy evaluated by Cedar (cedar-wasm), with the same decide() shape as the YAML
 * engine: used by the equivalence test and the benchmark, not on the gateway's path. The policy
 * set is parsed once (preparsePolicySet) and each decision is one statefulIsAuthorized call.
 */
export class CedarPolicy {
  readonly exported: CedarExport;
  private readonly id = `gatehouse-${nextId++}`;

  constructor(
    doc: PolicyDocument,
    readonly version = 0,
  ) {
    this.exported = exportCedar(doc);
    const parsed = preparsePolicySet(this.id, { staticPolicies: this.exported.policies });
    if (parsed.type !== 'success')
      throw new Error(
        `Cedar rejected the exported policy: ${parsed.errors.map((e) => e.message).join('; ')}`,
      );
  }

  decide(req: PolicyRequest): PolicyDecision {
    const call = cedarCall(req, this.id);
    return cedarDecision(statefulIsAuthorized(call), this.exported, this.version);
  }
}
