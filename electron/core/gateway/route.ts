import type { IncomingMessage } from 'node:http';
import type { Service, ServiceKind } from '../../../shared/api/services.js';
import type { Dialect, Refusal } from './deny.js';
import { UNREGISTERED, type ServiceStore } from './services.js';

/** Where a request is going, whichever door and form it arrived in. */
export interface Target {
  route: 'llm' | 'svc' | 'mcp' | 'proxy' | 'intercept' | 'gate';
  /** Undefined for traffic to a host no service answers for (service name 'internet'). */
  service: Service | undefined;
  serviceName: string;
  kind: ServiceKind;
  dialect: Dialect;
  /** The upstream URL (unset for /mcp and /gate). */
  url?: URL;
  /** The path as the service sees it, for adapter selection (/v1/messages, ...). */
  servicePath: string;
}

export class RouteError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

const bad = (code: string, reason: string, status = 400, rule = 'gateway-input'): RouteError =>
  new RouteError({ status, code, reason, rule });

/** An intercepted TLS connection: requests on it are origin-form for this host. */
export interface InterceptedHost {
  host: string;
  port: number;
}

export function resolveTarget(
  req: IncomingMessage,
  services: ServiceStore,
  intercepted?: InterceptedHost,
): Target {
  const raw = req.url ?? '/';
  if (intercepted) {
    const service = services.forHost(intercepted.host, intercepted.port);
    if (!service)
      throw bad('unknown_service', `No service answers for ${intercepted.host}.`, 403, 'default-deny');
    const { path, query } = checkedPath(raw);
    return forService('intercept', service, joinPath(new URL(service.baseUrl).origin, '', path, query), path);
  }
  if (/^https?:\/\//i.test(raw)) {
    if (/^https:/i.test(raw))
      throw bad('use_connect', 'Send https:// requests through CONNECT, not absolute-form.');
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw bad('bad_url', 'The request URL could not be parsed.');
    }
    if (u.username || u.password) throw bad('bad_url', 'Credentials in proxy URLs are not accepted.');
    const port = Number(u.port || 80);
    const { path, query } = checkedPath(u.pathname + u.search);
    const service = services.forHost(u.hostname, port);
    if (service)
      return forService('proxy', service, joinPath(new URL(service.baseUrl).origin, '', path, query), path);
    return {
      route: 'proxy',
      service: undefined,
      serviceName: UNREGISTERED,
      kind: 'http',
      dialect: 'http',
      url: new URL(path + query, `http://${u.host}`),
      servicePath: path,
    };
  }
  if (!raw.startsWith('/')) throw bad('bad_url', 'The request target is not a path or an http:// URL.');
  const { path, query } = checkedPath(raw);
  const segs = path.split('/').slice(1);
  const head = segs[0];
  // Every /mcp* path (Streamable HTTP at /mcp, legacy SSE at /mcp/sse + /mcp/messages) goes to the hub.
  if (head === 'mcp') {
    return {
      route: 'mcp',
      service: undefined,
      serviceName: 'mcp',
      kind: 'mcp',
      dialect: 'mcp',
      servicePath: path,
    };
  }
  if (head === 'gate') {
    return {
      route: 'gate',
      service: undefined,
      serviceName: 'gate',
      kind: 'http',
      dialect: 'http',
      servicePath: path,
    };
  }
  if ((head === 'llm' || head === 'svc') && segs[1]) {
    const name = segs[1];
    const service = head === 'llm' ? services.forLlmRoute(name) : services.get(name);
    if (!service) {
      throw bad('unknown_service', `No service named "${name}" is registered.`, 404, 'default-deny');
    }
    const rest = '/' + segs.slice(2).join('/');
    const base = new URL(service.baseUrl);
    return forService(head, service, joinPath(base.origin, base.pathname, rest, query), rest);
  }
  throw bad(
    'unknown_route',
    `Nothing is served at ${path.slice(0, 80)}: use /llm/<provider>/, /svc/<service>/ or /mcp.`,
    404,
    'gateway-route',
  );
}

function forService(route: Target['route'], service: Service, url: URL, servicePath: string): Target {
  return {
    route,
    service,
    serviceName: service.name,
    kind: service.kind,
    dialect: service.kind,
    url,
    servicePath,
  };
}

/** Rejects dot segments, encoded slashes and NULs in any form, so /svc/x/../y cannot escape x. */
function checkedPath(raw: string): { path: string; query: string } {
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q);
  if (path.includes('\\')) throw bad('path_traversal', 'Backslashes are not allowed in paths.');
  for (const seg of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      throw bad('bad_path', 'The path has an invalid percent-encoding.');
    }
    if (decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded) || decoded.includes('..%')) {
      throw bad('path_traversal', 'Path traversal is not allowed.');
    }
  }
  return { path: path || '/', query };
}

function joinPath(origin: string, basePath: string, rest: string, query: string): URL {
  const base = basePath.replace(/\/+$/, '');
  return new URL(origin + base + (rest.startsWith('/') ? rest : '/' + rest) + query);
}
