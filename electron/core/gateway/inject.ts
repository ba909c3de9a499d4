/**
 * Credentials on the way out: the agent's auth and hop-by-hop headers never go upstream
 * (`upstreamHeaders`); the service's bound credential is leased from the vault per request and
 * injected per its template. Fail closed: vault missing, locked or refusing the lease → `Refused`.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { isGatehouseError } from '../../../shared/errors.js';
import type { Agent } from '../agents/registry.js';
import type { HttpCall } from './call.js';
import type { GatewayDeps } from './deps.js';
import { injectCredential, upstreamHeaders } from './headers.js';
import { refuse } from './refusals.js';
import type { Target } from './route.js';

/** The request as it goes upstream, less its body. */
export interface Outbound {
  headers: OutgoingHttpHeaders;
  /** Path and query, with a query-injected credential. */
  path: string;
  /** Values leased for this request: never echoed back to the agent. */
  leased: string[];
}

/** Headers and path for the upstream request of an HTTP call whose body is `bodyBytes` long. */
export async function outbound(
  deps: GatewayDeps,
  call: HttpCall,
  label: string,
  bodyBytes: number,
): Promise<Outbound> {
  const headers = upstreamHeaders(call.req.headers);
  const { path, leased } = await leaseCredential(
    deps,
    call.ctx.agent,
    call.target,
    label,
    headers,
    call.target.url!.pathname + call.target.url!.search,
  );
  if (bodyBytes) headers['content-length'] = bodyBytes;
  return { headers, path, leased };
}

/**
 * Leases the service's credential (if it has a binding) and injects it into `headers` (changed
 * in place) or the returned path. A service without a binding gets no auth at all.
 */
export async function leaseCredential(
  deps: GatewayDeps,
  agent: Agent,
  target: Target,
  label: string,
  headers: OutgoingHttpHeaders,
  path: string,
): Promise<{ path: string; leased: string[] }> {
  const leased: string[] = [];
  const binding = target.service?.credential;
  if (!binding) return { path, leased };
  const vault = deps.vault;
  if (!vault)
    throw refuse(
      503,
      'vault_unavailable',
      'This service needs a credential and the vault is not running.',
      'vault',
    );
  if (vault.locked)
    throw refuse(503, 'vault_locked', 'The vault is locked: unlock it to use this service.', 'vault');
  try {
    const lease = await vault.lease({
      agent: agent.id,
      service: target.serviceName,
      credential: binding.credential,
      operation: label,
    });
    leased.push(lease.value);
    return { path: injectCredential(headers, path, binding.inject, lease.value), leased };
  } catch (e) {
    const code = isGatehouseError(e) ? e.code : 'lease_failed';
    const msg = isGatehouseError(e) ? e.message : 'The vault could not lease the credential.';
    throw refuse(isGatehouseError(e) && e.status < 500 && e.status !== 404 ? 403 : 503, code, msg, 'vault');
  }
}
