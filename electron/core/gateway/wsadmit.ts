/**
 * What a WebSocket upgrade sends upstream and answers the agent: the upgrade request's headers
 * (credential leased and injected) and the 101 relayed back.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Agent } from '../agents/registry.js';
import type { GatewayDeps } from './deps.js';
import { upstreamHeaders } from './headers.js';
import { leaseCredential } from './inject.js';
import type { Target } from './route.js';

/**
 * The upgrade request as it goes upstream: the agent's auth and hop-by-hop headers dropped
 * (upstreamHeaders), the upgrade re-requested, no extension offered (so frames stay readable:
 * no permessage-deflate), and the service's leased credential injected (`leaseCredential`:
 * fail closed, throws `Refused`).
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
  const { path, leased } = await leaseCredential(
    deps,
    agent,
    target,
    label,
    headers,
    target.url!.pathname + target.url!.search,
  );
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
