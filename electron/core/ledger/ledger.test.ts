import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../../shared/events.js';
import { generateKeyPairSync } from 'node:crypto';
import { Ledger } from './ledger.js';
import { signerFromKey } from './signer.js';
import { tempLedger } from './test-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function open(opts: Parameters<typeof tempLedger>[0] = {}) {
  const t = await tempLedger(opts);
  cleanups.push(t.cleanup);
  return t;
}

describe('Ledger writes', () => {
  it('commits durable appends, orders ids by time, and chains hashes', async () => {
    const { ledger } = await open();
    const run = ledger.newRunId();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++)
      ids.push(ledger.append({ kind: 'input', run, agent: 'a', payload: { text: `turn ${i}` } }));
    const last = await ledger.appendDurable({ kind: 'request', run, agent: 'a', operation: 'llm:claude-x' });
    ids.push(last);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // Durable means the writer committed it: a separate connection sees it.
    const other = new Database(ledger.file, { readonly: true });
    expect(other.prepare('SELECT count(*) FROM events').pluck().get()).toBe(51);
    other.close();
    const v = await ledger.verify();
    expect(v).toMatchObject({ ok: true, message: 'intact, 51 events' });
    const page = ledger.queries.events({ run }, { limit: 10, payload: true });
    expect(page.items.map((e) => e.id)).toEqual(ids.slice(0, 10));
    expect(page.items[3]?.payload).toEqual({ text: 'turn 3' });
    expect(page.nextCursor).toBeDefined();
    const next = ledger.queries.events({ run }, { limit: 10, cursor: page.nextCursor });
    expect(next.items[0]?.id).toBe(ids[10]);
  });

  it('loses nothing when appends outrun a healthy writer', async () => {
    const { ledger } = await open({ maxPending: 100 });
    for (let i = 0; i < 900; i++) ledger.append({ kind: 'action', summary: `burst ${i}` });
    await ledger.flush();
    expect(ledger.status()).toMatchObject({ events: 900, dropped: 0 });
  });

  it('rejects unknown event kinds', async () => {
    const { ledger } = await open();
    expect(() => ledger.append({ kind: 'nope' as 'input' })).toThrow(/Unknown ledger event kind/);
  });

  it('keeps the chain across reopen and detects tampering with the first broken link', async () => {
    const { ledger, file, dir } = await open();
    for (let i = 0; i < 20; i++)
      ledger.append({ kind: 'output', payload: { text: `out ${i}` }, usage: { outputTokens: i } });
    await ledger.close();
    const again = await Ledger.open({ file });
    cleanups.push(() => again.close());
    await again.appendDurable({ kind: 'config', summary: 'policy applied' });
    expect((await again.verify()).message).toBe('intact, 21 events');
    expect(readdirSync(dir)).toContain('ledger-signing.key');
    expect(statSync(join(dir, 'ledger-signing.key')).mode & 0o777).toBe(0o600);

    const db = new Database(file);
    db.prepare("UPDATE events SET summary = 'forged' WHERE seq = 7").run();
    db.close();
    const v = await again.verify();
    expect(v.ok).toBe(false);
    expect(v.broken?.seq).toBe(7);
    expect(v.message).toMatch(/^broken at event 7/);
  });

  it('detects a deleted event and a truncated tail after a signed checkpoint', async () => {
    const { ledger, file } = await open();
    for (let i = 0; i < 10; i++) ledger.append({ kind: 'action', summary: `a${i}` });
    await ledger.flush();
    await ledger.checkpoint();
    const db = new Database(file);
    db.prepare('DELETE FROM events WHERE seq = 10').run();
    db.close();
    const v = await ledger.verify();
    expect(v.ok).toBe(false);
    expect(v.message).toMatch(/signed in a checkpoint but are missing/);
    const db2 = new Database(file);
    db2.prepare('DELETE FROM events WHERE seq = 4').run();
    db2.close();
    expect((await ledger.verify()).broken?.seq).toBe(4);
  });

  it('filters by time range (seq order is time order)', async () => {
    const { ledger } = await open();
    ledger.append({ kind: 'action', summary: 'early' });
    await ledger.flush();
    await new Promise((r) => setTimeout(r, 15));
    const from = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 15));
    ledger.append({ kind: 'action', summary: 'middle' });
    await ledger.flush();
    await new Promise((r) => setTimeout(r, 15));
    const to = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 15));
    ledger.append({ kind: 'action', summary: 'late' });
    await ledger.flush();
    expect(ledger.queries.events({ from, to }).items.map((e) => e.summary)).toEqual(['middle']);
    expect(ledger.queries.events({ from }).items.map((e) => e.summary)).toEqual(['middle', 'late']);
    expect(ledger.queries.events({ to }).items.map((e) => e.summary)).toEqual(['early', 'middle']);
  });

  it('signs later checkpoints with a signer handed over after open (the vault)', async () => {
    const { ledger } = await open();
    ledger.append({ kind: 'action', summary: 'before' });
    await ledger.flush();
    await ledger.checkpoint();
    const { privateKey } = generateKeyPairSync('ed25519');
    const vaultSigner = signerFromKey(privateKey);
    ledger.useSigner(vaultSigner);
    ledger.append({ kind: 'action', summary: 'after' });
    await ledger.flush();
    await ledger.checkpoint();
    const keys = ledger.queries.raw().prepare('SELECT public_key FROM checkpoints ORDER BY id').pluck().all();
    expect(keys[1]).toBe(vaultSigner.publicKey);
    const v = await ledger.verify();
    expect(v.ok).toBe(true);
    expect(v.warnings).toEqual(['checkpoint #1 was signed by a key other than the current signing key']);
  });

  it('rejects a forged checkpoint signature', async () => {
    const { ledger, file } = await open();
    ledger.append({ kind: 'action', summary: 'x' });
    await ledger.flush();
    await ledger.checkpoint();
    const db = new Database(file);
    db.prepare("UPDATE checkpoints SET signature = ? WHERE kind = 'checkpoint'").run(
      Buffer.alloc(64, 1).toString('base64'),
    );
    db.close();
    expect((await ledger.verify()).message).toMatch(/signature of checkpoint/);
  });
});

