import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlApi } from '../api/registry.js';
import { auditHandlers } from './handlers.js';
import { tempLedger } from './test-helpers.js';
import { retentionFromEnv } from './retention.js';
import type { Ledger } from './ledger.js';
import type { EventRow } from './record.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
const ctx = { actor: 'test' };

/** A recorded agent session the way the gateway and adapters write it. */
function recordSession(ledger: Ledger, agent: string, opts: { deny?: boolean; tools?: number } = {}): string {
  const run = ledger.newRunId();
  const history: unknown[] = [];
  ledger.append({ kind: 'sandbox', run, agent, status: 'started', summary: 'sandbox started' });
  for (let turn = 0; turn < 2; turn++) {
    const req = ledger.append({
      kind: 'request',
      run,
      agent,
      service: 'anthropic',
      operation: 'llm:claude-sonnet-4',
    });
    ledger.append({ kind: 'decision', run, agent, parent: req, decision: 'allow', rule: 'llm-ok' });
    ledger.append({ kind: 'prompt', run, agent, parent: req, payload: { text: 'You are a build bot.' } });
    history.push({
      role: 'user',
      content:
        turn === 0
          ? 'fix the failing test'
          : [{ type: 'tool_result', tool_use_id: 'tu_0', content: 'tests pass' }],
    });
    ledger.append({ kind: 'input', run, agent, parent: req, payload: { messages: [...history] } });
    ledger.append({
      kind: 'reasoning',
      run,
      agent,
      parent: req,
      payload: { text: `thinking about turn ${turn}` },
    });
    ledger.append({ kind: 'output', run, agent, parent: req, payload: { text: `turn ${turn} answer` } });
    if (turn === 0)
      for (let t = 0; t < (opts.tools ?? 1); t++)
        ledger.append({
          kind: 'tool_call',
          run,
          agent,
          parent: req,
          payload: { name: 'run_tests', arguments: { filter: 'unit' }, id: `tu_${t}` },
        });
    ledger.append({
      kind: 'response',
      run,
      agent,
      parent: req,
      operation: 'llm:claude-sonnet-4',
      status: 'ok',
      latencyMs: 120,
      usage: { inputTokens: 100, outputTokens: 20 },
      costUsd: 0.001,
      payload: { stopReason: 'end_turn' },
    });
    history.push({ role: 'assistant', content: `turn ${turn} answer` });
  }
  if (opts.deny) {
    const req = ledger.append({
      kind: 'request',
      run,
      agent,
      service: 'github',
      operation: 'http:DELETE api.github.com/repos/x',
    });
    ledger.append({
      kind: 'decision',
      run,
      agent,
      parent: req,
      decision: 'deny',
      rule: 'no-delete',
      payload: { reason: 'deletes are not allowed' },
    });
  }
  return run;
}

async function setup() {
  const t = await tempLedger();
  cleanups.push(t.cleanup);
  const labels: Record<string, string> = { 'agent-a': 'v1', 'agent-b': 'v2' };
  const api = new ControlApi(
    auditHandlers({
      ledger: t.ledger,
      agentsWithLabel: (k, v) => Object.keys(labels).filter((a) => k === 'version' && labels[a] === v),
    }),
  );
  return { ...t, api };
}

