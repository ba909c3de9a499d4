import { GatehouseError } from '../../../shared/errors.js';
import type { Credential } from './credential.js';
import type { LeaseRequest } from './leases.js';

/** Why a lease cannot be issued, as errors the agent (through the gateway) and the console can act on. */

export function lockedError(problem: { code: string; message: string } | undefined): GatehouseError {
  return new GatehouseError(
    'vault_locked',
    problem
      ? `The vault is locked (${problem.code}): ${problem.message}`
      : 'The vault is locked: unlock it with `gatehouse vault unlock` (or in the console) and retry.',
    503,
  );
}

/** The credential, if a lease can be issued from it; otherwise the reason, as an error. */
export function usable(cred: Credential | undefined, req: LeaseRequest): Credential {
  if (!cred) {
    throw new GatehouseError(
      'credential_not_found',
      `Service "${req.service}" is bound to credential "${req.credential}", which does not exist (deleted?). Create it with \`gatehouse vault set ${req.credential}\` or bind the service to another credential.`,
      424,
    );
  }
  if (cred.state === 'corrupt') {
    throw new GatehouseError(
      'vault_corrupt',
      `Credential "${cred.name}" failed its integrity check; rotate or re-create it.`,
      500,
    );
  }
  if (cred.state === 'reconnect_needed') {
    throw new GatehouseError(
      'credential_reconnect_needed',
      `Credential "${cred.name}" must be reconnected: \`gatehouse vault connect ${cred.name}\` or Vault → Reconnect in the console.`,
      424,
    );
  }
  return cred;
}
