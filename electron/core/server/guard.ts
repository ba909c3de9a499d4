import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'gatehouse_token';

/**
 * The headless console's three checks, in order: the Host header must name this loopback
 * listener (defeats DNS rebinding), a browser Origin must be this same origin (no CORS, ever),
 * and the request must carry the token (bearer header, cookie, or ?token= on the first page load).
 */
export class RequestGuard {
  private readonly allowedHosts: Set<string>;
  private readonly tokenBuf: Buffer;

  constructor(
    readonly token: string,
    port: number,
  ) {
    this.allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
    this.tokenBuf = Buffer.from(token);
  }

  check(req: IncomingMessage, url: URL): { ok: true } | { ok: false; status: 401 | 403; reason: string } {
    const host = req.headers.host ?? '';
    if (!this.allowedHosts.has(host.toLowerCase())) {
      return { ok: false, status: 403, reason: 'This console only answers to its own loopback address.' };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowedHosts.has(originHost(origin))) {
      return { ok: false, status: 403, reason: 'Cross-origin requests are refused.' };
    }
    if (!this.hasToken(req, url)) {
      return {
        ok: false,
        status: 401,
        reason: 'Missing or wrong console token. Open the URL printed by `gatehouse serve`.',
      };
    }
    return { ok: true };
  }

  hasToken(req: IncomingMessage, url: URL): boolean {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && this.matches(auth.slice(7))) return true;
    const cookie = parseCookies(req.headers.cookie)[TOKEN_COOKIE];
    if (cookie !== undefined && this.matches(cookie)) return true;
    const query = url.searchParams.get('token');
    return query !== null && this.matches(query);
  }

  private matches(candidate: string): boolean {
    const buf = Buffer.from(candidate);
    return buf.length === this.tokenBuf.length && timingSafeEqual(buf, this.tokenBuf);
  }
}

function originHost(origin: string): string {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' ? u.host.toLowerCase() : '';
  } catch {
    return '';
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}
