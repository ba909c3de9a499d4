import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { AgentRegistry } from './registry.js';

const dbFile = () => join(mkdtempSync(join(tmpdir(), 'gh-agents-')), 'gatehouse.db');

describe('AgentRegistry', () => {
  it('creates, lists, persists and removes agents', () => {
    const file = dbFile();
    const reg = new AgentRegistry(openDatabase(file));
    const a = reg.create({ name: 'bot-1', template: 'custom', labels: { team: 'x' }, sandboxed: true });
    expect(a.id).toBe('bot-1');
    expect(() => reg.create({ name: 'bot-1', template: 'custom', sandboxed: true })).toThrow(
      /already exists/,
    );
    expect(() => reg.create({ name: 'Bad Name', template: 'custom', sandboxed: true })).toThrow(/not valid/);
    const again = new AgentRegistry(openDatabase(file));
    expect(again.get('bot-1')).toEqual(a);
    expect(again.remove('bot-1')).toBe(true);
    expect(again.list()).toEqual([]);
  });

  it('stores host keys hashed only, resolves them, and forgets replaced keys', () => {
    const file = dbFile();
    const db = openDatabase(file);
    const reg = new AgentRegistry(db);
    reg.create({ name: 'host-1', template: 'host', sandboxed: false });
    const key = reg.createHostKey('host-1');
    expect(reg.byHostKey(key)?.id).toBe('host-1');
    const raw = JSON.stringify(db.prepare('SELECT * FROM agents').all());
    expect(raw).not.toContain(key);
    const reopened = new AgentRegistry(openDatabase(file));
    expect(reopened.byHostKey(key)?.id).toBe('host-1');
    const key2 = reopened.createHostKey('host-1');
    expect(reopened.byHostKey(key)).toBeUndefined();
    expect(reopened.byHostKey(key2)?.id).toBe('host-1');
    expect(reopened.byHostKey('ghk_nope')).toBeUndefined();
  });

  it('never resolves a host key to a sandboxed agent', () => {
    const reg = new AgentRegistry(openDatabase(dbFile()));
    reg.create({ name: 'sbx', template: 'custom', sandboxed: true });
    const key = reg.createHostKey('sbx');
    expect(reg.byHostKey(key)).toBeUndefined();
  });
});
