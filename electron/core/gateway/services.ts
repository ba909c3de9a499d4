import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { GatehouseError } from '../../../shared/errors.js';
import { newServiceSchema, type NewService, type Service } from '../../../shared/api/services.js';
import { describeIssues } from '../api/registry.js';

/** Service names the gateway gives to traffic no registered service answers for. */
export const UNREGISTERED = 'internet';

interface ServiceRow {
  name: string;
  kind: string;
  base_url: string;
  hosts: string;
  credential: string | null;
  tls: string;
  created_at: string;
}

/**
 * Named upstreams, kept in the core DB. Lookups are in memory (the gateway asks on every
 * request); writes go to SQLite first.
 */
export class ServiceStore {
  private readonly byName = new Map<string, Service>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: Db) {
    migrate(db, 'services', [
      {
        version: 1,
        name: 'services',
        sql: `CREATE TABLE services (
          name TEXT PRIMARY KEY, kind TEXT NOT NULL, base_url TEXT NOT NULL, hosts TEXT NOT NULL DEFAULT '[]',
          credential TEXT, tls TEXT NOT NULL DEFAULT 'intercept', created_at TEXT NOT NULL)`,
      },
    ]);
    for (const row of db.prepare('SELECT * FROM services').all() as ServiceRow[]) {
      const s: Service = {
        name: row.name,
        kind: row.kind as Service['kind'],
        baseUrl: row.base_url,
        hosts: JSON.parse(row.hosts) as string[],
        tls: row.tls as Service['tls'],
        createdAt: row.created_at,
      };
      if (row.credential) s.credential = JSON.parse(row.credential) as NonNullable<Service['credential']>;
      this.byName.set(s.name, s);
    }
  }

  add(input: NewService, opts: { replace?: boolean } = {}): Service {
    const parsed = newServiceSchema.safeParse(input);
    if (!parsed.success)
      throw new GatehouseError('bad_service', `Invalid service: ${describeIssues(parsed.error)}`);
    const s = parsed.data;
    if (s.name === UNREGISTERED) {
      throw new GatehouseError(
        'bad_service',
        `"${UNREGISTERED}" is reserved for traffic to unregistered hosts.`,
      );
    }
    const url = new URL(s.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new GatehouseError('bad_service', 'A service base URL must be http:// or https://.');
    }
    if (url.username || url.password) {
      throw new GatehouseError(
        'bad_service',
        'Put credentials in the vault and bind them, not in the base URL.',
      );
    }
    const existing = this.byName.get(s.name);
    if (existing && !opts.replace) {
      throw new GatehouseError(
        'service_exists',
        `A service named "${s.name}" already exists (use replace).`,
        409,
      );
    }
    const hosts = s.hosts.map((h) => h.toLowerCase());
    const service: Service = { ...s, hosts, createdAt: existing?.createdAt ?? new Date().toISOString() };
    this.db
      .prepare(
        `INSERT INTO services (name, kind, base_url, hosts, credential, tls, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, hosts = excluded.hosts,
         credential = excluded.credential, tls = excluded.tls`,
      )
      .run(
        service.name,
        service.kind,
        service.baseUrl,
        JSON.stringify(hosts),
        service.credential ? JSON.stringify(service.credential) : null,
        service.tls,
        service.createdAt,
      );
    this.byName.set(service.name, service);
    this.changed();
    return service;
  }

  remove(name: string): boolean {
    if (!this.byName.has(name)) return false;
    this.db.prepare('DELETE FROM services WHERE name = ?').run(name);
    this.byName.delete(name);
    this.changed();
    return true;
  }

  get(name: string): Service | undefined {
    return this.byName.get(name);
  }

  list(): Service[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The service for /llm/<x>/: the one named x, else the first of kind x. */
  forLlmRoute(x: string): Service | undefined {
    const named = this.byName.get(x);
    if (named && (named.kind === 'anthropic' || named.kind === 'openai')) return named;
    return this.list().find((s) => s.kind === x);
  }

  /** The service answering for host[:port] on the forward proxy / CONNECT. */
  forHost(host: string, port: number): Service | undefined {
    const h = host.toLowerCase();
    for (const s of this.byName.values()) {
      for (const entry of s.hosts) {
        if (entry === `${h}:${port}`) return s;
        if (entry === h && (port === 443 || port === 80)) return s;
      }
    }
    return undefined;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}
