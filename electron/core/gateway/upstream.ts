import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { GatehouseError } from '../../../shared/errors.js';

export interface UpstreamOptions {
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Extra CA certificates (PEM) trusted for upstream TLS, on top of the system roots. */
  extraCaCerts?: string[];
  maxSocketsPerHost?: number;
}

/** Keep-alive connection pools to upstreams, with connect and idle timeouts. */
export class Upstream {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly opts: UpstreamOptions) {
    const pool = {
      keepAlive: true,
      maxSockets: opts.maxSocketsPerHost ?? 256,
      maxFreeSockets: 64,
      scheduling: 'lifo' as const,
    };
    this.httpAgent = new HttpAgent({ ...pool, timeout: opts.idleTimeoutMs });
    this.httpsAgent = new HttpsAgent({
      ...pool,
      timeout: opts.idleTimeoutMs,
      ...(opts.extraCaCerts?.length ? { ca: [...rootCertificates, ...opts.extraCaCerts] } : {}),
    });
  }

  request(url: URL, method: string, headers: OutgoingHttpHeaders): ClientRequest {
    const secure = url.protocol === 'https:';
    const options = {
      method,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (secure ? 443 : 80),
      path: url.pathname + url.search,
      headers: { ...headers, host: url.host },
      agent: secure ? this.httpsAgent : this.httpAgent,
    };
    const req = secure
      ? httpsRequest({ ...options, servername: isIpLiteral(url.hostname) ? '' : url.hostname })
      : httpRequest(options);
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () =>
          req.destroy(
            new GatehouseError('upstream_connect_timeout', `Connecting to ${url.host} timed out.`, 504),
          ),
        this.opts.connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    req.setTimeout(this.opts.idleTimeoutMs, () =>
      req.destroy(
        new GatehouseError(
          'upstream_idle_timeout',
          `${url.host} sent nothing for ${this.opts.idleTimeoutMs} ms.`,
          504,
        ),
      ),
    );
    return req;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

export function awaitResponse(req: ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
}

function isIpLiteral(h: string): boolean {
  return /^[\d.]+$/.test(h) || h.includes(':') || h.startsWith('[');
}
