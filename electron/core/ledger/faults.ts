/** Why the ledger cannot write, in words a person can act on (never containing event data). */
export interface LedgerProblem {
  sqliteCode: string;
  problem: string;
  fix: string;
}

export function describeFault(code: string, message: string): LedgerProblem {
  if (code === 'SQLITE_FULL')
    return {
      sqliteCode: code,
      problem: 'The disk holding the audit ledger is full (or the ledger reached its size cap).',
      fix: 'Free disk space or raise the ledger size limit; agent requests are refused until the ledger can record them.',
    };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return {
      sqliteCode: code,
      problem: 'The audit ledger database is locked by another process.',
      fix: 'Close other programs holding ledger.db open for writing (a sqlite3 shell, a backup tool); Gatehouse retries on its own.',
    };
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return {
      sqliteCode: code,
      problem: 'The audit ledger database is corrupt.',
      fix: 'Stop Gatehouse, move ledger.db (and ledger.db-wal) aside for inspection, and start again to create a new ledger.',
    };
  if (/^SQLITE_(READONLY|CANTOPEN|IOERR|PERM)/.test(code))
    return {
      sqliteCode: code,
      problem: 'The audit ledger cannot write to its file.',
      fix: 'Check that the data directory is writable and its disk is healthy.',
    };
  return {
    sqliteCode: code,
    problem: `The audit ledger cannot write (${code}: ${message.slice(0, 200)}).`,
    fix: 'See the Gatehouse log; restart Gatehouse once the cause is fixed.',
  };
}
