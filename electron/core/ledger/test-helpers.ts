import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, type LedgerOptions } from './ledger.js';

/** A ledger in its own temp dir, closed and removed by `cleanup`. For tests and benches. */
export async function tempLedger(
  opts: Partial<LedgerOptions> = {},
): Promise<{ ledger: Ledger; dir: string; file: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ledger-'));
  const file = join(dir, 'ledger.db');
  const ledger = await Ledger.open({ file, ...opts });
  return {
    ledger,
    dir,
    file,
    cleanup: async () => {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
