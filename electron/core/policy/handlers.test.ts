import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyRequest } from '../../../shared/policy/request.js';
import { ControlApi } from '../api/registry.js';
import { openDatabase } from '../db/database.js';
import { LiveBus } from '../live/bus.js';
import { policyHandlers } from './handlers.js';
import { Policy } from './policy.js';

const ctx = { actor: 'cli' };
const dirs: string[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function core() {
  const dir = mkdtempSync(join(tmpdir(), 'gh-policy-api-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'gatehouse.db'));
  const policy = Policy.open({ db, live: new LiveBus() });
  closers.push(() => {
    policy.close();
    db.close();
  });
  return { policy, api: new ControlApi(policyHandlers(policy)) };
}

const STRICT = `policy: 1
rules:
  - id: only-haiku
    effect: allow
    llm: { model: 'claude-haiku-*' }
limits:
  - id: tiny
    agent: '*'
    tokensPerDay: 10
guardrails:
  - id: pii
    detect: [email]
    action: flag
`;
const request = (model: string): PolicyRequest => ({
  agent: { id: 'a1', template: 'claude-code' },
  service: { name: 'anthropic', kind: 'anthropic' },
  operation: { type: 'llm', provider: 'anthropic', model },
});

describe('policy control API', () => {
  it('get, validate, apply, history, rollback through the typed API', async () => {
    const { api } = core();
    const live = (await api.call('policy.get', {}, ctx)) as { version: number; yaml: string; live: boolean };
    expect(live).toMatchObject({ version: 1, live: true });
    expect(await api.call('policy.validate', { yaml: 'policy: 1\nrules: 3\n' }, ctx)).toEqual({
      ok: false,
      problems: [
        { line: 2, column: 8, path: 'rules', message: 'Invalid input: expected array, received number' },
      ],
    });
    await expect(api.call('policy.apply', { yaml: 'policy: 7\n' }, ctx)).rejects.toMatchObject({
      code: 'policy_invalid',
    });
    expect(await api.call('policy.apply', { yaml: STRICT, note: 'haiku only' }, ctx)).toMatchObject({
      version: 2,
      author: 'cli',
      note: 'haiku only',
    });
    const h = (await api.call('policy.history', {}, ctx)) as {
      versions: { version: number; diff: string }[];
    };
    expect(h.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(h.versions[0]?.diff).toContain('+  - id: only-haiku');
    expect(await api.call('policy.rollback', { version: 1 }, ctx)).toMatchObject({
      version: 3,
      rollbackOf: 1,
    });
    expect(await api.call('policy.get', { version: 2 }, ctx)).toMatchObject({
      version: 2,
      yaml: STRICT,
      live: false,
    });
  });

  it('policy.test dry-runs against given requests, or the recorded ones once the gateway provides them', async () => {
    const { api, policy } = core();
    await expect(api.call('policy.test', { yaml: STRICT }, ctx)).rejects.toMatchObject({
      code: 'no_recorded_requests',
    });
    const given = [request('claude-haiku-4'), request('claude-sonnet-4')];
    const report = (await api.call('policy.test', { yaml: STRICT, requests: given }, ctx)) as {
      changes: { index: number; after: { rule: string } }[];
    };
    expect(report.changes).toEqual([
      expect.objectContaining({
        index: 0,
        after: { effect: 'allow', rule: 'only-haiku' },
        effectChanged: false,
      }),
      expect.objectContaining({
        index: 1,
        effectChanged: true,
        before: { effect: 'allow', rule: 'claude-code-llm' },
        after: { effect: 'deny', rule: 'default-deny' },
      }),
    ]);
    policy.recent = { recent: () => [request('claude-sonnet-4')] };
    expect(await api.call('policy.test', { yaml: STRICT, last: 5 }, ctx)).toMatchObject({
      evaluated: 1,
      unchanged: 0,
    });
  });

  it('limits and guardrails follow the applied version; guardrails.test never echoes a detected value', async () => {
    const { api, policy } = core();
    await api.call('policy.apply', { yaml: STRICT }, ctx);
    policy.limits.record('a1', 'anthropic', { inputTokens: 20 }, null);
    expect(policy.limits.check('a1', 'anthropic')).toMatchObject({ ok: false, rule: 'tiny' });
    expect(await api.call('limits.status', {}, ctx)).toEqual({
      limits: [expect.objectContaining({ limit: 'tiny', agent: 'a1', tokensToday: 20, exhausted: true })],
    });
    const r = await api.call('guardrails.test', { text: 'mail jane@example.com' }, ctx);
    expect(r).toEqual({
      action: 'flag',
      detections: [{ kind: 'email', start: 5, end: 21, guardrail: 'pii', action: 'flag' }],
      redacted: 'mail [REDACTED:email]',
    });
  });

  it('approvals.list and approvals.answer', async () => {
    const { api, policy } = core();
    const held = policy.approvals.request({
      ...request('claude-x'),
      summary: 'a1 → llm:claude-x',
      rule: 'r',
    } as never);
    const { pending } = (await api.call('approvals.list', {}, ctx)) as { pending: { id: string }[] };
    expect(pending).toHaveLength(1);
    expect(await api.call('approvals.answer', { id: pending[0]!.id, decision: 'deny' }, ctx)).toEqual({
      outcome: 'denied',
      settled: 1,
    });
    await expect(held).resolves.toBe('denied');
  });
});
