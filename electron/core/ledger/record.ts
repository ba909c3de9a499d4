import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { LedgerEvent, LedgerEventInput } from '../../../shared/events.js';

/** An event as it sits in the `events` table. The hash chain covers exactly these columns. */
export interface EventRow {
  seq: number;
  id: string;
  ts_ms: number;
  kind: string;
  agent: string | null;
  sandbox: string | null;
  run: string | null;
  parent: string | null;
  service: string | null;
  operation: string | null;
  decision: string | null;
  rule: string | null;
  status: string | null;
  latency_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  cost_unknown: number | null;
  request_bytes: number | null;
  response_bytes: number | null;
  summary: string | null;
  /** Payload JSON (after content addressing), stored compressed. */
  payload: Buffer | null;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** What the main thread sends the writer for each event: the redacted input plus its id and time. */
export type QueuedEvent = LedgerEventInput & { id: string; ts_ms: number };

/** Builds the row (without payload bytes and hash) from a queued event. */
export function rowFields(e: QueuedEvent, seq: number): Omit<EventRow, 'payload' | 'hash'> {
  const u = e.usage ?? {};
  return {
    seq,
    id: e.id,
    ts_ms: e.ts_ms,
    kind: e.kind,
    agent: str(e.agent),
    sandbox: str(e.sandbox),
    run: str(e.run),
    parent: str(e.parent),
    service: str(e.service),
    operation: str(e.operation),
    decision: str(e.decision),
    rule: str(e.rule),
    status: str(e.status),
    latency_ms: num(e.latencyMs),
    input_tokens: num(u.inputTokens),
    output_tokens: num(u.outputTokens),
    cache_read_tokens: num(u.cacheReadTokens),
    cache_write_tokens: num(u.cacheWriteTokens),
    reasoning_tokens: num(u.reasoningTokens),
    cost_usd: num(e.costUsd),
    cost_unknown: e.costUsd === null ? 1 : null,
    request_bytes: num(e.requestBytes),
    response_bytes: num(e.responseBytes),
    summary: str(e.summary),
  };
}

/** The canonical form hashed into the chain: every column in a fixed order, payload as JSON text. */
export function canonical(r: Omit<EventRow, 'payload' | 'hash'>, payloadJson: string | null): string {
  return JSON.stringify([
    r.seq, r.id, r.ts_ms, r.kind, r.agent, r.sandbox, r.run, r.parent, r.service, r.operation,
    r.decision, r.rule, r.status, r.latency_ms, r.input_tokens, r.output_tokens, r.cache_read_tokens,
    r.cache_write_tokens, r.reasoning_tokens, r.cost_usd, r.cost_unknown, r.request_bytes,
    r.response_bytes, r.summary, payloadJson,
  ]); // prettier-ignore
}

export function chainHash(prev: string, canonicalText: string): string {
  return createHash('sha256').update(prev).update(canonicalText).digest('hex');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// Payload bytes: first byte 0 = UTF-8 as is (too small to gain), 1 = raw deflate.
// Deflate costs ~25 µs a call (zlib set-up) and saves little on short JSON, so only longer text is compressed.
const SMALL = 384;
export function encodeText(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  if (raw.length < SMALL) return Buffer.concat([Buffer.of(0), raw]);
  return Buffer.concat([Buffer.of(1), deflateRawSync(raw, { level: 6 })]);
}

export function decodeText(buf: Buffer | Uint8Array): string {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf);
  const body = b.subarray(1);
  return b[0] === 1 ? inflateRawSync(body).toString('utf8') : body.toString('utf8');
}

/** A row back to the shared event shape (payload as stored, i.e. with blob refs unexpanded). */
export function rowToEvent(r: EventRow, payload: unknown): LedgerEvent {
  const e: LedgerEvent = {
    id: r.id,
    seq: r.seq,
    ts: new Date(r.ts_ms).toISOString(),
    hash: r.hash,
    kind: r.kind as LedgerEvent['kind'],
  };
  const set = <K extends keyof LedgerEvent>(k: K, v: LedgerEvent[K] | null): void => {
    if (v !== null && v !== undefined) e[k] = v;
  };
  set('agent', r.agent);
  set('sandbox', r.sandbox);
  set('run', r.run);
  set('parent', r.parent);
  set('service', r.service);
  set('operation', r.operation);
  set('decision', r.decision as LedgerEvent['decision'] | null);
  set('rule', r.rule);
  set('status', r.status);
  set('latencyMs', r.latency_ms);
  const usage: NonNullable<LedgerEvent['usage']> = {};
  if (r.input_tokens !== null) usage.inputTokens = r.input_tokens;
  if (r.output_tokens !== null) usage.outputTokens = r.output_tokens;
  if (r.cache_read_tokens !== null) usage.cacheReadTokens = r.cache_read_tokens;
  if (r.cache_write_tokens !== null) usage.cacheWriteTokens = r.cache_write_tokens;
  if (r.reasoning_tokens !== null) usage.reasoningTokens = r.reasoning_tokens;
  if (Object.keys(usage).length) e.usage = usage;
  if (r.cost_usd !== null) e.costUsd = r.cost_usd;
  else if (r.cost_unknown) e.costUsd = null;
  set('requestBytes', r.request_bytes);
  set('responseBytes', r.response_bytes);
  set('summary', r.summary);
  if (payload !== undefined) e.payload = payload;
  return e;
}
