import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGithubStandIn, type GithubStandIn } from './testing/github-standin.js';
import { tempVault } from './testing/temp-vault.js';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: typeof app) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let gh: GithubStandIn;
beforeAll(async () => {
  gh = await startGithubStandIn({
    appId: '4242',
    installationId: '77',
    publicKey: app.publicKey,
    repositories: ['widgets', 'gadgets'],
    permissions: { contents: 'write', issues: 'read' },
  });
});
afterAll(() => gh.close());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function vaultWith(privateKey: string) {
  const t = await tempVault();
  cleanups.push(t.cleanup);
  t.vault.set({
    name: 'gh',
    config: { kind: 'github-app', appId: '4242', installationId: '77', apiUrl: gh.apiUrl },
    value: privateKey,
  });
  return t.vault;
}

const req = {
  agent: 'coder',
  service: 'github',
  operation: 'http:POST api.github.com/repos/acme/widgets/issues',
};

describe('github-app: installation tokens minted per operation', () => {
  it('signs the App JWT with the app key and gets a token scoped to the named repositories and permissions', async () => {
    const v = await vaultWith(pem(app));
    expect(v.list()[0]?.hint).toBe('private key');
    const lease = await v.lease({
      ...req,
      credential: 'gh',
      scope: { repositories: ['acme/widgets'], permissions: { issues: 'read' } },
    });
    const issued = gh.issued.find((i) => i.token === lease.value);
    expect(issued).toMatchObject({ repositories: ['widgets'], permissions: { issues: 'read' } });
    expect(lease.scope).toBe('repositories=acme/widgets; permissions=issues:read');
    // Same scope → the cached token; another scope → a separate, separately scoped token.
    expect(
      (
        await v.lease({
          ...req,
          credential: 'gh',
          scope: { repositories: ['acme/widgets'], permissions: { issues: 'read' } },
        })
      ).value,
    ).toBe(lease.value);
    const other = await v.lease({
      ...req,
      credential: 'gh',
      scope: { repositories: ['gadgets'], permissions: { contents: 'read' } },
    });
    expect(other.value).not.toBe(lease.value);
    expect(gh.issued.find((i) => i.token === other.value)?.repositories).toEqual(['gadgets']);
  });

  it('asking for more than the installation has is refused with credential_scope_refused', async () => {
    const v = await vaultWith(pem(app));
    await expect(
      v.lease({
        ...req,
        credential: 'gh',
        scope: { repositories: ['widgets'], permissions: { issues: 'write' } },
      }),
    ).rejects.toMatchObject({ code: 'credential_scope_refused' });
    await expect(
      v.lease({ ...req, credential: 'gh', scope: { repositories: ['secret-repo'] } }),
    ).rejects.toMatchObject({
      code: 'credential_scope_refused',
    });
  });

  it('a JWT signed with the wrong key is rejected by the API (credential_rejected)', async () => {
    const v = await vaultWith(pem(other));
    const before = gh.rejectedJwts;
    await expect(v.lease({ ...req, credential: 'gh' })).rejects.toMatchObject({
      code: 'credential_rejected',
    });
    expect(gh.rejectedJwts).toBe(before + 1);
  });

  it('revocation (kill switch) drops the cached token and revokes it upstream', async () => {
    const v = await vaultWith(pem(app));
    const scope = { repositories: ['widgets'], permissions: { contents: 'read' } };
    const first = await v.lease({ ...req, credential: 'gh', scope });
    expect(v.revokeAll({ agent: 'coder' })).toBe(1);
    await vi.waitFor(() => expect(gh.issued.find((i) => i.token === first.value)?.revoked).toBe(true));
    const second = await v.lease({ ...req, credential: 'gh', scope });
    expect(second.value).not.toBe(first.value);
  });

  it('refuses a value that is not an RSA private key', async () => {
    await expect(vaultWith('not a pem')).rejects.toMatchObject({ code: 'bad_input' });
  });
});
