import { afterEach, describe, expect, it } from 'vitest';
import { ControlApi } from '../api/registry.js';
import { vaultHandlers } from './handlers.js';
import { tempVault } from './testing/temp-vault.js';

const SECRET = 'sk-handlers-4c1d7e9a0b2f3e5d6c8a';
const ctx = { actor: 'tester' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function api(opts: Parameters<typeof tempVault>[0] = {}) {
  const t = await tempVault(opts);
  cleanups.push(t.cleanup);
  return { api: new ControlApi(vaultHandlers(t.vault)), vault: t.vault };
}

describe('vault control API (zod-validated in, contract-checked out)', () => {
  it('set / list / rotate / delete never return the value', async () => {
    const { api: a } = await api();
    const outputs: unknown[] = [];
    const call = async (name: string, input: unknown) => {
      const out = await a.call(name, input, ctx);
      outputs.push(out);
      return out;
    };
    expect(
      await call('vault.set', {
        name: 'openai',
        config: { kind: 'static', inject: { type: 'header', name: 'authorization', prefix: 'Bearer ' } },
        value: SECRET,
      }),
    ).toMatchObject({ name: 'openai', kind: 'static', state: 'ok', hint: 'sk-…6c8a' });
    await call('vault.list', {});
    await call('vault.status', {});
    await call('vault.rotate', { name: 'openai', value: `${SECRET}-2` });
    await call('vault.leases', {});
    expect(await call('vault.delete', { name: 'openai' })).toEqual({ deleted: true, leasesRevoked: 0 });
    expect(JSON.stringify(outputs)).not.toContain(SECRET.slice(3, -4));
  });

  it('refuses bad input with bad_input and a sentence naming the field', async () => {
    const { api: a } = await api();
    await expect(
      a.call('vault.set', { name: 'x y', config: { kind: 'static' }, value: 'v' }, ctx),
    ).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('name'),
    });
    await expect(
      a.call(
        'vault.set',
        { name: 'x', config: { kind: 'oauth-refresh', tokenUrl: 'ftp://x', clientId: 'c' }, value: 'v' },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'bad_input' });
    await expect(a.call('vault.set', { name: 'x', config: { kind: 'static' } }, ctx)).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('needs a value'),
    });
    await expect(a.call('vault.connect.status', { id: 'nope' }, ctx)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(a.call('vault.unlock', { passphrase: 'long enough pass' }, ctx)).rejects.toMatchObject({
      code: 'vault_not_passphrase',
    });
  });

  it('a plain-http token URL that is not loopback is refused at lease time, without leaking the secret', async () => {
    const { api: a, vault } = await api();
    await a.call(
      'vault.set',
      {
        name: 'cc',
        config: { kind: 'oauth-client-credentials', tokenUrl: 'http://idp.example/token', clientId: 'c' },
        value: SECRET,
      },
      ctx,
    );
    const err = await vault
      .lease({ agent: 'a', service: 's', operation: 'o', credential: 'cc' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credential_insecure_endpoint' });
    expect(String((err as Error).message)).not.toContain(SECRET);
  });
});