describe('audit control API', () => {
  it('lists runs with totals and shows a run with its call tree', async () => {
    const { ledger, api } = await setup();
    const run = recordSession(ledger, 'agent-a', { deny: true });
    await ledger.flush();
    const runs = (await api.call('audit.runs', {}, ctx)) as { items: Record<string, unknown>[] };
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]).toMatchObject({
      run,
      agent: 'agent-a',
      calls: 3,
      llmCalls: 2,
      toolCalls: 1,
      tokens: 240,
      denials: 1,
      errors: 0,
      outcome: 'started',
    });
    expect(runs.items[0]?.costUsd).toBeCloseTo(0.002);
    const detail = (await api.call('audit.run', { run }, ctx)) as {
      tree: { kind: string; depth: number; parent?: string }[];
    };
    const roots = detail.tree.filter((n) => n.depth === 0).map((n) => n.kind);
    expect(roots).toEqual(['sandbox', 'request', 'request', 'request']);
    expect(detail.tree[2]).toMatchObject({ kind: 'decision', depth: 1 });
    await expect(api.call('audit.run', { run: 'run_nope' }, ctx)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('rebuilds the transcript with system prompt once, tool results attached and decisions inline', async () => {
    const { ledger, api } = await setup();
    const run = recordSession(ledger, 'agent-a', { deny: true });
    await ledger.flush();
    const t = (await api.call('audit.transcript', { run }, ctx)) as {
      items: { type: string; text?: string; result?: unknown; effect?: string; rule?: string }[];
    };
    const types = t.items.map((i) => i.type);
    expect(types.filter((x) => x === 'system')).toHaveLength(1);
    expect(t.items.filter((i) => i.type === 'user').map((i) => i.text)).toEqual(['fix the failing test']);
    expect(t.items.find((i) => i.type === 'tool_call')).toMatchObject({ result: 'tests pass' });
    expect(t.items.filter((i) => i.type === 'assistant').map((i) => i.text)).toEqual([
      'turn 0 answer',
      'turn 1 answer',
    ]);
    expect(t.items.filter((i) => i.type === 'reasoning')).toHaveLength(2);
    expect(t.items[t.items.length - 1]).toMatchObject({
      type: 'decision',
      effect: 'deny',
      rule: 'no-delete',
      reason: 'deletes are not allowed',
    });
  });

  it('replays in order with timings, compares runs and groups, searches, exports and verifies', async () => {
    const { ledger, api } = await setup();
    const a1 = recordSession(ledger, 'agent-a');
    const a2 = recordSession(ledger, 'agent-a');
    const b1 = recordSession(ledger, 'agent-b', { deny: true, tools: 3 });
    await ledger.flush();
    const replay = (await api.call('audit.replay', { run: a1, limit: 5 }, ctx)) as {
      items: { offsetMs: number; gapMs: number; seq: number }[];
      nextCursor?: string;
    };
    expect(replay.items).toHaveLength(5);
    expect(replay.items[0]?.offsetMs).toBe(0);
    for (const s of replay.items) expect(s.gapMs).toBeGreaterThanOrEqual(0);
    const more = (await api.call('audit.replay', { run: a1, limit: 5, cursor: replay.nextCursor }, ctx)) as {
      items: { seq: number }[];
    };
    expect(more.items[0]?.seq).toBe((replay.items[4]?.seq ?? 0) + 1);

    const byRun = (await api.call('audit.compare', { a: { run: a1 }, b: { run: b1 } }, ctx)) as {
      metrics: { metric: string; a: number; b: number; delta: number }[];
    };
    expect(byRun.metrics.find((m) => m.metric === 'toolCalls')).toMatchObject({ a: 1, b: 3, delta: 2 });
    expect(byRun.metrics.find((m) => m.metric === 'denials')).toMatchObject({ a: 0, b: 1 });
    const byLabel = (await api.call(
      'audit.compare',
      { a: { label: { key: 'version', value: 'v1' } }, b: { agent: 'agent-b' } },
      ctx,
    )) as { a: { runs: number; outcomes: Record<string, number> }; b: { runs: number } };
    expect(byLabel.a.runs).toBe(2);
    expect(byLabel.b.runs).toBe(1);
    expect(byLabel.a.outcomes).toEqual({ started: 2 });
    await expect(api.call('audit.compare', { a: {}, b: { run: a2 } }, ctx)).rejects.toMatchObject({
      code: 'bad_input',
    });

    const found = (await api.call('audit.search', { q: 'run_tests', agent: 'agent-b' }, ctx)) as {
      items: { run?: string; kind: string }[];
    };
    expect(found.items.length).toBe(3);
    expect(found.items.every((e) => e.run === b1 && e.kind === 'tool_call')).toBe(true);
    const denied = (await api.call('audit.events', { decision: 'deny' }, ctx)) as {
      items: { rule?: string }[];
    };
    expect(denied.items.map((e) => e.rule)).toEqual(['no-delete']);

    const lines: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await api.call(
        'audit.export',
        { run: a2, limit: 7, ...(cursor ? { cursor } : {}) },
        ctx,
      )) as { lines: string[]; nextCursor?: string };
      lines.push(...page.lines);
      cursor = page.nextCursor;
    } while (cursor);
    const exported = lines.map(
      (l) => JSON.parse(l) as { run: string; kind: string; payload?: { messages?: unknown[] } },
    );
    expect(exported.every((e) => e.run === a2)).toBe(true);
    expect(exported.length).toBe(
      ((await api.call('audit.run', { run: a2 }, ctx)) as { run: { events: number } }).run.events,
    );
    expect(exported.filter((e) => e.kind === 'input')[1]?.payload?.messages).toHaveLength(3); // blobs inlined

    expect(await api.call('audit.verify', {}, ctx)).toMatchObject({
      ok: true,
      message: `intact, ${ledger.head.seq} events`,
    });
    expect(await api.call('audit.status', {}, ctx)).toMatchObject({
      ok: true,
      state: 'ok',
      events: ledger.head.seq,
    });
    const ev = (await api.call(
      'audit.event',
      { id: exported[0] && (JSON.parse(lines[0] as string) as { id: string }).id },
      ctx,
    )) as { run: string };
    expect(ev.run).toBe(a2);
  });

  it('prunes whole old runs, checkpointing first, and verify still passes', async () => {
    const { ledger, api } = await setup();
    const old = recordSession(ledger, 'agent-a');
    ledger.append({ kind: 'config', summary: 'policy applied' });
    await ledger.flush();
    await new Promise((r) => setTimeout(r, 20));
    const cutoff = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const kept = recordSession(ledger, 'agent-b');
    await ledger.flush();
    const before = ledger.head.seq;
    const res = (await api.call('audit.prune', { olderThan: cutoff }, ctx)) as {
      removedEvents: number;
      removedRuns: number;
    };
    expect(res.removedRuns).toBe(1);
    const runs = (await api.call('audit.runs', {}, ctx)) as { items: { run: string }[] };
    expect(runs.items.map((r) => r.run)).toEqual([kept]);
    expect(((await api.call('audit.runs', {}, ctx)) as { items: unknown[] }).items).not.toContainEqual(
      expect.objectContaining({ run: old }),
    );
    const v = (await api.call('audit.verify', {}, ctx)) as { ok: boolean; events: number };
    expect(v).toMatchObject({ ok: true, events: before - res.removedEvents });
    // The chain continues after a prune and across a reopen.
    await ledger.appendDurable({ kind: 'action', summary: 'after prune' });
    expect(((await api.call('audit.verify', {}, ctx)) as { ok: boolean }).ok).toBe(true);
  });

  it('prunes the oldest whole runs to get under a size cap, checkpoint first', async () => {
    const { ledger } = await setup();
    const runs: string[] = [];
    for (let i = 0; i < 12; i++) {
      const run = ledger.newRunId();
      runs.push(run);
      for (let k = 0; k < 40; k++)
        ledger.append({
          kind: 'output',
          run,
          agent: 'a',
          payload: { text: `run ${i} line ${k} ${'lorem ipsum '.repeat(60)}${Math.random()}` },
        });
      await ledger.flush();
    }
    const bytes = ledger.queries.bytes();
    const res = await ledger.prune({ maxBytes: Math.floor(bytes / 2) });
    expect(res.removedRuns).toBeGreaterThan(0);
    const left = ledger.queries.runs({}, { limit: 100 }).items.map((r) => r.run);
    expect(left).toEqual(runs.slice(res.removedRuns).reverse()); // the oldest went, whole
    const kinds = ledger.queries.raw().prepare('SELECT kind FROM checkpoints ORDER BY id').pluck().all();
    expect(kinds.slice(-2)).toEqual(['checkpoint', 'prune']);
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('reads retention settings from the environment', () => {
    expect(retentionFromEnv({ GATEHOUSE_LEDGER_MAX_AGE_DAYS: '30', GATEHOUSE_LEDGER_MAX_MB: '512' })).toEqual(
      { maxAgeDays: 30, maxBytes: 512 * 1024 * 1024 },
    );
    expect(retentionFromEnv({ GATEHOUSE_LEDGER_MAX_AGE_DAYS: 'soon' })).toEqual({});
  });

  it('does not prune a run that is still going', async () => {
    const { ledger } = await setup();
    const run = ledger.newRunId();
    ledger.append({ kind: 'request', run, agent: 'x' });
    await ledger.flush();
    await new Promise((r) => setTimeout(r, 15));
    const cutoff = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 15));
    ledger.append({ kind: 'response', run, agent: 'x' });
    await ledger.flush();
    expect(await ledger.prune({ olderThan: cutoff })).toEqual({ removedEvents: 0, removedRuns: 0 });
  });

  it('says when a run is too long for one OTLP export (only the first 20,000 events go)', async () => {
    const { ledger, api } = await setup();
    const run = ledger.newRunId();
    for (let i = 0; i < 20_001; i++) ledger.append({ kind: 'action', run, agent: 'a', summary: `step ${i}` });
    await ledger.flush();
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const out = await api.call('audit.exportOtlp', { run, url, content: false }, ctx);
    expect(out).toMatchObject({ status: 200, truncated: true });
  });

  it('exports a run as gen_ai spans to an OTLP/HTTP collector on loopback, content as span events', async () => {
    const { ledger, api } = await setup();
    const canary = 'pelican-canary-7f3a9c21e0';
    ledger.addRedactions([canary], 'canary');
    const run = recordSession(ledger, 'agent-a');
    const filler = ' and more words'.repeat(40); // 512+ characters: stored as a content-addressed blob
    ledger.append({
      kind: 'input',
      run,
      agent: 'agent-a',
      payload: { text: `the token is ${canary}${filler}` },
    });
    await ledger.flush();
    const bodies: { url?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push({ url: req.url, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    type Attrs = { key: string; value: Record<string, unknown> }[];
    type Span = {
      name: string;
      parentSpanId?: string;
      attributes: Attrs;
      events?: { name: string; timeUnixNano: string; attributes: Attrs }[];
    };
    const values = (a: Attrs = []) => Object.fromEntries(a.map((x) => [x.key, Object.values(x.value)[0]]));
    const spansOf = (body = '{}') =>
      (JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] }).resourceSpans[0]
        ?.scopeSpans[0]?.spans ?? [];

    const out = (await api.call('audit.exportOtlp', { run, url }, ctx)) as {
      spans: number;
      events: number;
      status: number;
    };
    expect(out.status).toBe(200);
    expect(bodies[0]?.url).toBe('/v1/traces');
    const spans = spansOf(bodies[0]?.body);
    expect(spans).toHaveLength(out.spans);
    const chats = spans.filter((s) => s.name === 'chat claude-sonnet-4');
    expect(chats).toHaveLength(2);
    expect(values(chats[0]?.attributes)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4',
      'gen_ai.usage.input_tokens': '100',
      'gen_ai.usage.output_tokens': '20',
      'gen_ai.conversation.id': run,
    });
    // A list of strings, as the convention says (not a bare string).
    expect(chats[0]?.attributes.find((x) => x.key === 'gen_ai.response.finish_reasons')?.value).toEqual({
      arrayValue: { values: [{ stringValue: 'end_turn' }] },
    });
    expect(out).not.toHaveProperty('truncated');

    // Content: each message once, on the span that sent or received it, at its ledger event's time.
    const ledgerTs = new Map(
      ledger.queries
        .events({ run }, { limit: 1000 })
        .items.map((e) => [e.id, BigInt(Date.parse(e.ts)) * 1_000_000n]),
    );
    const contentOf = (s?: Span) =>
      (s?.events ?? []).map((ev) => {
        const a = values(ev.attributes);
        expect(BigInt(ev.timeUnixNano)).toBe(ledgerTs.get(String(a['gatehouse.event.id'])));
        return { name: ev.name, body: JSON.parse(String(a['gen_ai.event.content'])) as unknown, a };
      });
    const first = contentOf(chats[0]);
    expect(first.map((e) => [e.name, e.body])).toEqual([
      ['gen_ai.system.message', { role: 'system', content: 'You are a build bot.' }],
      ['gen_ai.user.message', { role: 'user', content: 'fix the failing test' }],
      [
        'gen_ai.choice',
        {
          index: 0,
          message: { role: 'assistant', content: [{ type: 'reasoning', content: 'thinking about turn 0' }] },
        },
      ],
      ['gen_ai.choice', { index: 0, message: { role: 'assistant', content: 'turn 0 answer' } }],
      [
        'gen_ai.choice',
        {
          index: 0,
          message: {
            role: 'assistant',
            tool_calls: [
              {
                id: 'tu_0',
                type: 'function',
                function: { name: 'run_tests', arguments: { filter: 'unit' } },
              },
            ],
          },
        },
      ],
    ]);
    expect(first.every((e) => e.a['gen_ai.system'] === 'anthropic')).toBe(true);
    const second = contentOf(chats[1]);
    // The second request resends the system prompt, the first user turn and the first answer: not repeated.
    expect(second.map((e) => e.name)).toEqual(['gen_ai.tool.message', 'gen_ai.choice', 'gen_ai.choice']);
    expect(second[0]?.body).toEqual({ role: 'tool', id: 'tu_0', content: 'tests pass' });
    expect(second[0]?.a['gen_ai.tool.call.id']).toBe('tu_0');
    expect(JSON.stringify(second[2]?.body)).toContain('turn 1 answer');
    for (const s of spans) {
      const times = (s.events ?? []).map((ev) => BigInt(ev.timeUnixNano));
      expect(times).toEqual([...times].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    const tool = spans.find((s) => s.name === 'execute_tool run_tests');
    expect(tool?.parentSpanId).toBeDefined();
    expect(values(tool?.attributes)).toMatchObject({
      'gen_ai.tool.call.id': 'tu_0',
      'gen_ai.tool.call.arguments': '{"filter":"unit"}',
      'gen_ai.tool.call.result': 'tests pass',
    });
    expect(out.events).toBe(spans.reduce((n, s) => n + (s.events?.length ?? 0), 0));

    // Canary: the registered secret was redacted when written, so the export cannot carry it.
    expect(bodies[0]?.body).not.toContain(canary);
    // ...and it was stored as a blob ref, which the export read back in full.
    const stored = ledger.queries
      .raw()
      .prepare('SELECT * FROM events WHERE run = ? ORDER BY seq DESC')
      .get(run);
    expect(ledger.queries.toEvent(stored as EventRow, true, false).payload).toEqual({
      text: { $blob: expect.any(String) },
    });
    const root = spans.find((s) => s.name === 'invoke_agent agent-a');
    expect(contentOf(root).map((e) => e.body)).toEqual([
      { role: 'user', content: `the token is [REDACTED:canary]${filler}` },
    ]);

    // content: false — the same spans and attributes, no content anywhere.
    const bare = (await api.call('audit.exportOtlp', { run, url, content: false }, ctx)) as {
      spans: number;
      events: number;
    };
    expect(bare).toMatchObject({ spans: out.spans, events: 0 });
    const bareSpans = spansOf(bodies[1]?.body);
    expect(bareSpans.map((s) => s.name)).toEqual(spans.map((s) => s.name));
    expect(bareSpans.every((s) => s.events === undefined)).toBe(true);
    const keys = bareSpans.flatMap((s) => s.attributes.map((a) => a.key));
    expect(keys).not.toContain('gen_ai.tool.call.arguments');
    expect(keys).not.toContain('gen_ai.tool.call.result');
    expect(keys).toContain('gen_ai.tool.call.id');
    for (const text of [
      'build bot',
      'fix the failing test',
      'turn 0 answer',
      'thinking about',
      'tests pass',
      'REDACTED',
    ])
      expect(bodies[1]?.body).not.toContain(text);
  });
});
