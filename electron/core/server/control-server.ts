import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core } from '../app.js';
import { liveTopicSchema, type LiveTopic } from '../../../shared/api/live.js';
import { isGatehouseError } from '../../../shared/errors.js';
import { RequestGuard, TOKEN_COOKIE } from './guard.js';
import { serveStatic } from './static-files.js';
import { streamLive } from './sse.js';

const MAX_API_BODY = 8 * 1024 * 1024;

export interface ControlServer {
  url: string;
  consoleUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The headless console: the built React app and the control API on 127.0.0.1 behind a random
 * token. POST /api/<procedure> with a JSON body; GET /api/events for server-sent events.
 */
export async function startControlServer(
  core: Core,
  opts: { port: number; staticDir: string; host?: string },
): Promise<ControlServer> {
  const token = randomBytes(24).toString('base64url');
  const server: Server = createServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // SSE streams stay open
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const guard = new RequestGuard(token, port);
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const verdict = guard.check(req, url);
    if (!verdict.ok)
      return sendJson(res, verdict.status, { error: { code: 'forbidden', message: verdict.reason } });
    if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      // First page load: swap the token in the URL for a same-site cookie, then drop it from the address bar.
      res.writeHead(302, {
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname,
      });
      return res.end();
    }
    void route(core, req, res, url, opts.staticDir);
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const verdict = guard.check(req, url);
    const extra = core.routes.find((r) => r.upgrade && url.pathname.startsWith(r.prefix));
    if (!verdict.ok || !extra?.upgrade) {
      socket.end(`HTTP/1.1 ${verdict.ok ? 404 : verdict.status} Refused\r\nconnection: close\r\n\r\n`);
      return;
    }
    extra.upgrade(req, socket, head, url);
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    consoleUrl: `${url}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(core: Core, req: IncomingMessage, res: ServerResponse, url: URL, staticDir: string) {
  const extra = core.routes.find((r) => r.handle && url.pathname.startsWith(r.prefix));
  if (extra?.handle) return extra.handle(req, res, url);
  if (url.pathname === '/api/events' && req.method === 'GET') {
    const topics = url.searchParams.get('topics');
    const set = topics
      ? new Set(
          topics.split(',').flatMap((t) => (liveTopicSchema.safeParse(t).success ? [t as LiveTopic] : [])),
        )
      : undefined;
    return streamLive(core.live, res, set);
  }
  if (url.pathname === '/api' && req.method === 'GET')
    return sendJson(res, 200, { procedures: core.api.names() });
  if (url.pathname.startsWith('/api/')) {
    if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'method', message: 'Use POST.' } });
    const name = url.pathname.slice('/api/'.length);
    let input: unknown;
    try {
      input = await readJson(req);
    } catch (e) {
      return sendJson(res, 400, { error: { code: 'bad_json', message: (e as Error).message } });
    }
    try {
      const result = await core.api.call(name, input, { actor: 'console' });
      return sendJson(res, 200, { result });
    } catch (e) {
      if (isGatehouseError(e))
        return sendJson(res, e.status, { error: { code: e.code, message: e.message } });
      core.log.error('control api', name, e);
      return sendJson(res, 500, {
        error: { code: 'internal', message: 'Internal error; see the Gatehouse log.' },
      });
    }
  }
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return sendJson(res, 405, { error: { code: 'method', message: 'GET only.' } });
  serveStatic(staticDir, url.pathname, res);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_API_BODY) {
        reject(new Error(`Request body over ${MAX_API_BODY} bytes.`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new Error('The request body is not valid JSON.'));
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
