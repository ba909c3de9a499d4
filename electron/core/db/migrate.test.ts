import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { migrate } from './migrate.js';

describe('migrate', () => {
  it('applies each component’s numbered migrations once, in order, across reopen', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gh-db-')), 'x.db');
    const steps = [
      { version: 1, name: 'create', sql: 'CREATE TABLE t (a INTEGER)' },
      { version: 2, name: 'add column', sql: 'ALTER TABLE t ADD COLUMN b TEXT' },
    ];
    let db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(migrate(db, 'demo', steps)).toBe(2);
    db.close();
    db = openDatabase(file);
    expect(migrate(db, 'demo', steps)).toBe(0);
    expect(migrate(db, 'other', [{ version: 1, name: 'x', sql: 'CREATE TABLE u (a)' }])).toBe(1);
    db.prepare('INSERT INTO t (a, b) VALUES (1, ?)').run('ok');
    expect(db.prepare('SELECT b FROM t').get()).toEqual({ b: 'ok' });
  });

  it('rolls back a failing migration and refuses gaps in numbering', () => {
    const db = openDatabase(':memory:');
    expect(() =>
      migrate(db, 'bad', [{ version: 1, name: 'broken', sql: 'CREATE TABLE ok (a); NOT SQL' }]),
    ).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok'").get()).toBeUndefined();
    expect(() => migrate(db, 'gap', [{ version: 2, name: 'x', sql: 'SELECT 1' }])).toThrow(/numbered/);
  });
});
