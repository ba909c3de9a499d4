import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { migrate } from '../db/migrate.js';
import { ledgerMigrations, type RunRow } from './schema.js';
import { canonical, chainHash, encodeText, GENESIS_HASH, rowFields, type QueuedEvent } from './record.js';
import { contentAddress, isBlobRef, isListRef } from './blobs.js';
import { collectText } from './fts.js';
import type { FromWriter, ToWriter, WriterInit } from './protocol.js';

/**
 * The ledger's single writer, off the main event loop. Each batch from the main thread is one
 * transaction (group commit); the hash chain head advances only when the transaction commits.
 */
const port = parentPort;
if (!port) throw new Error('writer.worker must run as a worker thread');
const init = workerData as WriterInit;
const post = (m: FromWriter): void => port.postMessage(m);

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

let db: Database.Database;
let headSeq = 0;
let headHash = GENESIS_HASH;
try {
  db = new Database(init.file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${init.synchronous}`);
  db.pragma(`busy_timeout = ${init.busyTimeoutMs}`);
  db.pragma('cache_size = -32768');
  // A checkpointer thread does the routine work (see ledger.ts); this only bounds the WAL if it cannot.
  db.pragma('wal_autocheckpoint = 20000');
  if (init.maxPageCount) db.pragma(`max_page_count = ${init.maxPageCount}`);
  migrate(db, 'ledger', ledgerMigrations);
  const head = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
    { seq: number; hash: string } | undefined;
  const anchor = db
    .prepare("SELECT seq, hash FROM checkpoints WHERE kind = 'prune' ORDER BY id DESC LIMIT 1")
    .get() as { seq: number; hash: string } | undefined;
  if (head) [headSeq, headHash] = [head.seq, head.hash];
  else if (anchor) [headSeq, headHash] = [anchor.seq, anchor.hash];
  post({ type: 'ready', seq: headSeq, hash: headHash });
} catch (e) {
  post({ type: 'initError', code: errorCode(e), message: (e as Error).message });
  process.exit(0);
}

const insertEvent = db.prepare(`INSERT INTO events VALUES (${Array(26).fill('?').join(', ')})`);
const insertFts = db.prepare('INSERT INTO events_fts(rowid, body) VALUES (?, ?)');
const blobExists = db.prepare('SELECT 1 FROM blobs WHERE hash = ?').pluck();
const insertBlob = db.prepare('INSERT INTO blobs VALUES (?, ?, ?, ?)');
const touchBlob = db.prepare('UPDATE blobs SET last_seq = ? WHERE hash = ?');
const upsertRun =
  db.prepare(`INSERT INTO runs (run, agent, sandbox, first_seq, last_seq, started_ms, ended_ms,
    events, calls, llm_calls, tool_calls, input_tokens, output_tokens, cost_usd, cost_unknown, denials, errors, killed, last_status)
  VALUES (@run, @agent, @sandbox, @first_seq, @last_seq, @started_ms, @ended_ms, @events, @calls, @llm_calls,
    @tool_calls, @input_tokens, @output_tokens, @cost_usd, @cost_unknown, @denials, @errors, @killed, @last_status)
  ON CONFLICT(run) DO UPDATE SET agent = coalesce(agent, excluded.agent), sandbox = coalesce(sandbox, excluded.sandbox),
    last_seq = excluded.last_seq, ended_ms = max(ended_ms, excluded.ended_ms), events = events + excluded.events,
    calls = calls + excluded.calls, llm_calls = llm_calls + excluded.llm_calls, tool_calls = tool_calls + excluded.tool_calls,
    input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
    cost_usd = cost_usd + excluded.cost_usd, cost_unknown = cost_unknown + excluded.cost_unknown,
    denials = denials + excluded.denials, errors = errors + excluded.errors, killed = killed + excluded.killed,
    last_status = coalesce(excluded.last_status, last_status)`);
const insertCheckpoint = db.prepare(
  'INSERT INTO checkpoints (kind, seq, hash, ts_ms, public_key, signature, removed) VALUES (?, ?, ?, ?, ?, ?, ?)',
);

/** Could contentAddress split anything out of this payload? (Cheap test on the JSON text.) */
const mayAddress = (json: string): boolean =>
  json.length >= 512 ||
  json.includes('"messages":[') ||
  json.includes('"input":[') ||
  json.includes('"contents":[');

const TEXT_KINDS = new Set([
  'prompt',
  'input',
  'context',
  'tool_call',
  'output',
  'action',
  'reasoning',
  'guardrail',
  'error',
]);

// Blobs this writer has stored recently: skips re-compressing history that is resent each turn.
const knownBlobs = new Set<string>();

interface Written {
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
  hashes: string[];
  newBlobs: string[];
}

function writeBatch(items: string[], payloads: (string | null)[], wantHashes: boolean): Written {
  const firstSeq = headSeq + 1;
  let seq = headSeq;
  let prev = headHash;
  const hashes: string[] = [];
  const runs = new Map<string, RunRow>();
  const newBlobs: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const e = JSON.parse(items[i] as string) as QueuedEvent;
    const rawPayload = payloads[i] ?? null;
    seq++;
    const fields = rowFields(e, seq);
    // Full text covers what agents said and did; gateway bookkeeping is found by filters instead.
    const indexed = TEXT_KINDS.has(fields.kind);
    const text: string[] = [];
    if (indexed && fields.summary) text.push(fields.summary);
    let payloadJson: string | null = rawPayload;
    if (rawPayload !== null && (indexed || mayAddress(rawPayload))) {
      const payload: unknown = JSON.parse(rawPayload);
      const { stored, blobs } =
        init.contentAddressing === false ? { stored: payload, blobs: [] } : contentAddress(payload);
      if (blobs.length) payloadJson = JSON.stringify(stored);
      const p = stored as Record<string, unknown> | null;
      if (typeof p === 'object' && p !== null && !Array.isArray(p)) {
        if (indexed)
          for (const v of Object.values(p)) {
            if (isBlobRef(v) || isListRef(v)) continue; // indexed below, once
            collectText(v, text);
          }
      } else if (indexed) collectText(p, text);
      for (const [hash, json, value, indexable] of blobs) {
        if (knownBlobs.has(hash) || blobExists.get(hash)) {
          touchBlob.run(seq, hash);
        } else {
          insertBlob.run(hash, encodeText(json), json.length, seq);
          newBlobs.push(hash);
          if (indexed && indexable) collectText(value, text); // index a message the first time it is seen
        }
      }
    }
    const hash = chainHash(prev, canonical(fields, payloadJson));
    prev = hash;
    const f = fields;
    insertEvent.run(
      f.seq, f.id, f.ts_ms, f.kind, f.agent, f.sandbox, f.run, f.parent, f.service, f.operation, f.decision,
      f.rule, f.status, f.latency_ms, f.input_tokens, f.output_tokens, f.cache_read_tokens, f.cache_write_tokens,
      f.reasoning_tokens, f.cost_usd, f.cost_unknown, f.request_bytes, f.response_bytes, f.summary,
      payloadJson === null ? null : encodeText(payloadJson), hash,
    ); // prettier-ignore
    if (text.length) insertFts.run(seq, text.join('\n'));
    if (wantHashes) hashes.push(hash);
    if (fields.run) aggregate(runs, fields, rawPayload);
  }
  for (const r of runs.values()) upsertRun.run(r);
  // The head moves only after COMMIT succeeds (see the message handler): a failed commit rolls back.
  return { firstSeq, lastSeq: seq, lastHash: prev, hashes, newBlobs };
}

function aggregate(
  runs: Map<string, RunRow>,
  f: ReturnType<typeof rowFields>,
  rawPayload: string | null,
): void {
  const run = f.run as string;
  let r = runs.get(run);
  if (!r) {
    r = { run, agent: f.agent, sandbox: f.sandbox, first_seq: f.seq, last_seq: f.seq, started_ms: f.ts_ms,
      ended_ms: f.ts_ms, events: 0, calls: 0, llm_calls: 0, tool_calls: 0, input_tokens: 0, output_tokens: 0,
      cost_usd: 0, cost_unknown: 0, denials: 0, errors: 0, killed: 0, last_status: null }; // prettier-ignore
    runs.set(run, r);
  }
  r.agent ??= f.agent;
  r.sandbox ??= f.sandbox;
  r.last_seq = f.seq;
  r.ended_ms = Math.max(r.ended_ms, f.ts_ms);
  r.events++;
  if (f.kind === 'request') {
    r.calls++;
    if (f.operation?.startsWith('llm:')) r.llm_calls++;
  }
  if (f.kind === 'tool_call') r.tool_calls++;
  r.input_tokens += f.input_tokens ?? 0;
  r.output_tokens += f.output_tokens ?? 0;
  r.cost_usd += f.cost_usd ?? 0;
  r.cost_unknown += f.cost_unknown ?? 0;
  if (
    (f.kind === 'decision' && f.decision === 'deny') ||
    f.kind === 'limit' ||
    (f.kind === 'approval' && f.status === 'denied')
  )
    r.denials++;
  if (f.kind === 'error' || f.status === 'error') r.errors++;
  if (f.kind === 'kill') r.killed++;
  const outcome = rawPayload?.includes('"outcome"')
    ? (JSON.parse(rawPayload) as { outcome?: unknown }).outcome
    : undefined;
  if (typeof outcome === 'string') r.last_status = outcome;
  else if (f.kind === 'sandbox' && f.status) r.last_status = f.status;
}

const runBatch = db.transaction(writeBatch);

function prune(m: Extract<ToWriter, { type: 'checkpoint' }>): void {
  const at = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(m.seq) as string | undefined;
  if (at !== m.hash)
    throw Object.assign(new Error('The prune anchor no longer matches the ledger.'), { code: 'PRUNE_STALE' });
  const straddles = db
    .prepare(
      'SELECT 1 FROM events WHERE seq > ? AND run IN (SELECT DISTINCT run FROM events WHERE seq <= ? AND run IS NOT NULL) LIMIT 1',
    )
    .get(m.seq, m.seq);
  if (straddles)
    throw Object.assign(new Error('A run being pruned received new events; try again.'), {
      code: 'PRUNE_STALE',
    });
  db.prepare('DELETE FROM events_fts WHERE rowid IN (SELECT seq FROM events WHERE seq <= ?)').run(m.seq);
  db.prepare('DELETE FROM runs WHERE last_seq <= ?').run(m.seq);
  db.prepare('DELETE FROM events WHERE seq <= ?').run(m.seq);
  db.prepare('DELETE FROM blobs WHERE last_seq <= ?').run(m.seq);
  knownBlobs.clear();
}

const runCheckpoint = db.transaction((m: Extract<ToWriter, { type: 'checkpoint' }>) => {
  if (m.kind === 'prune') prune(m);
  insertCheckpoint.run(m.kind, m.seq, m.hash, m.tsMs, m.publicKey, m.signature, m.removed ?? null);
});

port.on('message', (m: ToWriter) => {
  try {
    if (m.type === 'batch') {
      const { firstSeq, lastSeq, lastHash, hashes, newBlobs } = runBatch(m.items, m.payloads, m.wantHashes);
      headSeq = lastSeq;
      headHash = lastHash;
      if (knownBlobs.size > 200_000) knownBlobs.clear();
      for (const h of newBlobs) knownBlobs.add(h);
      post({
        type: 'ack',
        batch: m.batch,
        firstSeq,
        count: m.items.length,
        lastHash: headHash,
        ...(m.wantHashes ? { hashes } : {}),
      });
    } else if (m.type === 'checkpoint') {
      runCheckpoint(m);
      post({ type: 'ack', batch: m.batch, firstSeq: headSeq + 1, count: 0, lastHash: headHash });
    } else if (m.type === 'setMaxPages') {
      db.pragma(`max_page_count = ${m.pages}`);
      post({ type: 'ack', batch: m.batch, firstSeq: headSeq + 1, count: 0, lastHash: headHash });
    } else if (m.type === 'close') {
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Another reader may hold the WAL; the next open checkpoints it.
      }
      db.close();
      post({ type: 'ack', batch: m.batch, firstSeq: headSeq + 1, count: 0, lastHash: headHash });
      port.close();
    }
  } catch (e) {
    // The transaction rolled back, so the chain head is unchanged.
    post({ type: 'fail', batch: m.batch, code: errorCode(e), message: (e as Error).message });
  }
});
