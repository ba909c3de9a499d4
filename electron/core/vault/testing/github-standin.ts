import { randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A GitHub API stand-in on 127.0.0.1 for the App installation-token endpoints. It verifies the
 * App JWT (RS256, iss, iat/exp window) with the app's PUBLIC key, refuses repositories and
 * permissions the installation does not have, and issues scoped tokens it can later revoke.
 */
export interface IssuedToken {
  token: string;
  repositories: string[] | 'all';
  permissions: Record<string, string>;
  revoked: boolean;
}

export interface GithubStandIn {
  apiUrl: string;
  issued: IssuedToken[];
  rejectedJwts: number;
  close(): Promise<void>;
}

export async function startGithubStandIn(opts: {
  appId: string;
  installationId: string;
  publicKey: KeyObject;
  repositories: string[];
  permissions: Record<string, 'read' | 'write'>;
}): Promise<GithubStandIn> {
  const state: { issued: IssuedToken[]; rejectedJwts: number } = { issued: [], rejectedJwts: 0 };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const jwtValid = (auth: string | undefined): boolean => {
    const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(auth ?? '');
    if (!m) return false;
    const [, h, p, s] = m as unknown as [string, string, string, string];
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
        iss?: unknown;
        iat?: number;
        exp?: number;
      };
      if (header.alg !== 'RS256') return false;
      if (!verify('sha256', Buffer.from(`${h}.${p}`), opts.publicKey, Buffer.from(s, 'base64url')))
        return false;
      const now = Math.floor(Date.now() / 1000);
      if (String(claims.iss) !== opts.appId) return false;
      if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return false;
      if (claims.iat > now + 60 || claims.exp <= now || claims.exp - claims.iat > 600) return false;
      return true;
    } catch {
      return false;
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (req.method === 'DELETE' && url === '/installation/token') {
        const token = /^token (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const t = state.issued.find((i) => i.token === token && !i.revoked);
        if (!t) return json(res, 401, { message: 'Bad credentials' });
        t.revoked = true;
        return res.writeHead(204).end();
      }
      const m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url);
      if (req.method !== 'POST' || !m) return json(res, 404, { message: 'Not Found' });
      if (!jwtValid(req.headers.authorization)) {
        state.rejectedJwts++;
        return json(res, 401, { message: 'A JSON web token could not be decoded' });
      }
      if (m[1] !== opts.installationId) return json(res, 404, { message: 'Not Found' });
      let body: { repositories?: string[]; permissions?: Record<string, string> } = {};
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as typeof body) : {};
      } catch {
        return json(res, 400, { message: 'Problems parsing JSON' });
      }
      const repos = body.repositories;
      if (repos?.some((r) => !opts.repositories.includes(r))) {
        return json(res, 422, {
          message: 'There is at least one repository that does not exist or is not accessible',
        });
      }
      const rank = { read: 1, write: 2 } as Record<string, number>;
      const perms = body.permissions ?? opts.permissions;
      for (const [k, v] of Object.entries(perms)) {
        const have = opts.permissions[k];
        if (!have || (rank[v] ?? 9) > (rank[have] ?? 0)) {
          return json(res, 422, {
            message: `The permissions requested are not granted to this installation.`,
          });
        }
      }
      const issued: IssuedToken = {
        token: `ghs_${randomBytes(18).toString('base64url')}`,
        repositories: repos ?? 'all',
        permissions: perms,
        revoked: false,
      };
      state.issued.push(issued);
      json(res, 201, {
        token: issued.token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: perms,
        repository_selection: repos ? 'selected' : 'all',
        ...(repos ? { repositories: repos.map((name) => ({ name, full_name: `acme/${name}` })) } : {}),
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get issued() {
      return state.issued;
    },
    get rejectedJwts() {
      return state.rejectedJwts;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
