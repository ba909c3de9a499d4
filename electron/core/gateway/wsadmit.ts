import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { isGatehouseError } from '../../../shared/errors.js';
import type { Agent } from '../agents/registry.js';
import type { Refusal } from './deny.js';
import type { GatewayDeps } from './deps.js';
import { injectCredential, upstreamHeaders } from './headers.js';
import type { Target } from './route.js';

/** Thrown while admitting a WebSocket upgrade or one of its messages. */
export class WsRefused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

export const wsRefuse = (status: number, code: string, reason: string, rule: string): WsRefused =>
  new WsRefused({ status, code, reason, rule });

/**
 * The upgrade request as it goes upstream: the agent's auth and hop-by-hop headers dropped
 * (upstreamHeaders), the upgrade re-requested, no extension offered (so frames stay readable:
 * no permessage-deflate), and the service's leased credential injected.
 */
export async function upgradeHeaders(
  deps: GatewayDeps,
  req: IncomingMessage,
  agent: Agent,
  target: Target,
  label: string,
): Promise<{ headers: OutgoingHttpHeaders; path: string; leased: string[] }> {
  const headers = upstreamHeaders(req.headers);
  delete headers['sec-websocket-extensions'];
  delete headers['accept-encoding'];
  headers.connection = 'Upgrade';
  headers.upgrade = 'websocket';
  let path = target.url!.pathname + target.url!.search;
  const leased: string[] = [];
  const binding = target.service?.credential;
  if (!binding) return { headers, path, leased };
  const vault = deps.vault;
  if (!vault)
    throw wsRefuse(
      503,
      'vault_unavailable',
      'This service needs a credential and the vault is not running.',
      'vault',
    );
  if (vault.locked)
    throw wsRefuse(503, 'vault_locked', 'The vault is locked: unlock it to use this service.', 'vault');
  try {
    const lease = await vault.lease({
      agent: agent.id,
      service: target.serviceName,
      credential: binding.credential,
      operation: label,
    });
    leased.push(lease.value);
    path = injectCredential(headers, path, binding.inject, lease.value);
  } catch (e) {
    const code = isGatehouseError(e) ? e.code : 'lease_failed';
    const msg = isGatehouseError(e) ? e.message : 'The vault could not lease the credential.';
    throw wsRefuse(isGatehouseError(e) && e.status < 500 && e.status !== 404 ? 403 : 503, code, msg, 'vault');
  }
  return { headers, path, leased };
}

/** The 101 the agent gets: the upstream's handshake headers, minus cookies and extensions. */
export function switchingProtocols(upstream: IncomingMessage, secrets: string[]): string {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade'];
  const raw = upstream.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'upgrade' || lower === 'connection' || lower === 'set-cookie') continue;
    if (lower === 'sec-websocket-extensions' || lower === 'content-length' || lower === 'transfer-encoding')
      continue;
    let value = raw[i + 1]!;
    for (const s of secrets)
      if (s.length >= 6 && value.includes(s)) value = value.split(s).join('[REDACTED]');
    lines.push(`${name}: ${value.replace(/[\r\n]/g, ' ')}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}
