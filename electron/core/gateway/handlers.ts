import type { gatewayProcedures } from '../../../shared/api/gateway.js';
import type { servicesProcedures } from '../../../shared/api/services.js';
import type { Handlers } from '../api/registry.js';
import type { GatewayComponent } from './component.js';

export function gatewayHandlers(
  c: GatewayComponent,
  audit?: (e: { kind: 'config'; summary: string; service?: string; payload?: unknown }) => void,
): Handlers<typeof gatewayProcedures & typeof servicesProcedures> {
  return {
    'gateway.stats': () => c.gateway.stats(),
    'gateway.inflight': () =>
      c.gateway.inFlight.list().map((e) => ({
        id: e.id,
        agent: e.agent,
        service: e.service,
        operation: e.operation,
        door: e.door,
        startedAt: new Date(e.startedAt).toISOString(),
      })),
    'gateway.ca': () => ({ certPem: c.ca.certPem, path: c.ca.certPath }),
    'services.list': () => c.services.list(),
    'services.add': ({ replace, ...s }, ctx) => {
      const service = c.services.add(s, { replace });
      audit?.({
        kind: 'config',
        service: service.name,
        summary: `service ${service.name} ${replace ? 'set' : 'added'} by ${ctx.actor}`,
        payload: { service: { ...service } },
      });
      return service;
    },
    'services.remove': ({ name }, ctx) => {
      const removed = c.services.remove(name);
      if (removed)
        audit?.({ kind: 'config', service: name, summary: `service ${name} removed by ${ctx.actor}` });
      return { removed };
    },
  };
}
