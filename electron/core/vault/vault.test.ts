import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempLedger } from '../ledger/test-helpers.js';
import { KEY_FILE, keySourceFromEnv, memoryProvider } from './key-source.js';
import { ledgerProbe, tempVault } from './testing/temp-vault.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function vault(opts: Parameters<typeof tempVault>[0] = {}) {
  const t = await tempVault(opts);
  cleanups.push(t.cleanup);
  return t;
}

const CANARY = 'sk-canary-7f3a9c2e4b1d8f6a0e5c3b7d9a1f';
const req = { agent: 'agent-1', service: 'anthropic', operation: 'llm:claude' };
const staticCfg = { kind: 'static', inject: { type: 'header', name: 'x-api-key' } } as const;

/** Every file of a SQLite database, WAL and shared memory included. */
function dbFiles(file: string): Buffer[] {
  return [file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => readFileSync(f));
}

describe('static credentials and the encrypted store', () => {
  it('stores encrypted, lists a masked hint only, leases the value, survives a restart', async () => {
    const probe = ledgerProbe();
    const t = await vault({ ledger: probe });
    const info = t.vault.set({ name: 'anthropic', config: staticCfg, value: CANARY });
    expect(info.hint).toBe('sk-…1a1f'.replace('1a1f', CANARY.slice(-4)));
    expect(JSON.stringify(info)).not.toContain(CANARY);
    expect(JSON.stringify(t.vault.list())).not.toContain(CANARY);
    const lease = await t.vault.lease({ ...req, credential: 'anthropic' });
    expect(lease.value).toBe(CANARY);
    expect(t.vault.leaseActive(lease.id)).toBe(true);
    expect(probe.redactions).toContain(CANARY);
    const leaseEvents = probe.events.filter((e) => e.kind === 'lease');
    expect(leaseEvents).toHaveLength(1);
    expect(leaseEvents[0]).toMatchObject({ agent: 'agent-1', service: 'anthropic', status: 'ok' });
    expect(JSON.stringify(probe.events)).not.toContain(CANARY);
    for (const buf of dbFiles(t.dbFile)) expect(buf.includes(CANARY)).toBe(false);
    // The key file is 0600 and the restart reads the same key.
    expect(statSync(join(t.dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = await t.reopen();
    expect((await again.vault.lease({ ...req, credential: 'anthropic' })).value).toBe(CANARY);
  });

  it('warns loudly when the key lives in a file', async () => {
    const lines: string[] = [];
    const t = await vault({ warn: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/WARNING: .*plain file/);
    expect(t.vault.status().warning).toMatch(/plain file/);
  });

  it('rotate revokes outstanding leases and leases the new value; delete leaves a clear error for bound services', async () => {
    const t = await vault();
    t.vault.set({ name: 'k', config: staticCfg, value: 'first-value-123456' });
    const old = await t.vault.lease({ ...req, credential: 'k' });
    t.vault.rotate({ name: 'k', value: 'second-value-654321' });
    expect(t.vault.leaseActive(old.id)).toBe(false);
    expect((await t.vault.lease({ ...req, credential: 'k' })).value).toBe('second-value-654321');
    expect(t.vault.delete('k')).toEqual({ deleted: true, leasesRevoked: 1 });
    const err = await t.vault.lease({ ...req, credential: 'k' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credential_not_found' });
    expect((err as Error).message).toContain('Service "anthropic" is bound to credential "k"');
    expect((err as Error).message).not.toContain('second-value');
  });

  it('revokeAll by agent revokes only that agent’s leases', async () => {
    const t = await vault();
    t.vault.set({ name: 'k', config: staticCfg, value: CANARY });
    const a = await t.vault.lease({ ...req, credential: 'k' });
    const b = await t.vault.lease({ ...req, agent: 'agent-2', credential: 'k' });
    expect(
      t.vault
        .leases()
        .map((l) => l.agent)
        .sort(),
    ).toEqual(['agent-1', 'agent-2']);
    expect(t.vault.revokeAll({ agent: 'agent-1' })).toBe(1);
    expect(t.vault.leaseActive(a.id)).toBe(false);
    expect(t.vault.leaseActive(b.id)).toBe(true);
    expect(t.vault.leases({ agent: 'agent-1' })).toEqual([]);
    expect(JSON.stringify(t.vault.leases())).not.toContain(CANARY);
  });

  it('one lease per agent × service × scope during its first half-life, recorded once; then a new one', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const probe = ledgerProbe();
    const t = await vault({ now: () => now, ledger: probe, defaultLeaseTtlSeconds: 300 });
    t.vault.set({ name: 'k', config: staticCfg, value: CANARY });
    const a = await t.vault.lease({ ...req, credential: 'k' });
    const b = await t.vault.lease({ ...req, operation: 'llm:other', credential: 'k' });
    expect(b.id).toBe(a.id);
    const other = await t.vault.lease({ ...req, service: 'other-svc', credential: 'k' });
    expect(other.id).not.toBe(a.id);
    expect(probe.events.filter((e) => e.kind === 'lease' && e.status === 'ok')).toHaveLength(2);
    now += 151_000;
    const c = await t.vault.lease({ ...req, credential: 'k' });
    expect(c.id).not.toBe(a.id);
    expect(t.vault.leaseActive(a.id)).toBe(true); // still valid until its own expiry
    t.vault.revokeAll({ agent: req.agent });
    const d = await t.vault.lease({ ...req, credential: 'k' });
    expect(d.id).not.toBe(c.id);
  });

  it('lease TTL: default minutes, a shorter one on request', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const t = await vault({ now: () => now, defaultLeaseTtlSeconds: 120 });
    t.vault.set({ name: 'k', config: staticCfg, value: CANARY });
    expect((await t.vault.lease({ ...req, credential: 'k' })).expiresAt).toBe('2026-01-01T00:02:00.000Z');
    const short = await t.vault.lease({ ...req, credential: 'k', scope: { ttlSeconds: 30 } });
    expect(short.expiresAt).toBe('2026-01-01T00:00:30.000Z');
  });

  it('a custom KeyProvider (the Electron safeStorage shape) holds the key', async () => {
    const provider = memoryProvider();
    // The shell's safeStorage provider has only load/store.
    const t = await vault({ keyProvider: { load: () => provider.load(), store: (k) => provider.store(k) } });
    expect(t.vault.status()).toMatchObject({ locked: false, keySource: 'provider', initialized: true });
    t.vault.set({ name: 'k', config: staticCfg, value: CANARY });
    expect(await provider.load()).toHaveLength(32);
  });

  it('GATEHOUSE_VAULT_KEY picks the key source and refuses unknown ones', () => {
    expect(keySourceFromEnv({ GATEHOUSE_VAULT_KEY: 'file' })).toBe('file');
    expect(keySourceFromEnv({ GATEHOUSE_VAULT_KEY: 'Passphrase' })).toBe('passphrase');
    expect(() => keySourceFromEnv({ GATEHOUSE_VAULT_KEY: 'plaintext' })).toThrow(
      /must be keyring, passphrase or file/,
    );
  });
});

describe('passphrase vaults', () => {
  it('starts locked (leases fail closed), unlocks, rejects a wrong passphrase and stays locked', async () => {
    const t = await vault({ keySource: 'passphrase' });
    expect(t.vault.locked).toBe(true);
    await expect(t.vault.lease({ ...req, credential: 'k' })).rejects.toMatchObject({ code: 'vault_locked' });
    // A new passphrase that is too short is refused and sets nothing.
    await expect(t.vault.unlock('short')).rejects.toMatchObject({ code: 'vault_passphrase_too_short' });
    expect(t.vault.status()).toMatchObject({ locked: true, initialized: false });
    expect(() => t.vault.set({ name: 'k', config: staticCfg, value: CANARY })).toThrow(/locked/);
    await t.vault.unlock('correct horse battery');
    t.vault.set({ name: 'k', config: staticCfg, value: CANARY });

    const again = await t.reopen();
    expect(again.vault.locked).toBe(true);
    expect(again.vault.list().map((c) => [c.name, c.hint])).toEqual([['k', t.vault.list()[0]?.hint]]);
    await expect(again.vault.unlock('wrong passphrase!')).rejects.toMatchObject({
      code: 'vault_wrong_passphrase',
    });
    expect(again.vault.locked).toBe(true);
    await again.vault.unlock('correct horse battery');
    expect((await again.vault.lease({ ...req, credential: 'k' })).value).toBe(CANARY);
    for (const buf of dbFiles(t.dbFile)) expect(buf.includes(CANARY)).toBe(false);
  });

  it('a keyed vault refuses to be opened as a passphrase vault (and says which source to use)', async () => {
    const t = await vault();
    t.vault.set({ name: 'k', config: staticCfg, value: CANARY });
    const again = await t.reopen({ keySource: 'passphrase' });
    await expect(again.vault.unlock('some passphrase')).rejects.toMatchObject({
      code: 'vault_key_source_mismatch',
    });
  });
});

describe('corruption is detected and reported, never silently reset', () => {
  it('a flipped ciphertext byte marks that credential corrupt; others keep working', async () => {
    const t = await vault();
    t.vault.set({ name: 'good', config: staticCfg, value: 'good-value-1234567890' });
    t.vault.set({ name: 'bad', config: staticCfg, value: CANARY });
    const row = t.db.prepare('SELECT ciphertext FROM vault_credentials WHERE name = ?').get('bad') as {
      ciphertext: Buffer;
    };
    const damaged = Buffer.from(row.ciphertext);
    damaged[3] = (damaged[3] ?? 0) ^ 0xff;
    t.db.prepare('UPDATE vault_credentials SET ciphertext = ? WHERE name = ?').run(damaged, 'bad');

    const again = await t.reopen();
    expect(again.vault.status().problem?.code).toBe('vault_corrupt');
    expect(again.vault.list().find((c) => c.name === 'bad')?.state).toBe('corrupt');
    await expect(again.vault.lease({ ...req, credential: 'bad' })).rejects.toMatchObject({
      code: 'vault_corrupt',
    });
    expect((await again.vault.lease({ ...req, credential: 'good' })).value).toBe('good-value-1234567890');
    expect(() => again.vault.rotate({ name: 'bad', value: 'x'.repeat(20) })).toThrow(/corrupt/);
    // The damaged row is still there, byte for byte.
    const after = again.db.prepare('SELECT ciphertext FROM vault_credentials WHERE name = ?').get('bad') as {
      ciphertext: Buffer;
    };
    expect(after.ciphertext.equals(damaged)).toBe(true);
  });

  it('altered metadata (a swapped token URL) fails authentication', async () => {
    const t = await vault();
    t.vault.set({
      name: 'cc',
      config: { kind: 'oauth-client-credentials', tokenUrl: 'https://idp.example/token', clientId: 'c' },
      value: CANARY,
    });
    t.db
      .prepare("UPDATE vault_credentials SET config = replace(config, 'idp.example', 'evil.example')")
      .run();
    const again = await t.reopen();
    expect(again.vault.list()[0]?.state).toBe('corrupt');
  });

  it('a missing or different key file locks the vault with a reason, and nothing is overwritten', async () => {
    const t = await vault();
    t.vault.set({ name: 'k', config: staticCfg, value: CANARY });
    const keyFile = join(t.dir, KEY_FILE);
    const original = readFileSync(keyFile);
    const check = t.db.prepare("SELECT value FROM vault_meta WHERE key = 'check'").get();

    rmSync(keyFile);
    const missing = await t.reopen();
    expect(missing.vault.locked).toBe(true);
    expect(missing.vault.status().problem?.code).toBe('vault_key_missing');
    expect(existsSync(keyFile)).toBe(false);
    await expect(missing.vault.lease({ ...req, credential: 'k' })).rejects.toMatchObject({
      code: 'vault_locked',
    });

    writeFileSync(keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
    const wrong = await t.reopen();
    expect(wrong.vault.status().problem?.code).toBe('vault_key_mismatch');

    writeFileSync(keyFile, 'not a key');
    const garbage = await t.reopen();
    expect(garbage.vault.status().problem?.code).toBe('vault_key_invalid');

    expect(t.db.prepare("SELECT value FROM vault_meta WHERE key = 'check'").get()).toEqual(check);
    writeFileSync(keyFile, original);
    const restored = await t.reopen();
    expect((await restored.vault.lease({ ...req, credential: 'k' })).value).toBe(CANARY);
  });
});

describe('canary: a planted secret never reaches the ledger files (WAL included)', () => {
  it('zero hits in ledger.db / -wal / -shm and the core DB after set, lease, rotate, refusal, revoke', async () => {
    const l = await tempLedger();
    cleanups.push(l.cleanup);
    const t = await vault({ ledger: l.ledger });
    t.vault.set({ name: 'canary', config: staticCfg, value: CANARY });
    const lease = await t.vault.lease({ ...req, credential: 'canary' });
    // A component that (wrongly) echoes the value into an event: the ledger's redaction catches it.
    l.ledger.append({ kind: 'response', agent: 'agent-1', summary: `upstream echoed ${lease.value}` });
    await t.vault.lease({ ...req, credential: 'missing' }).catch(() => undefined);
    t.vault.revokeAll();
    t.vault.rotate({ name: 'canary', value: `${CANARY}-v2` });
    expect(t.vault.redact(`echo ${CANARY}-v2 and ${CANARY}`)).not.toContain(CANARY);
    await l.ledger.flush();
    const files = [...dbFiles(l.file), ...dbFiles(t.dbFile)];
    expect(files.length).toBeGreaterThan(1);
    for (const buf of files) expect(buf.includes(CANARY)).toBe(false);
    // And the ledger did record the leases.
    expect(files.some((b) => b.includes('lease'))).toBe(true);
  });
});
