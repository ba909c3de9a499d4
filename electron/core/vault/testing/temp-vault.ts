import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../db/database.js';
import { Vault, type VaultOptions } from '../vault.js';

/** A vault on a fresh data dir and core DB; `reopen` simulates a restart on the same files. */
export async function tempVault(opts: Partial<VaultOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-vault-'));
  const dbFile = join(dir, 'gatehouse.db');
  const dbs: Db[] = [];
  const vaults: Vault[] = [];
  const open = async (more: Partial<VaultOptions> = {}) => {
    const db = openDatabase(dbFile);
    dbs.push(db);
    const vault = await Vault.open({
      dataDir: dir,
      db,
      keySource: 'file',
      warn: () => undefined,
      ...opts,
      ...more,
    });
    vaults.push(vault);
    return { vault, db };
  };
  const first = await open();
  return {
    dir,
    dbFile,
    ...first,
    reopen: open,
    cleanup: async () => {
      for (const v of vaults) await v.close();
      for (const d of dbs) if (d.open) d.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Records what the vault sends the ledger (for checks on shape); canary tests use the real Ledger. */
export function ledgerProbe() {
  const events: import('../../../../shared/events.js').LedgerEventInput[] = [];
  const redactions: string[] = [];
  return {
    events,
    redactions,
    append(e: (typeof events)[number]) {
      events.push(e);
      return String(events.length);
    },
    addRedactions(v: Iterable<string>) {
      redactions.push(...v);
    },
  };
}
