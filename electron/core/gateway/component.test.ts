import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeyWrap } from '../ca/ca.js';
import { openDatabase } from '../db/database.js';
import { LiveBus } from '../live/bus.js';
import { createGatewayComponent } from './component.js';
import type { VaultPort } from './ports.js';

function wrapWith(key: Buffer): KeyWrap {
  return {
    seal(plain, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    open(sealed, aad) {
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12)).setAAD(aad);
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
    },
  };
}

describe('gateway component: the CA key follows the vault', () => {
  it('seals the CA key with the vault keyWrap, and unseals after a later vault unlock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-gw-comp-'));
    const db = openDatabase(join(dir, 'gatehouse.db'));
    const live = new LiveBus();
    let unlocked = false;
    const wrap = wrapWith(randomBytes(32));
    const vault: VaultPort = {
      get locked() {
        return !unlocked;
      },
      lease: () => Promise.reject(new Error('not used')),
      knownSecretValues: () => [],
      keyWrap: (purpose) => (unlocked && purpose === 'ca-key' ? wrap : undefined),
    };
    // First run with the vault unlocked: only the sealed key exists.
    unlocked = true;
    const first = await createGatewayComponent({ dataDir: dir, db, live, deps: { vault } });
    expect(first.ca.protection).toBe('vault');
    expect(existsSync(join(dir, 'ca', 'ca.key'))).toBe(false);
    await first.close();
    // Restart with a locked (passphrase) vault: the CA stays locked until vault.changed {unlocked}.
    unlocked = false;
    const second = await createGatewayComponent({ dataDir: dir, db, live, deps: { vault } });
    expect(second.ca.protection).toBe('locked');
    await expect(second.ca.leafFor('localhost')).rejects.toMatchObject({ code: 'ca_locked' });
    unlocked = true;
    live.publish('vault.changed', { unlocked: true });
    await expect.poll(() => second.ca.protection).toBe('vault');
    expect((await second.ca.leafFor('localhost')).certPem).toContain('BEGIN CERTIFICATE');
    await second.close();
    db.close();
  });
});