describe('content addressing and compression', () => {
  it('stores resent conversation history once and rebuilds it on read', async () => {
    const { ledger, file } = await open();
    const history: { role: string; content: string }[] = [];
    const ids: string[] = [];
    for (let turn = 0; turn < 30; turn++) {
      history.push({ role: 'user', content: `question number ${turn} `.repeat(20) });
      ids.push(ledger.append({ kind: 'input', payload: { messages: [...history] } }));
      history.push({ role: 'assistant', content: `answer number ${turn} `.repeat(20) });
    }
    await ledger.flush();
    const db = new Database(file, { readonly: true });
    // Every message once, plus one history-list node per message (each turn adds two).
    expect(db.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(59 * 2);
    const stored = db.prepare('SELECT payload FROM events WHERE seq = 30').pluck().get() as Buffer;
    expect(stored.length).toBeLessThan(120); // one history ref, however long the history
    const longest = db.prepare('SELECT data FROM blobs ORDER BY size DESC LIMIT 1').pluck().get() as Buffer;
    expect(longest[0]).toBe(1); // messages are deflated
    db.close();
    const last = ledger.queries.event(ids[29] as string);
    expect((last?.payload as { messages: unknown[] }).messages).toEqual(history.slice(0, 59));
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('detects a tampered blob', async () => {
    const { ledger, file } = await open();
    await ledger.appendDurable({
      kind: 'input',
      payload: { messages: [{ role: 'user', content: 'original words' }] },
    });
    const db = new Database(file);
    db.prepare('UPDATE blobs SET data = ?').run(
      Buffer.concat([Buffer.of(0), Buffer.from('{"role":"user","content":"forged"}')]),
    );
    db.close();
    expect((await ledger.verify()).message).toMatch(/does not match its address/);
  });
});

describe('search', () => {
  it('finds prompts, outputs and tool arguments with filters and cursors', async () => {
    const { ledger } = await open();
    ledger.append({
      kind: 'prompt',
      agent: 'a',
      payload: { text: 'You are a careful refactoring assistant' },
    });
    ledger.append({
      kind: 'tool_call',
      agent: 'b',
      payload: { name: 'write_file', arguments: { path: '/src/zebra.ts' } },
    });
    ledger.append({ kind: 'output', agent: 'a', payload: { text: 'The zebra module is done' } });
    ledger.append({
      kind: 'input',
      agent: 'a',
      payload: { messages: [{ role: 'user', content: [{ type: 'text', text: 'refactor the zebra' }] }] },
    });
    await ledger.flush();
    expect(ledger.queries.search('zebra', {}).items.map((e) => e.kind)).toEqual([
      'input',
      'output',
      'tool_call',
    ]);
    expect(ledger.queries.search('zebra', { agent: 'b' }).items.map((e) => e.kind)).toEqual(['tool_call']);
    expect(ledger.queries.search('careful', { kind: 'prompt' }).items).toHaveLength(1);
    const p1 = ledger.queries.search('zebra', {}, { limit: 2 });
    expect(p1.items).toHaveLength(2);
    const p2 = ledger.queries.search('zebra', {}, { limit: 2, cursor: p1.nextCursor });
    expect(p2.items.map((e) => e.kind)).toEqual(['tool_call']);
    expect(ledger.queries.search('"; DROP TABLE events; --', {}).items).toEqual([]);
    expect(p1.items[0]?.snippet).toMatch(/zebra/);
  });
});

describe('redaction', () => {
  it('never writes a registered secret to ledger.db, its WAL or its shm (canary)', async () => {
    const { ledger, dir } = await open();
    const canary = 'canary-7f3e9a1b2c4d5e6f-secret';
    ledger.addRedactions([canary], 'vault:github');
    const seen: LedgerEvent[] = [];
    ledger.subscribe((evs) => void seen.push(...evs));
    const run = ledger.newRunId();
    for (let i = 0; i < 200; i++) {
      ledger.append({
        kind: 'action',
        run,
        summary: `GET with token ${canary}`,
        payload: {
          headers: { authorization: `Bearer ${canary}` },
          body: JSON.stringify({ t: canary }),
          n: i,
        },
      });
    }
    await ledger.appendDurable({
      kind: 'input',
      run,
      payload: { messages: [{ role: 'user', content: `my key is ${canary}` }] },
    });
    await ledger.flush();
    await new Promise((r) => setTimeout(r, 150));
    const needle = Buffer.from(canary);
    const files = readdirSync(dir).filter((f) => f.startsWith('ledger.db'));
    expect(files).toEqual(expect.arrayContaining(['ledger.db', 'ledger.db-wal', 'ledger.db-shm']));
    for (const f of files) expect(readFileSync(join(dir, f)).includes(needle), f).toBe(false);
    expect(JSON.stringify(seen)).not.toContain(canary);
    expect(seen).toHaveLength(201);
    const e = ledger.queries.events({ run }, { limit: 1, payload: true }).items[0];
    expect(e?.summary).toBe('GET with token [REDACTED:vault:github]');
    // The redacted text is what is searchable, the secret is not.
    expect(ledger.queries.search(canary, {}).items).toEqual([]);
  });

  it('redacts well-known key shapes nobody registered', async () => {
    const { ledger } = await open();
    const id = await ledger.appendDurable({
      kind: 'input',
      payload: { text: 'key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123' },
    });
    expect(ledger.queries.event(id)?.payload).toEqual({ text: 'key [REDACTED:anthropic-key]' });
  });
});

describe('faults', () => {
  it('rejects durable appends with ledger_unavailable while the database is locked, and recovers', async () => {
    const { ledger, file } = await open({ busyTimeoutMs: 100 });
    await ledger.appendDurable({ kind: 'action', summary: 'before' });
    const locker = new Database(file);
    locker.exec('BEGIN IMMEDIATE');
    locker
      .prepare(
        "INSERT INTO checkpoints (kind, seq, hash, ts_ms, public_key, signature) VALUES ('x', 0, '', 0, '', '')",
      )
      .run();
    ledger.append({ kind: 'action', summary: 'plain while locked' });
    await expect(
      ledger.appendDurable({ kind: 'request', summary: 'durable while locked' }),
    ).rejects.toMatchObject({
      code: 'ledger_unavailable',
      message: expect.stringMatching(/locked by another process/),
    });
    expect(ledger.status()).toMatchObject({
      ok: false,
      state: 'unavailable',
      problem: expect.stringMatching(/locked/),
    });
    locker.exec('ROLLBACK');
    locker.close();
    await ledger.appendDurable({ kind: 'action', summary: 'after' });
    expect(ledger.status().ok).toBe(true);
    const summaries = ledger.queries.events({}).items.map((e) => e.summary);
    // The plain event was kept and written on retry; the refused durable one was not written.
    expect(summaries).toEqual(['before', 'plain while locked', 'after']);
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('fails closed when the disk is full', async () => {
    const { ledger } = await open();
    await ledger.appendDurable({ kind: 'action', summary: 'fits' });
    const pages = ledger.queries.raw().pragma('page_count', { simple: true }) as number;
    await ledger.setMaxPages(pages);
    const big = 'x'.repeat(200_000) + Math.random();
    await expect(
      ledger.appendDurable({
        kind: 'input',
        payload: { text: big, r: [...Array(5000).keys()].map((i) => Math.random() * i) },
      }),
    ).rejects.toMatchObject({
      code: 'ledger_unavailable',
      message: expect.stringMatching(/disk holding the audit ledger is full/),
    });
    expect(ledger.status().problem).toMatch(/full/);
    await ledger.setMaxPages(0);
    await ledger.appendDurable({ kind: 'action', summary: 'room again' });
    expect(ledger.status().ok).toBe(true);
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('opens a corrupt file in a failed state that says why', async () => {
    const { dir } = await open();
    const file = join(dir, 'corrupt.db');
    writeFileSync(file, Buffer.alloc(8192, 7));
    const ledger = await Ledger.open({ file });
    cleanups.push(() => ledger.close());
    expect(ledger.status()).toMatchObject({ ok: false, problem: expect.stringMatching(/corrupt/) });
    await expect(ledger.appendDurable({ kind: 'action' })).rejects.toMatchObject({
      code: 'ledger_unavailable',
    });
    await expect(ledger.verify()).rejects.toMatchObject({ code: 'ledger_unavailable' });
  });
});

describe('live subscribers', () => {
  it('delivers committed events in batches; a slow or throwing subscriber does not hold up appends', async () => {
    const { ledger } = await open();
    const fast: LedgerEvent[] = [];
    let slowCalls = 0;
    let release: () => void = () => undefined;
    ledger.subscribe((evs) => void fast.push(...evs));
    ledger.subscribe(() => {
      slowCalls++;
      return new Promise<void>((r) => (release = r)); // never finishes until released
    });
    ledger.subscribe(() => {
      throw new Error('broken subscriber');
    });
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) ids.push(ledger.append({ kind: 'action', summary: `e${i}` }));
    await ledger.appendDurable({ kind: 'request', summary: 'durable while a subscriber is stuck' });
    await ledger.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(fast.map((e) => e.id).slice(0, 5000)).toEqual(ids);
    expect(fast).toHaveLength(5001);
    expect(fast[0]).toMatchObject({ seq: 1, kind: 'action', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(slowCalls).toBe(1);
    release();
    expect(ledger.status().events).toBe(5001);
  });
});
