import { killScopeSchema, type KillScope } from '../../../shared/api/kill.js';

export { killScopeSchema, type KillScope };

/** A stable key per scope (the primary key of its row), so engaging twice is one switch. */
export function scopeKey(scope: KillScope): string {
  switch (scope.kind) {
    case 'global':
      return 'global';
    case 'agent':
      return `agent:${scope.agent}`;
    case 'service':
      return `service:${scope.service}`;
    case 'agent-service':
      return `agent-service:${scope.agent}\u0000${scope.service}`;
  }
}

/**
 * Whether `scope` covers traffic of `agent` to `service`. Without a service (e.g. "is this
 * sandbox in scope?"), an agent×service switch does not cover the agent as a whole.
 */
export function scopeCovers(scope: KillScope, agent: string | undefined, service?: string): boolean {
  switch (scope.kind) {
    case 'global':
      return true;
    case 'agent':
      return agent !== undefined && scope.agent === agent;
    case 'service':
      return service !== undefined && scope.service === service;
    case 'agent-service':
      return (
        agent !== undefined && service !== undefined && scope.agent === agent && scope.service === service
      );
  }
}

/** A line for logs, the CLI and the ledger summary. */
export function describeScope(scope: KillScope): string {
  switch (scope.kind) {
    case 'global':
      return 'everything';
    case 'agent':
      return `agent ${scope.agent}`;
    case 'service':
      return `service ${scope.service}`;
    case 'agent-service':
      return `agent ${scope.agent} on service ${scope.service}`;
  }
}
