import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { KillScope } from '../../../shared/api/kill.js';
import { limitSchema, type PolicyLimit } from '../../../shared/policy/schema.js';
import { Limits } from './limits.js';

const limit = (l: Record<string, unknown>): PolicyLimit => limitSchema.parse(l);
const usage = (inputTokens: number, outputTokens = 0) => ({ inputTokens, outputTokens });

function clock(start = '2026-12-04T10:00:00Z') {
  let t = new Date(start).getTime();
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe('Limits', () => {
  it('requests per minute: refuses the call past the limit, per agent, and frees up after a minute', () => {
    const c = clock();
    const l = new Limits(
      new Database(':memory:'),
      [limit({ id: 'rpm', agent: '*', requestsPerMinute: 2 })],
      c,
    );
    expect(l.check('a', 'svc').ok).toBe(true);
    expect(l.check('a', 'other').ok).toBe(true);
    expect(l.check('a', 'svc')).toMatchObject({ ok: false, rule: 'rpm' });
    expect(l.check('b', 'svc').ok).toBe(true); // counted separately per agent
    c.advance(60_001);
    expect(l.check('a', 'svc').ok).toBe(true);
  });

  it('a refused call does not use up another limit', () => {
    const c = clock();
    const l = new Limits(
      new Database(':memory:'),
      [
        limit({ id: 'svc-rpm', service: 'svc', requestsPerMinute: 5 }),
        limit({ id: 'a-rpm', agent: 'a', requestsPerMinute: 1 }),
      ],
      c,
    );
    expect(l.check('a', 'svc').ok).toBe(true);
    for (let i = 0; i < 3; i++) expect(l.check('a', 'svc').ok).toBe(false);
    for (let i = 0; i < 4; i++) expect(l.check('b', 'svc').ok).toBe(true);
    expect(l.check('b', 'svc')).toMatchObject({ ok: false, rule: 'svc-rpm' });
  });

  it('tokens per day from actual usage: the call that would start past the budget is refused', () => {
    const c = clock();
    const l = new Limits(
      new Database(':memory:'),
      [limit({ id: 'tok', agent: 'a', service: 'llm', tokensPerDay: 1000 })],
      c,
    );
    expect(l.check('a', 'llm').ok).toBe(true);
    l.record('a', 'llm', usage(600, 300), 0.01);
    expect(l.check('a', 'llm').ok).toBe(true); // 900 < 1000: may start
    l.record('a', 'llm', { ...usage(50, 50), cacheReadTokens: 10 }, 0.01);
    const refused = l.check('a', 'llm');
    expect(refused).toMatchObject({ ok: false, rule: 'tok' });
    expect(!refused.ok && refused.reason).toContain('1010 of 1000 tokens');
    expect(l.check('a', 'other').ok).toBe(true); // agent×service scope only
    expect(l.check('b', 'llm').ok).toBe(true);
    c.advance(24 * 3600_000);
    expect(l.check('a', 'llm').ok).toBe(true); // a new UTC day
  });

  it('cost per day per service survives a restart (persisted in the core DB)', () => {
    const db = new Database(':memory:');
    const c = clock();
    const first = new Limits(db, [limit({ id: 'cost', service: 'anthropic', costUsdPerDay: 1 })], c);
    first.record('a', 'anthropic', usage(10), 0.6);
    first.record('b', 'anthropic', usage(10), 0.5);
    first.record('b', 'anthropic', usage(10), null); // unknown price: tokens still counted
    expect(db.prepare('SELECT count(*) FROM limit_usage').pluck().get()).toBe(0); // saved in batches
    first.close(); // as Policy.close() does at shutdown (and a timer every 500 ms before that)
    const second = new Limits(db, [limit({ id: 'cost', service: 'anthropic', costUsdPerDay: 1 })], c);
    expect(second.check('c', 'anthropic')).toMatchObject({ ok: false, rule: 'cost' });
    expect(second.status()).toEqual([
      expect.objectContaining({
        limit: 'cost',
        service: 'anthropic',
        tokensToday: 30,
        costUsdToday: 1.1,
        exhausted: true,
      }),
    ]);
  });

  it('writes usage to the core DB in one batch shortly after calls finish, summed per agent and service', async () => {
    const db = new Database(':memory:');
    const l = new Limits(db, [limit({ id: 't', agent: '*', tokensPerDay: 1000 })], clock());
    for (let i = 0; i < 3; i++) l.record('a', 'llm', usage(10), 0.01);
    await new Promise((r) => setTimeout(r, 700));
    expect(db.prepare('SELECT agent, service, requests, tokens FROM limit_usage').all()).toEqual([
      { agent: 'a', service: 'llm', requests: 3, tokens: 30 },
    ]);
    l.close();
  });

  it('onExhausted: kill engages the kill switch once for the exhausted scope', async () => {
    const kills: [KillScope, string][] = [];
    const l = new Limits(
      new Database(':memory:'),
      [limit({ id: 'tok', agent: '*', tokensPerDay: 100, onExhausted: 'kill' })],
      {
        ...clock(),
        engageKill: (scope, reason) => void kills.push([scope, reason]),
      },
    );
    l.record('a', 's', usage(60), 0);
    await Promise.resolve();
    expect(kills).toHaveLength(0);
    l.record('a', 's', usage(60), 0);
    expect(l.check('a', 's').ok).toBe(false);
    await new Promise((r) => setTimeout(r, 0));
    expect(kills).toEqual([[{ kind: 'agent', agent: 'a' }, 'budget "tok" exhausted']]);
  });

  it('status lists each concrete scope of a wildcard limit', () => {
    const l = new Limits(
      new Database(':memory:'),
      [limit({ id: 'pair', agent: '*', service: '*', tokensPerDay: 500 })],
      clock(),
    );
    l.record('a', 's1', usage(100), 0);
    l.record('b', 's2', usage(200), 0);
    const rows = l.status().map((r) => [r.agent, r.service, r.tokensToday]);
    expect(rows.sort()).toEqual([
      ['a', 's1', 100],
      ['b', 's2', 200],
    ]);
  });
});
