import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.js';
import { tempVault } from './testing/temp-vault.js';

// The ledger's checkpoint signing key is held by the vault: sealed in the core DB, never a
// plain key file in the data dir, unusable while the vault is locked. Real Ledger, real vault.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function setup(opts: Parameters<typeof tempVault>[0] = {}) {
  const t = await tempVault(opts);
  cleanups.push(t.cleanup);
  const ledgers: Ledger[] = [];
  cleanups.push(async () => {
    for (const l of ledgers) await l.close();
  });
  const openLedger = async (signer?: 'later') => {
    const l = await Ledger.open({ file: join(t.dir, 'ledger.db'), ...(signer ? { signer } : {}) });
    ledgers.push(l);
    return l;
  };
  return { ...t, openLedger, keyFile: join(t.dir, 'ledger-signing.key') };
}

const publicKeys = (l: Ledger): unknown[] =>
  l.queries.raw().prepare('SELECT public_key FROM checkpoints ORDER BY id').pluck().all();

/** Every file in the data dir (ledger.db, -wal, -shm, gatehouse.db, …) as bytes. */
const dataFiles = (dir: string): [string, Buffer][] =>
  readdirSync(dir)
    .filter((f) => !f.endsWith('.key') || f === 'ledger-signing.key')
    .map((f) => [f, readFileSync(join(dir, f))]);

describe('the ledger signing key, held by the vault', () => {
  it('checkpoints wait for the vault, then are signed by its key; no private key in the data dir', async () => {
    const t = await setup();
    const ledger = await t.openLedger('later');
    ledger.append({ kind: 'action', summary: 'before the vault' });
    await ledger.flush();
    await ledger.checkpoint();
    expect(ledger.status()).toMatchObject({ lastCheckpointSeq: 0, checkpointsWaiting: true });
    await expect(
      ledger.prune({ olderThan: new Date(Date.now() + 60_000).toISOString() }),
    ).rejects.toMatchObject({
      code: 'ledger_unsigned',
    });

    const signer = t.vault.checkpointSigner(t.keyFile);
    expect(signer).toBeDefined();
    ledger.useSigner(signer!);
    ledger.append({ kind: 'action', summary: 'after' });
    await ledger.flush();
    await ledger.checkpoint();
    expect(ledger.status()).toMatchObject({ lastCheckpointSeq: 2 });
    expect(ledger.status().checkpointsWaiting).toBeUndefined();
    // The waiting checkpoint (seq 1) is written as soon as the key arrives, then seq 2.
    expect(publicKeys(ledger)).toEqual([signer!.publicKey, signer!.publicKey]);
    const v = await ledger.verify();
    expect(v).toMatchObject({ ok: true, events: 2, warnings: [] });

    expect(existsSync(t.keyFile)).toBe(false);
    for (const [name, bytes] of dataFiles(t.dir)) expect(bytes.includes('PRIVATE KEY'), name).toBe(false);

    // After a restart the vault hands over the same key, so verify has nothing to warn about.
    const again = await t.reopen();
    expect(again.vault.checkpointSigner(t.keyFile)?.publicKey).toBe(signer!.publicKey);
  });

  it("adopts a ledger's own key file (sealed, then deleted), so earlier checkpoints keep verifying", async () => {
    const t = await setup();
    const alone = await t.openLedger(); // a ledger without a vault keeps a 0600 key file
    alone.append({ kind: 'action', summary: 'signed by the file key' });
    await alone.flush();
    await alone.checkpoint();
    const fileKey = alone.signingPublicKey;
    await alone.close();
    expect(existsSync(t.keyFile)).toBe(true);

    const signer = t.vault.checkpointSigner(t.keyFile);
    expect(signer?.publicKey).toBe(fileKey);
    expect(existsSync(t.keyFile)).toBe(false);

    const ledger = await t.openLedger('later');
    ledger.useSigner(signer!);
    ledger.append({ kind: 'action', summary: 'signed by the vault' });
    await ledger.flush();
    await ledger.checkpoint();
    expect(publicKeys(ledger)).toEqual([fileKey, fileKey]);
    expect(await ledger.verify()).toMatchObject({ ok: true, events: 2, checkpoints: 2, warnings: [] });
  });

  it('a passphrase vault lends no key while locked, and stops signing when locked again', async () => {
    const t = await setup({ keySource: 'passphrase' });
    expect(t.vault.checkpointSigner(t.keyFile)).toBeUndefined();
    await t.vault.unlock('correct horse battery');
    const signer = t.vault.checkpointSigner(t.keyFile);
    const ledger = await t.openLedger('later');
    ledger.useSigner(signer!);
    ledger.append({ kind: 'action', summary: 'one' });
    await ledger.flush();
    await ledger.checkpoint();
    expect(ledger.status().lastCheckpointSeq).toBe(1);

    t.vault.lock();
    ledger.append({ kind: 'action', summary: 'two' });
    await ledger.flush();
    await expect(ledger.checkpoint()).rejects.toMatchObject({ code: 'vault_locked' });
    expect(ledger.status().lastCheckpointSeq).toBe(1);

    await t.vault.unlock('correct horse battery');
    await ledger.checkpoint();
    expect(ledger.status().lastCheckpointSeq).toBe(2);
    expect(await ledger.verify()).toMatchObject({ ok: true, events: 2, warnings: [] });
  });
});
