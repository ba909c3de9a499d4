import type Database from 'better-sqlite3';
import { canonical, chainHash, decodeText, GENESIS_HASH, sha256, type EventRow } from './record.js';
import { checkpointMessage, signatureValid } from './signer.js';

export interface VerifyResult {
  ok: boolean;
  /** "intact, N events" or the first broken link. */
  message: string;
  events: number;
  checkpoints: number;
  firstSeq?: number;
  lastSeq?: number;
  broken?: { seq: number; id?: string; reason: string };
  warnings: string[];
}

interface CheckpointRow {
  id: number;
  kind: 'checkpoint' | 'prune';
  seq: number;
  hash: string;
  ts_ms: number;
  public_key: string;
  signature: string;
}

const CHUNK = 2000;

/**
 * Recomputes the hash chain from the genesis (or the latest signed prune anchor), checks every
 * blob against its address, and every signed checkpoint against the chain. Yields to the event
 * loop between chunks so the console stays responsive on a large ledger.
 */
export async function verifyLedger(db: Database.Database, trustedKey?: string): Promise<VerifyResult> {
  const warnings: string[] = [];
  const cps = db.prepare('SELECT * FROM checkpoints ORDER BY id').all() as CheckpointRow[];
  const broken = (seq: number, reason: string, id?: string, events = 0): VerifyResult => ({
    ok: false,
    message: `broken at event ${seq}${id ? ` (${id})` : ''}: ${reason}`,
    events,
    checkpoints: cps.length,
    broken: { seq, ...(id ? { id } : {}), reason },
    warnings,
  });
  for (const c of cps) {
    if (!signatureValid(c.public_key, checkpointMessage(c.kind, c.seq, c.hash, c.ts_ms), c.signature))
      return broken(c.seq, `the signature of ${c.kind} #${c.id} is not valid`);
    if (trustedKey && c.public_key.trim() !== trustedKey.trim())
      warnings.push(`${c.kind} #${c.id} was signed by a key other than the current signing key`);
  }
  const anchor = [...cps].reverse().find((c) => c.kind === 'prune');
  let prevSeq = anchor ? anchor.seq : 0;
  let prev = anchor ? anchor.hash : GENESIS_HASH;
  const bySeq = new Map<number, CheckpointRow[]>();
  for (const c of cps)
    if (c.kind === 'checkpoint' && c.seq > prevSeq) bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);

  const blobExists = db.prepare('SELECT 1 FROM blobs WHERE hash = ?').pluck();
  const page = db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  let count = 0;
  let firstSeq: number | undefined;
  for (;;) {
    const rows = page.all(prevSeq, CHUNK) as EventRow[];
    if (!rows.length) break;
    for (const r of rows) {
      if (r.seq !== prevSeq + 1)
        return broken(prevSeq + 1, 'the event is missing (gap in the sequence)', undefined, count);
      let payloadJson: string | null;
      try {
        payloadJson = r.payload ? decodeText(r.payload) : null;
      } catch {
        return broken(r.seq, 'the payload cannot be decompressed', r.id, count);
      }
      const { payload: _p, hash: _h, ...fields } = r;
      if (chainHash(prev, canonical(fields, payloadJson)) !== r.hash)
        return broken(
          r.seq,
          'its content or its link to the previous event does not match its hash',
          r.id,
          count,
        );
      if (payloadJson?.includes('"$blob"') || payloadJson?.includes('"$list"')) {
        for (const m of payloadJson.matchAll(/"\$(?:blob|list)":"([0-9a-f]{64})"/g))
          if (!blobExists.get(m[1]))
            return broken(r.seq, `a message it refers to (${m[1]?.slice(0, 12)}…) is missing`, r.id, count);
      }
      for (const c of bySeq.get(r.seq) ?? [])
        if (c.hash !== r.hash)
          return broken(r.seq, `it does not match signed checkpoint #${c.id}`, r.id, count);
      firstSeq ??= r.seq;
      prev = r.hash;
      prevSeq = r.seq;
      count++;
    }
    await new Promise((res) => setImmediate(res));
  }
  const lastCp = Math.max(0, ...[...bySeq.keys()]);
  if (lastCp > prevSeq)
    return broken(
      prevSeq + 1,
      `events up to ${lastCp} were signed in a checkpoint but are missing`,
      undefined,
      count,
    );

  const blobs = db.prepare('SELECT hash, data FROM blobs').iterate() as IterableIterator<{
    hash: string;
    data: Buffer;
  }>;
  for (const b of blobs) {
    let ok: boolean;
    try {
      ok = sha256(decodeText(b.data)) === b.hash;
    } catch {
      ok = false;
    }
    if (!ok)
      return {
        ...broken(0, `stored message ${b.hash.slice(0, 12)}… does not match its address`, undefined, count),
        events: count,
      };
  }
  return {
    ok: true,
    message: `intact, ${count} events`,
    events: count,
    checkpoints: cps.length,
    ...(firstSeq !== undefined ? { firstSeq, lastSeq: prevSeq } : {}),
    warnings,
  };
}
