import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { InjectTemplate } from '../../../shared/api/services.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus proxy ones; never forwarded. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * Headers that carry credentials. The agent's values (placeholders inside a sandbox, the
 * gateway key on the host door) never go upstream; the leased credential is injected instead.
 */
const CREDENTIAL = new Set(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie']);

export function upstreamHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionListed = new Set(
    String(incoming.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP.has(name) || CREDENTIAL.has(name) || connectionListed.has(name)) continue;
    if (name.startsWith('x-gatehouse-')) continue;
    out[name] = value;
  }
  // Bodies must be readable by guardrails and the adapters: ask for identity encoding.
  out['accept-encoding'] = 'identity';
  return out;
}

export function responseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || (HOP.has(name) && name !== 'content-length') || name === 'set-cookie')
      continue;
    out[name] = value;
  }
  return out;
}

/** Puts the leased value where the service's template says. Returns the (possibly new) path. */
export function injectCredential(
  headers: OutgoingHttpHeaders,
  path: string,
  template: InjectTemplate,
  value: string,
): string {
  switch (template.type) {
    case 'header':
      headers[template.name.toLowerCase()] = (template.prefix ?? '') + value;
      return path;
    case 'basic':
      headers.authorization = 'Basic ' + Buffer.from(`${template.username}:${value}`).toString('base64');
      return path;
    case 'query': {
      const u = new URL(path, 'http://x');
      u.searchParams.set(template.name, value);
      return u.pathname + u.search;
    }
  }
}

/** The gateway key a host agent presents: Proxy-Authorization (Basic or Bearer), bearer, or x-api-key. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const proxy = headers['proxy-authorization'];
  if (typeof proxy === 'string') {
    const [scheme, rest = ''] = proxy.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') return rest.trim();
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(rest.trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const user = i < 0 ? decoded : decoded.slice(0, i);
      const pass = i < 0 ? '' : decoded.slice(i + 1);
      return pass.startsWith('ghk_') ? pass : user;
    }
  }
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string') return apiKey.trim();
  return undefined;
}
