/**
 * Refusals as values the pipeline's stages can throw: `Refused` carries the reply's status,
 * code, reason and rule; the fail-closed refusals every door words alike; `internal` turns an
 * unexpected failure into one.
 */
import { isGatehouseError } from '../../../shared/errors.js';
import type { Refusal } from './deny.js';

/** Thrown inside the pipeline to refuse a request; turned into a reply in the agent's protocol. */
export class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

export const refuse = (status: number, code: string, reason: string, rule: string): Refused =>
  new Refused({ status, code, reason, rule });

/** No policy engine: nothing is allowed. */
export const noPolicy = (): Refusal => ({
  status: 503,
  code: 'policy_unavailable',
  reason: 'No policy engine is loaded, so nothing is allowed.',
  rule: 'policy-unavailable',
});

/** No ledger: nothing is forwarded unrecorded. */
export const noLedger = (): Refusal => ({
  status: 503,
  code: 'ledger_unavailable',
  reason: 'The audit ledger is not running, so nothing is forwarded.',
  rule: 'ledger',
});

/** The durable request event could not be written: nothing was forwarded. */
export const ledgerUnwritable = (): Refusal => ({
  status: 503,
  code: 'ledger_unavailable',
  reason: 'The audit ledger cannot write, so the request was not forwarded.',
  rule: 'ledger',
});

/** An unexpected failure as a refusal: the error's own code where it has one, never its internals. */
export function internal(e: unknown): Refusal {
  if (isGatehouseError(e))
    return { status: e.status >= 400 ? e.status : 500, code: e.code, reason: e.message, rule: 'gateway' };
  return {
    status: 500,
    code: 'internal',
    reason: 'The gateway failed on this request; nothing was forwarded.',
    rule: 'gateway',
  };
}
