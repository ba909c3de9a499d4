import type { vaultProcedures } from '../../../shared/api/vault.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Handlers } from '../api/registry.js';
import type { Vault } from './vault.js';

/** The vault's control API. Inputs may carry secret values; outputs never do (the contract has no field for one). */
export function vaultHandlers(vault: Vault): Handlers<typeof vaultProcedures> {
  return {
    'vault.status': () => vault.status(),
    'vault.list': () => ({ credentials: vault.list() }),
    'vault.set': (input, ctx) =>
      vault.set(
        {
          name: input.name,
          config: input.config,
          ...(input.value !== undefined ? { value: input.value } : {}),
          ...(input.clientSecret !== undefined ? { clientSecret: input.clientSecret } : {}),
        },
        ctx.actor,
      ),
    'vault.rotate': (input, ctx) =>
      vault.rotate(
        {
          name: input.name,
          value: input.value,
          ...(input.clientSecret !== undefined ? { clientSecret: input.clientSecret } : {}),
        },
        ctx.actor,
      ),
    'vault.delete': (input, ctx) => vault.delete(input.name, ctx.actor),
    'vault.connect.start': async (input) => {
      const f = await vault.connectStart(input.name, input.timeoutSeconds);
      return { id: f.id, authorizeUrl: f.authorizeUrl, redirectUri: f.redirectUri, expiresAt: f.expiresAt };
    },
    'vault.connect.status': (input) => {
      const f = vault.connectStatus(input.id);
      if (!f) throw new GatehouseError('not_found', `No connection with id ${input.id}.`, 404);
      return { id: f.id, credential: f.credential, state: f.state, ...(f.error ? { error: f.error } : {}) };
    },
    'vault.leases': (input) => ({
      leases: vault.leases({
        ...(input.agent ? { agent: input.agent } : {}),
        ...(input.credential ? { credential: input.credential } : {}),
      }),
    }),
    'vault.revoke': (input) => ({
      revoked: vault.revokeAll({
        ...(input.agent ? { agent: input.agent } : {}),
        ...(input.service ? { service: input.service } : {}),
      }),
    }),
    'vault.unlock': (input) => vault.unlock(input.passphrase),
  };
}
