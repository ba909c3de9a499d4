import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Core } from '../../core/app.js';
import { startCliHarness, type CliHarness } from '../../core/testing/cli-harness.js';

let h: CliHarness;
let dir: string;
let core: Core;

beforeAll(async () => {
  h = await startCliHarness({ prefix: 'gh-audit-cli-', command: ['audit'] });
  ({ dir, core } = h);
});
afterAll(async () => {
  await h?.close();
});

const start = (...argv: string[]) => h.start(argv);
const cli = (...argv: string[]) => h.cli(argv);
const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 25));
};

describe('gatehouse audit (through the running instance)', () => {
  it('tails live events, searches, exports JSONL and verifies', async () => {
    const run = core.ledger.newRunId();
    const before = core.live.subscriberCount;
    const tail = start('tail', '--agent', 'bot-1');
    await until(() => core.live.subscriberCount > before); // the CLI's SSE stream is connected
    core.ledger.append({
      kind: 'tool_call',
      run,
      agent: 'bot-1',
      operation: 'mcp:fs/write_file',
      summary: 'write /tmp/pelican.txt',
      payload: { name: 'write_file', arguments: { path: '/tmp/pelican.txt' } },
    });
    core.ledger.append({ kind: 'tool_call', run, agent: 'other', summary: 'not for this tail' });
    await core.ledger.appendDurable({
      kind: 'output',
      run,
      agent: 'bot-1',
      payload: { text: 'done writing the pelican file' },
    });
    await until(() => tail.io.out.includes('output'));
    tail.stdout.destroy();
    expect(await tail.done).toBe(0);
    expect(tail.io.out).toMatch(/tool_call\s+bot-1\s+mcp:fs\/write_file\s+write \/tmp\/pelican.txt/);
    expect(tail.io.out).not.toContain('not for this tail');

    const s = await cli('search', 'pelican');
    expect(s.code).toBe(0);
    expect(s.out.split('\n').filter((l) => /tool_call|output/.test(l))).toHaveLength(2);

    const file = join(dir, 'run.jsonl');
    const x = await cli('export', '--run', run, '--out', file);
    expect(x.code).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; run: string });
    expect(lines.map((l) => l.kind)).toEqual(['tool_call', 'tool_call', 'output']);

    const v = await cli('verify');
    expect(v.code).toBe(0);
    expect(v.out.trim()).toMatch(/^intact, \d+ events$/);

    const r = await cli('runs', '--json');
    expect(r.out).toContain(run);
  });

  it('verify exits 1 and names the first broken link after tampering', async () => {
    await core.ledger.appendDurable({ kind: 'config', summary: 'will be forged' });
    const db = new Database(join(dir, 'ledger.db'));
    db.prepare("UPDATE events SET summary = 'forged' WHERE summary = 'will be forged'").run();
    db.close();
    const v = await cli('verify');
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/^broken at event \d+/);
  });

  it('sends a run to an OTLP collector with its content, or without it (--no-content)', async () => {
    const run = core.ledger.newRunId();
    const base = { run, agent: 'bot-2' };
    const req = core.ledger.append({ ...base, kind: 'request', service: 'anthropic', operation: 'llm:m1' });
    core.ledger.append({ ...base, kind: 'prompt', parent: req, payload: { text: 'You keep the pelicans.' } });
    await core.ledger.appendDurable({ ...base, kind: 'response', parent: req, status: 'ok' });
    const bodies: string[] = [];
    const server = createServer((rq, rs) => {
      let body = '';
      rq.on('data', (c: Buffer) => (body += c.toString()));
      rq.on('end', () => {
        bodies.push(body);
        rs.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const full = await cli('export', '--run', run, '--otlp', url);
      expect(full.code).toBe(0);
      expect(full.out).toContain('Sent 2 spans with 1 content events');
      expect(bodies[0]).toContain('gen_ai.system.message');
      expect(bodies[0]).toContain('You keep the pelicans.');
      const bare = await cli('export', '--run', run, '--otlp', url, '--no-content');
      expect(bare.code).toBe(0);
      expect(bare.out).toContain('Sent 2 spans (no content)');
      expect(bodies[1]).toContain('chat m1');
      expect(bodies[1]).not.toContain('pelicans');
      const misuse = await cli('export', '--run', run, '--no-content');
      expect(misuse.code).toBe(2);
      expect(misuse.err).toMatch(/--no-content goes with --otlp/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('explains usage errors', async () => {
    const u = await cli('export');
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/--run R or --from ISO/);
  });
});
