import type { KillScope, killProcedures } from '../../../shared/api/kill.js';
import type { Handlers } from '../api/registry.js';
import type { KillSwitch } from './killswitch.js';

export interface KillHandlerDeps {
  /** Maps an agent name (as typed in the CLI) to its id; unknown names are kept as given. */
  resolveAgent?: (nameOrId: string) => string | undefined;
}

export function killHandlers(ks: KillSwitch, deps: KillHandlerDeps = {}): Handlers<typeof killProcedures> {
  const status = () => ({ engaged: ks.list(), sandboxAction: ks.sandboxAction });
  const resolve = (scope: KillScope): KillScope =>
    'agent' in scope ? { ...scope, agent: deps.resolveAgent?.(scope.agent) ?? scope.agent } : scope;
  return {
    'kill.status': () => status(),
    'kill.engage': (input, ctx) => ks.engageAndReport(resolve(input.scope), ctx.actor, input.reason),
    'kill.release': async (input, ctx) => ({
      released: await ks.release(resolve(input.scope), ctx.actor, { resumeSandboxes: input.resumeSandboxes }),
      status: status(),
    }),
    'kill.configure': (input) => {
      ks.setSandboxAction(input.sandboxAction);
      return status();
    },
  };
}
