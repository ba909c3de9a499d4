import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';

/** One credential row. config and hint are plaintext but authenticated (part of the AAD). */
export interface CredentialRow {
  name: string;
  kind: string;
  config: string;
  hint: string;
  version: number;
  nonce: Buffer;
  ciphertext: Buffer;
  state: string;
  state_reason: string | null;
  created_at: string;
  updated_at: string;
}

const migrations = [
  {
    version: 1,
    name: 'vault tables',
    sql: `
      CREATE TABLE vault_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE vault_credentials (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        hint TEXT NOT NULL,
        version INTEGER NOT NULL,
        nonce BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        state TEXT NOT NULL,
        state_reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );`,
  },
];

/** The vault's named queries over the core DB. Nothing here sees plaintext. */
export class VaultStore {
  private readonly q;

  constructor(db: Db) {
    migrate(db, 'vault', migrations);
    this.q = {
      meta: db.prepare<[string], { value: string }>('SELECT value FROM vault_meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>(
        'INSERT INTO vault_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      all: db.prepare<[], CredentialRow>('SELECT * FROM vault_credentials ORDER BY name'),
      get: db.prepare<[string], CredentialRow>('SELECT * FROM vault_credentials WHERE name = ?'),
      upsert: db.prepare<CredentialRow>(`
        INSERT INTO vault_credentials
          (name, kind, config, hint, version, nonce, ciphertext, state, state_reason, created_at, updated_at)
        VALUES (@name, @kind, @config, @hint, @version, @nonce, @ciphertext, @state, @state_reason, @created_at, @updated_at)
        ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, config = excluded.config, hint = excluded.hint,
          version = excluded.version, nonce = excluded.nonce, ciphertext = excluded.ciphertext,
          state = excluded.state, state_reason = excluded.state_reason, updated_at = excluded.updated_at`),
      setState: db.prepare<[string, string | null, string, string]>(
        'UPDATE vault_credentials SET state = ?, state_reason = ?, updated_at = ? WHERE name = ?',
      ),
      remove: db.prepare<[string]>('DELETE FROM vault_credentials WHERE name = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM vault_credentials'),
    };
  }

  meta(key: string): string | undefined {
    return this.q.meta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.q.setMeta.run(key, value);
  }

  all(): CredentialRow[] {
    return this.q.all.all();
  }

  get(name: string): CredentialRow | undefined {
    return this.q.get.get(name);
  }

  put(row: CredentialRow): void {
    this.q.upsert.run(row);
  }

  setState(name: string, state: string, reason: string | null): void {
    this.q.setState.run(state, reason, new Date().toISOString(), name);
  }

  remove(name: string): boolean {
    return this.q.remove.run(name).changes > 0;
  }

  count(): number {
    return this.q.count.get()?.n ?? 0;
  }
}
