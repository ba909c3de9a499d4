import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The demo scenarios' "project API", served by the demo provider under /api/. It wants a bearer
 * token that lives only in the vault (credential `demo-api-token`): the gateway injects it, the
 * agent never sees it. Any route answers when the token is right — stopping the rogue agent's
 * DELETE is the policy's job, not this server's.
 */
export function handleDemoApi(req: IncomingMessage, res: ServerResponse, token: string | undefined): void {
  const presented = String(req.headers.authorization ?? '').replace(/^Bearer /i, '');
  const ok =
    token !== undefined &&
    presented.length === token.length &&
    timingSafeEqual(Buffer.from(presented), Buffer.from(token));
  req.resume();
  const path = (req.url ?? '/').replace(/^\/api/, '').split('?')[0];
  if (!ok) return send(res, 401, { error: 'missing or wrong API token' });
  if (req.method === 'GET' && path === '/status')
    return send(res, 200, {
      status: 'green',
      deploys: 3,
      openIncidents: 0,
      checkedAt: new Date().toISOString(),
    });
  send(res, 200, { ok: true, method: req.method, path });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
