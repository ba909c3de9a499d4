import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * On-behalf-of connections: authorization code + PKCE (RFC 7636) with a loopback redirect
 * (RFC 8252 §7.3). Each connection gets its own listener on 127.0.0.1:<random>, unref'd so it
 * never keeps the process alive, closed after the callback or the timeout.
 */

export type ConnectState = 'pending' | 'connected' | 'failed' | 'expired';

export interface ConnectFlow {
  id: string;
  credential: string;
  state: ConnectState;
  error?: string;
  authorizeUrl: string;
  redirectUri: string;
  expiresAt: string;
}

export interface ConnectRequest {
  credential: string;
  authorizeUrl: string;
  clientId: string;
  scopes?: string[];
  authorizeParams?: Record<string, string>;
  timeoutMs: number;
  /** Exchanges the code (the vault stores the refresh token). Throws with a user-facing message. */
  complete(code: string, codeVerifier: string, redirectUri: string): Promise<void>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;margin:3em">` +
  `<h1>${title}</h1><p>${text}</p></body>`;

export class ConnectFlows {
  private readonly flows = new Map<string, ConnectFlow & { server?: Server }>();

  async start(req: ConnectRequest): Promise<ConnectFlow> {
    for (const [id, f] of this.flows) {
      if (f.state !== 'pending' && Date.parse(f.expiresAt) < Date.now() - 3600_000) this.flows.delete(id);
    }
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(24).toString('base64url');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    const port = (server.address() as AddressInfo).port;
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const url = new URL(req.authorizeUrl);
    const params: Record<string, string> = {
      ...req.authorizeParams,
      response_type: 'code',
      client_id: req.clientId,
      redirect_uri: redirectUri,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    if (req.scopes?.length) params.scope = req.scopes.join(' ');
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);

    const flow: ConnectFlow & { server?: Server } = {
      id: randomUUID(),
      credential: req.credential,
      state: 'pending',
      authorizeUrl: url.href,
      redirectUri,
      expiresAt: new Date(Date.now() + req.timeoutMs).toISOString(),
      server,
    };
    this.flows.set(flow.id, flow);
    const timer = setTimeout(
      () => this.finish(flow, 'expired', 'The connection timed out; start it again.'),
      req.timeoutMs,
    );
    timer.unref();

    server.on('request', (httpReq, res) => {
      const u = new URL(httpReq.url ?? '/', redirectUri);
      if (u.pathname !== '/callback' || flow.state !== 'pending') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
        return;
      }
      const got = Buffer.from(u.searchParams.get('state') ?? '');
      const want = Buffer.from(state);
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        res
          .writeHead(400, { 'content-type': 'text/html' })
          .end(PAGE('Not connected', 'The sign-in answer did not match this request.'));
        return; // a stray or forged callback does not end the flow
      }
      const oauthError = u.searchParams.get('error');
      const code = u.searchParams.get('code');
      if (oauthError || !code) {
        const reason = /^[\w.-]{1,64}$/.test(oauthError ?? '') ? oauthError : 'no code';
        res
          .writeHead(400, { 'content-type': 'text/html' })
          .end(PAGE('Not connected', `The provider answered: ${reason}.`));
        clearTimeout(timer);
        this.finish(flow, 'failed', `The provider refused the authorization (${reason}).`);
        return;
      }
      req.complete(code, verifier, redirectUri).then(
        () => {
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(PAGE('Connected', 'Gatehouse is connected. You can close this window.'));
          clearTimeout(timer);
          this.finish(flow, 'connected');
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : 'the code exchange failed';
          res
            .writeHead(502, { 'content-type': 'text/html' })
            .end(PAGE('Not connected', 'The code exchange failed.'));
          clearTimeout(timer);
          this.finish(flow, 'failed', message);
        },
      );
    });
    return this.view(flow);
  }

  status(id: string): ConnectFlow | undefined {
    const f = this.flows.get(id);
    return f ? this.view(f) : undefined;
  }

  /** Closes every listener (core shutdown). */
  close(): void {
    for (const f of this.flows.values())
      if (f.state === 'pending') this.finish(f, 'expired', 'Gatehouse shut down.');
  }

  private finish(flow: ConnectFlow & { server?: Server }, state: ConnectState, error?: string): void {
    if (flow.state !== 'pending') return;
    flow.state = state;
    if (error) flow.error = error;
    flow.server?.close();
    flow.server?.closeIdleConnections();
    delete flow.server;
  }

  private view(f: ConnectFlow): ConnectFlow {
    return {
      id: f.id,
      credential: f.credential,
      state: f.state,
      authorizeUrl: f.authorizeUrl,
      redirectUri: f.redirectUri,
      expiresAt: f.expiresAt,
      ...(f.error ? { error: f.error } : {}),
    };
  }
}
