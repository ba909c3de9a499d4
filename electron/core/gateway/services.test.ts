import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { ServiceStore } from './services.js';

describe('ServiceStore', () => {
  it('adds, finds by route and host, persists, and removes services', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gh-svc-')), 'gatehouse.db');
    const store = new ServiceStore(openDatabase(file));
    store.add({
      name: 'anthropic',
      kind: 'anthropic',
      baseUrl: 'https://api.anthropic.com',
      hosts: ['API.anthropic.com'],
      credential: { credential: 'anthropic-key', inject: { type: 'header', name: 'x-api-key' } },
    });
    store.add({
      name: 'gh',
      kind: 'http',
      baseUrl: 'https://api.github.com',
      hosts: ['api.github.com:8443'],
      tls: 'tunnel',
    });
    expect(store.forLlmRoute('anthropic')?.name).toBe('anthropic');
    expect(store.forHost('api.anthropic.com', 443)?.name).toBe('anthropic');
    expect(store.forHost('api.github.com', 443)).toBeUndefined();
    expect(store.forHost('api.github.com', 8443)?.tls).toBe('tunnel');
    expect(() => store.add({ name: 'gh', kind: 'http', baseUrl: 'https://x.test' })).toThrow(
      /already exists/,
    );
    expect(() => store.add({ name: 'internet', kind: 'http', baseUrl: 'https://x.test' })).toThrow(
      /reserved/,
    );
    expect(() => store.add({ name: 'u', kind: 'http', baseUrl: 'https://user:pw@x.test' })).toThrow(/vault/);
    expect(() => store.add({ name: 'f', kind: 'http', baseUrl: 'ftp://x.test' })).toThrow(/http/);
    const reopened = new ServiceStore(openDatabase(file));
    expect(reopened.get('anthropic')?.credential?.inject).toEqual({ type: 'header', name: 'x-api-key' });
    expect(reopened.remove('gh')).toBe(true);
    expect(reopened.list().map((s) => s.name)).toEqual(['anthropic']);
  });
});
