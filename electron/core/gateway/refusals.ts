import { isGatehouseError } from '../../../shared/errors.js';
import type { Refusal } from './deny.js';

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
