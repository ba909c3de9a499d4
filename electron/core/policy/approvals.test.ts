import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { PolicyRequest } from '../../../shared/policy/request.js';
import { LiveBus } from '../live/bus.js';
import { Approvals, type ApprovalRequest } from './approvals.js';
import { PolicyEngine } from './engine.js';

const POLICY = `policy: 1
defaults:
  approvalTimeoutSeconds: 60
rules:
  # issues need a person
  - id: gh-writes
    effect: approve
    mcp: { server: github, tool: 'create_*' }
`;

const ask = (
  tool: string,
  agentId = 'a1',
  extra: Partial<ApprovalRequest> = {},
): ApprovalRequest & PolicyRequest => ({
  agent: { id: agentId, name: 'coder', template: 'claude-code', labels: {} },
  service: { name: 'github', kind: 'mcp' },
  operation: { type: 'mcp', server: 'github', tool, arguments: { repo: 'acme/web' } },
  summary: `${agentId} → github/${tool}`,
  rule: 'gh-writes',
  ...extra,
});

function setup() {
  const engine = PolicyEngine.open({ db: new Database(':memory:'), defaultPolicy: POLICY });
  const live = new LiveBus();
  const changes: unknown[] = [];
  live.subscribe((m) => m.topic === 'approvals.changed' && changes.push(m.data));
  const events: LedgerEventInput[] = [];
  const approvals = new Approvals({ engine, live, audit: (e) => events.push(e) });
  return { engine, approvals, changes, events };
}

afterEach(() => void vi.useRealTimers());

describe('Approvals', () => {
  it('holds a request until answered once; the pending list and live topic follow', async () => {
    const { approvals, changes, events } = setup();
    const held = approvals.request(ask('create_issue'));
    const [pending] = approvals.list();
    expect(pending).toMatchObject({ agent: { id: 'a1' }, service: { name: 'github' }, rule: 'gh-writes' });
    expect(pending?.operation).toMatchObject({ tool: 'create_issue', arguments: { repo: 'acme/web' } });
    expect(changes).toEqual([{ pending: 1 }]);
    expect(approvals.answer(pending!.id, { decision: 'approve', scope: 'once', who: 'alice' })).toEqual({
      outcome: 'approved',
      settled: 1,
    });
    await expect(held).resolves.toBe('approved');
    expect(approvals.list()).toEqual([]);
    expect(changes).toEqual([{ pending: 1 }, { pending: 0 }]);
    expect(events.map((e) => e.status)).toEqual(['raised', 'approved']);
    expect(() => approvals.answer(pending!.id, { decision: 'deny', scope: 'once', who: 'alice' })).toThrow(
      /No pending approval/,
    );
  });

  it('an unanswered approval is denied at its timeout', async () => {
    vi.useFakeTimers();
    const { approvals, events } = setup();
    const held = approvals.request(ask('create_issue', 'a1', { timeoutSeconds: 5 }));
    vi.advanceTimersByTime(4_999);
    expect(approvals.list()).toHaveLength(1);
    vi.advanceTimersByTime(2);
    await expect(held).resolves.toBe('denied');
    expect(events.at(-1)).toMatchObject({ kind: 'approval', status: 'denied', payload: { why: 'timeout' } });
  });

  it('is withdrawn as denied when the agent goes away', async () => {
    const { approvals } = setup();
    const ac = new AbortController();
    const held = approvals.request(ask('create_issue', 'a1', { signal: ac.signal }));
    ac.abort();
    await expect(held).resolves.toBe('denied');
    expect(approvals.list()).toEqual([]);
  });

  it('approve always writes a rule into a new version and settles matching pending approvals', async () => {
    const { engine, approvals } = setup();
    const first = approvals.request(ask('create_issue'));
    const sameAgain = approvals.request(ask('create_issue'));
    const otherTool = approvals.request(ask('create_pr'));
    const otherAgent = approvals.request(ask('create_issue', 'a2'));
    const id = approvals.list()[0]!.id;
    const r = approvals.answer(id, { decision: 'approve', scope: 'always', who: 'alice' });
    expect(r).toEqual({ outcome: 'approved', version: 2, settled: 2 });
    await expect(first).resolves.toBe('approved');
    await expect(sameAgain).resolves.toBe('approved');
    expect(approvals.list().map((p) => [p.agent.id, (p.operation as { tool: string }).tool])).toEqual([
      ['a1', 'create_pr'],
      ['a2', 'create_issue'],
    ]);
    expect(engine.decide(ask('create_issue'))).toMatchObject({
      effect: 'allow',
      rule: `always-approve-${id}`,
    });
    expect(engine.decide(ask('create_issue', 'a2')).effect).toBe('approve');
    expect(engine.history()[0]).toMatchObject({ version: 2, author: 'alice' });
    expect(engine.yaml).toContain('# issues need a person'); // the rest of the document is kept as written
    expect(engine.yaml).toContain('written by "approve always" (alice');
    approvals.close();
    await expect(otherTool).resolves.toBe('denied');
    await expect(otherAgent).resolves.toBe('denied');
  });

  it('deny always writes a deny rule', async () => {
    const { engine, approvals } = setup();
    const held = approvals.request(ask('create_repo'));
    const r = approvals.answer(approvals.list()[0]!.id, { decision: 'deny', scope: 'always', who: 'bob' });
    expect(r.outcome).toBe('denied');
    await expect(held).resolves.toBe('denied');
    expect(engine.decide(ask('create_repo'))).toMatchObject({ effect: 'deny' });
    expect(engine.decide(ask('create_issue')).effect).toBe('approve');
  });

  it("approve always keeps the approving rule's conditions: it never allows more than was asked", () => {
    const engine = PolicyEngine.open({
      db: new Database(':memory:'),
      defaultPolicy: `policy: 1
rules:
  - id: tmp-writes
    effect: approve
    mcp: { server: fs, tool: write_file }
    when: { arguments.path: { glob: '/tmp/**' } }
`,
    });
    const approvals = new Approvals({ engine });
    const write = (path: string): ApprovalRequest & PolicyRequest => ({
      agent: { id: 'a1', name: 'coder', template: 'claude-code', labels: {} },
      service: { name: 'mcp', kind: 'mcp' },
      operation: { type: 'mcp', server: 'fs', tool: 'write_file', arguments: { path } },
      summary: 'a1 → fs/write_file',
      rule: 'tmp-writes',
    });
    void approvals.request(write('/tmp/notes.txt'));
    approvals.answer(approvals.list()[0]!.id, { decision: 'approve', scope: 'always', who: 'alice' });
    expect(engine.decide(write('/tmp/other.txt'))).toMatchObject({ effect: 'allow' });
    expect(engine.decide(write('/etc/passwd'))).toMatchObject({ effect: 'deny', rule: 'default-deny' });
    approvals.close();
  });
});
