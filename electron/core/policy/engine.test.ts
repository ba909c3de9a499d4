import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { PolicyRequest } from '../../../shared/policy/request.js';
import { openDatabase, type Db } from '../db/database.js';
import { LiveBus } from '../live/bus.js';
import { PolicyEngine } from './engine.js';

const V1 = `policy: 1
rules:
  - id: allow-claude
    effect: allow
    llm: { model: 'claude-*' }
`;
const V2 = `policy: 1
rules:
  - id: allow-claude
    effect: allow
    llm: { model: 'claude-*' }
  - id: no-opus
    effect: deny
    llm: { model: '*opus*' }
`;
const llm = (model: string, agentId = 'a1'): PolicyRequest => ({
  agent: { id: agentId, template: 'custom' },
  service: { name: 'anthropic', kind: 'anthropic' },
  operation: { type: 'llm', provider: 'anthropic', model },
});

const dirs: string[] = [];
const dbs: Db[] = [];
function freshDb(): { db: Db; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gh-policy-'));
  dirs.push(dir);
  const file = join(dir, 'gatehouse.db');
  const db = openDatabase(file);
  dbs.push(db);
  return { db, file };
}
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('PolicyEngine versions', () => {
  it('installs the shipped default policy as version 1 on first start', () => {
    const { db } = freshDb();
    const e = PolicyEngine.open({ db });
    expect(e.version).toBe(1);
    expect(e.history()[0]).toMatchObject({ version: 1, author: 'gatehouse', note: 'default policy' });
    expect(e.document.rules.map((r) => r.id)).toContain('claude-code-llm');
  });

  it('applies new versions with author, note and diff; survives a restart; rolls back as a new version', () => {
    const { db, file } = freshDb();
    const events: LedgerEventInput[] = [];
    const live = new LiveBus();
    const topics: string[] = [];
    live.subscribe((m) => topics.push(m.topic));
    const e = PolicyEngine.open({ db, live, defaultPolicy: V1, audit: (ev) => events.push(ev) });
    expect(e.decide(llm('claude-opus-4')).effect).toBe('allow');

    const v2 = e.apply(V2, { author: 'alice', note: 'no opus' });
    expect(v2).toMatchObject({ version: 2, author: 'alice', note: 'no opus', rules: 2, rollbackOf: null });
    expect(v2.diff).toContain('+  - id: no-opus');
    expect(v2.diff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/);
    expect(e.decide(llm('claude-opus-4'))).toMatchObject({ effect: 'deny', rule: 'no-opus', version: 2 });
    expect(topics).toContain('policy.changed');
    expect(events.at(-1)).toMatchObject({ kind: 'config', operation: 'policy.apply' });

    db.close();
    const reopened = PolicyEngine.open({ db: openDatabase(file), defaultPolicy: V1 });
    expect(reopened.version).toBe(2);
    expect(reopened.decide(llm('claude-opus-4')).rule).toBe('no-opus');

    const v3 = reopened.rollback(1, { author: 'bob' });
    expect(v3).toMatchObject({ version: 3, rollbackOf: 1, author: 'bob', note: 'rollback to version 1' });
    expect(reopened.decide(llm('claude-opus-4'))).toMatchObject({ effect: 'allow', version: 3 });
    expect(reopened.history().map((h) => h.version)).toEqual([3, 2, 1]);
    expect(reopened.get(2).yaml).toBe(V2);
    expect(() => reopened.rollback(99, { author: 'bob' })).toThrow(/no policy version 99/);
  });

  it('rejects an invalid policy with line and column and leaves the live one in force', () => {
    const { db } = freshDb();
    const e = PolicyEngine.open({ db, defaultPolicy: V1 });
    const bad = 'policy: 1\nrules:\n  - id: x\n    effect: permit\n';
    let thrown: unknown;
    try {
      e.apply(bad, { author: 'alice' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'policy_invalid' });
    expect((thrown as Error).message).toContain('line 4, column 13');
    expect(e.version).toBe(1);
    expect(e.history()).toHaveLength(1);
    expect(e.decide(llm('claude-x')).effect).toBe('allow');
  });

  it('a decision already handed out keeps its version while new requests see the new one', () => {
    const { db } = freshDb();
    const e = PolicyEngine.open({ db, defaultPolicy: V1 });
    const inFlight = e.decide(llm('claude-opus-4'));
    e.apply(V2, { author: 'alice' });
    expect(inFlight).toMatchObject({ effect: 'allow', version: 1 });
    expect(e.decide(llm('claude-opus-4'))).toMatchObject({ effect: 'deny', version: 2 });
  });
});

describe('fail closed', () => {
  it('a request the engine cannot evaluate is denied by policy-error', () => {
    const e = PolicyEngine.open({ db: new Database(':memory:'), defaultPolicy: V1 });
    const broken = { agent: { id: 'a' }, service: { name: 's', kind: 'k' } } as unknown as PolicyRequest;
    expect(e.decide(broken)).toMatchObject({ effect: 'deny', rule: 'policy-error' });
    const weird = { ...llm('x'), agent: null } as unknown as PolicyRequest;
    expect(e.decide(weird)).toMatchObject({ effect: 'deny', rule: 'policy-error' });
  });
});

describe('shadow draft and dry-run', () => {
  it('runs a whole draft beside the live policy and records its verdicts as observed', () => {
    const { db } = freshDb();
    const e = PolicyEngine.open({ db, defaultPolicy: V1 });
    e.setShadow(V2, { author: 'alice', note: 'try stricter' });
    const d = e.decide(llm('claude-opus-4'));
    expect(d).toMatchObject({ effect: 'allow', rule: 'allow-claude' });
    expect(d.observed).toEqual([{ effect: 'deny', rule: 'no-opus', source: 'shadow' }]);
    expect(e.shadowYaml).toBe(V2);
    const again = PolicyEngine.open({ db, defaultPolicy: V1 });
    expect(again.decide(llm('claude-opus-4')).observed?.[0]?.rule).toBe('no-opus');
    e.setShadow(undefined, { author: 'alice' });
    expect(e.decide(llm('claude-opus-4')).observed).toBeUndefined();
  });

  it('reports exactly the recorded requests whose decision would change', () => {
    const { db } = freshDb();
    const e = PolicyEngine.open({ db, defaultPolicy: V1 });
    const recorded = [llm('claude-haiku'), llm('claude-opus-4', 'a2'), llm('gpt-4o'), llm('claude-3-opus')];
    let asked = 0;
    const report = e.test(V2, { recent: (n) => ((asked = n), recorded) }, 50);
    expect(asked).toBe(50);
    expect(report.evaluated).toBe(4);
    expect(report.unchanged).toBe(2);
    expect(report.changes).toEqual([
      {
        index: 1,
        agent: 'a2',
        service: 'anthropic',
        operation: 'llm:claude-opus-4',
        before: { effect: 'allow', rule: 'allow-claude' },
        after: { effect: 'deny', rule: 'no-opus' },
        effectChanged: true,
      },
      {
        index: 3,
        agent: 'a1',
        service: 'anthropic',
        operation: 'llm:claude-3-opus',
        before: { effect: 'allow', rule: 'allow-claude' },
        after: { effect: 'deny', rule: 'no-opus' },
        effectChanged: true,
      },
    ]);
    expect(report.summary).toEqual({ 'allow→deny': 2 });
    expect(() => e.test('policy: 2', [])).toThrow(/invalid/);
  });
});

describe('deny by default (property)', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/).filter((s) => !s.startsWith('zz'));
  const operation = fc.oneof(
    fc.record({ type: fc.constant('llm' as const), provider: name, model: name }),
    fc.record({
      type: fc.constant('mcp' as const),
      server: name,
      tool: name,
      arguments: fc.dictionary(name, fc.jsonValue()),
    }),
    fc.record({
      type: fc.constant('http' as const),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      host: name,
      path: name.map((s) => `/${s}`),
      query: fc.dictionary(name, fc.string()),
      body: fc.jsonValue(),
    }),
  );
  const request = fc.record({
    agent: fc.record({ id: name, name, template: name, labels: fc.dictionary(name, name) }),
    service: fc.record({ name, kind: name }),
    operation,
  });
  // Rules that each name a specific agent, service and operation with a `zz-` prefix no
  // generated request can carry: whatever these rules say, a request they don't name is denied.
  const namedRule = fc.record({
    effect: fc.constantFrom('allow', 'approve', 'deny'),
    kind: fc.constantFrom('llm', 'mcp', 'http', 'agent', 'service'),
    n: fc.nat(999),
  });

  it('holds for any request no rule names', () => {
    fc.assert(
      fc.property(
        fc.array(namedRule, { maxLength: 30 }),
        fc.array(request, { minLength: 1, maxLength: 20 }),
        (rules, reqs) => {
          const yaml = [
            'policy: 1',
            'rules:',
            ...rules.map((r, i) => {
              const id = `  - id: r${i}\n    effect: ${r.effect}\n`;
              switch (r.kind) {
                case 'llm':
                  return `${id}    llm: { model: 'zz-${r.n}*' }`;
                case 'mcp':
                  return `${id}    mcp: { server: zz-${r.n}, tool: '*' }`;
                case 'http':
                  return `${id}    http: { host: 'zz-${r.n}.*' }`;
                case 'agent':
                  return `${id}    agent: { id: 'zz-${r.n}' }`;
                default:
                  return `${id}    service: 'zz-${r.n}*'`;
              }
            }),
          ].join('\n');
          const e = PolicyEngine.open({ db: new Database(':memory:'), defaultPolicy: yaml });
          for (const r of reqs) {
            const d = e.decide(r);
            if (d.effect !== 'deny' || d.rule !== 'default-deny') return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('a stored version that no longer validates', () => {
  it('loads as deny-all and says so in the ledger', () => {
    const { db } = freshDb();
    PolicyEngine.open({ db, defaultPolicy: V1 });
    // Simulate a schema change that rejects what was once valid.
    db.prepare('UPDATE policy_versions SET yaml = ? WHERE version = 1').run(
      'policy: 1\nrules: [{ id: x, effect: maybe }]\n',
    );
    const events: LedgerEventInput[] = [];
    const e = PolicyEngine.open({ db, defaultPolicy: V1, audit: (ev) => events.push(ev) });
    expect(e.decide(llm('claude-x'))).toMatchObject({ effect: 'deny', rule: 'default-deny', version: 1 });
    expect(events).toEqual([expect.objectContaining({ kind: 'error', operation: 'policy.load' })]);
    expect(e.apply(V1, { author: 'alice' }).version).toBe(2);
    expect(e.decide(llm('claude-x')).effect).toBe('allow');
  });
});
