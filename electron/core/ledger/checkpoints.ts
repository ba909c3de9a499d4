import type Database from 'better-sqlite3';
import { GatehouseError } from '../../../shared/errors.js';
import type { ToWriter } from './protocol.js';
import { cutoffForSize, pruneCut } from './retention.js';
import { checkpointMessage, type CheckpointSigner } from './signer.js';

export interface RetentionPolicy {
  maxAgeDays?: number;
  maxBytes?: number;
}

export interface PruneResult {
  removedEvents: number;
  removedRuns: number;
  /** Verification now starts after this seq (signed prune anchor). */
  anchorSeq?: number;
}

/** What the checkpoint keeper needs from the ledger. */
export interface CheckpointHost {
  /** The committed head of the chain. */
  head(): { seq: number; hash: string };
  /** False while closed, dead or faulted: nothing new can be committed. */
  writable(): boolean;
  /** Sends a control message to the writer; resolves once it has committed. */
  call(m: Extract<ToWriter, { type: 'checkpoint' }>): Promise<void>;
  flush(): Promise<void>;
  reader(): Database.Database;
  bytes(): number;
}

/**
 * Signed checkpoints of the chain head, and retention (prune) anchored by them. The signer is
 * the vault's key; until the vault provides it (`signer` undefined: locked, or not open yet)
 * checkpoints wait and prune refuses, naming why.
 */
export class Checkpoints {
  lastSeq = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly host: CheckpointHost,
    public signer: CheckpointSigner | undefined,
  ) {}

  /** True when no signer is available, so checkpoints are waiting for one. */
  get waiting(): boolean {
    return this.signer === undefined;
  }

  /** Writes a signed checkpoint of the committed head (no-op if nothing new or no signer yet). */
  async write(): Promise<void> {
    const { seq, hash } = this.host.head();
    if (!this.signer || !this.host.writable() || seq === this.lastSeq) return;
    if (this.running) return this.running; // one at a time; the next call covers newer events
    this.running = this.signed('checkpoint', seq, hash).then(() => {
      this.lastSeq = Math.max(this.lastSeq, seq);
    });
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Sends a signed checkpoint (or prune anchor) to the writer and waits for it to commit. */
  async signed(kind: 'checkpoint' | 'prune', seq: number, hash: string, removed?: number): Promise<void> {
    const signer = this.requireSigner();
    const tsMs = Date.now();
    const signature = Buffer.from(await signer.sign(checkpointMessage(kind, seq, hash, tsMs))).toString(
      'base64',
    );
    await this.host.call({
      type: 'checkpoint',
      batch: 0,
      kind,
      seq,
      hash,
      tsMs,
      publicKey: signer.publicKey,
      signature,
      ...(removed === undefined ? {} : { removed }),
    });
  }

  /**
   * Deletes whole runs older than `maxAgeDays` (or the oldest runs beyond `maxBytes`). Writes a
   * signed checkpoint of the head first, then a signed anchor, so `verify` still passes after.
   */
  async prune(p: RetentionPolicy & { olderThan?: string }): Promise<PruneResult> {
    await this.host.flush();
    const db = this.host.reader();
    let cutoff = p.olderThan
      ? Date.parse(p.olderThan)
      : p.maxAgeDays !== undefined
        ? Date.now() - p.maxAgeDays * 86_400_000
        : undefined;
    if (p.maxBytes) {
      const bySize = cutoffForSize(db, this.host.bytes(), p.maxBytes);
      if (bySize !== undefined) cutoff = Math.max(cutoff ?? 0, bySize);
    }
    if (cutoff === undefined || Number.isNaN(cutoff)) return { removedEvents: 0, removedRuns: 0 };
    const cut = pruneCut(db, cutoff);
    if (!cut) return { removedEvents: 0, removedRuns: 0 };
    this.requireSigner();
    await this.write();
    const hash = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(cut) as string;
    const removedEvents = db.prepare('SELECT count(*) FROM events WHERE seq <= ?').pluck().get(cut) as number;
    const removedRuns = db
      .prepare('SELECT count(*) FROM runs WHERE last_seq <= ?')
      .pluck()
      .get(cut) as number;
    await this.signed('prune', cut, hash, removedEvents);
    return { removedEvents, removedRuns, anchorSeq: cut };
  }

  private requireSigner(): CheckpointSigner {
    if (this.signer) return this.signer;
    throw new GatehouseError(
      'ledger_unsigned',
      'The ledger cannot sign a checkpoint yet: its signing key is held by the vault, which is locked. Unlock it (`gatehouse vault unlock`); retention prunes after that.',
      503,
    );
  }
}
