import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { LedgerEvent, LedgerEventInput } from '../../../shared/events.js';
import { IdClock } from './ids.js';
import { Redactor } from './redact.js';
import { LiveFanout } from './fanout.js';
import { fileSigner, type CheckpointSigner } from './signer.js';
import { Checkpoints, type PruneResult, type RetentionPolicy } from './checkpoints.js';
import type { FromWriter, WriterInit } from './protocol.js';
import { startCheckpointer, startWriter } from './threads.js';
import { LedgerQueries } from './queries.js';
import { verifyLedger, type VerifyResult } from './verify.js';
import { WriteQueue } from './write-queue.js';

export interface LedgerOptions {
  file: string;
  /**
   * Signs checkpoints. The app passes 'later' and hands over the vault's key with `useSigner`
   * once the vault is open and unlocked (until then checkpoints wait). Default (a ledger used
   * alone: tools, tests): an Ed25519 key in `<dir>/ledger-signing.key` (0600).
   */
  signer?: CheckpointSigner | 'later';
  /** 'normal' (default) survives a process crash; 'full' also fsyncs each commit against power loss. */
  durability?: 'normal' | 'full';
  busyTimeoutMs?: number;
  /** How long plain appends wait to be grouped into one commit. Durable appends go at once. */
  flushIntervalMs?: number;
  checkpointEvery?: number;
  checkpointIntervalMs?: number;
  /**
   * Events kept in memory while the database cannot be written; beyond this the oldest plain
   * events are dropped (counted in status). A healthy writer that is behind may hold 10× this.
   */
  maxPending?: number;
  maxPageCount?: number;
  /** Store conversation messages once by content (default true; false only for comparisons). */
  contentAddressing?: boolean;
  /** Prune whole runs older than this / beyond this size, checked at open and hourly. */
  retention?: RetentionPolicy;
}

export type { PruneResult, RetentionPolicy } from './checkpoints.js';

export interface LedgerStatus {
  ok: boolean;
  state: 'ok' | 'unavailable' | 'closed';
  file: string;
  events: number;
  pending: number;
  dropped: number;
  lastCommitAt?: string;
  lastCheckpointSeq: number;
  /** Checkpoints are waiting for the vault to provide the signing key (locked, or not open yet). */
  checkpointsWaiting?: boolean;
  problem?: string;
  fix?: string;
}

/**
 * The audit ledger: append-only, hash-chained, written by one worker thread that group-commits.
 * `append` never blocks; `appendDurable` resolves once the event is committed ("ledger before
 * action") and rejects with `ledger_unavailable` when the database cannot be written.
 */
export class Ledger {
  readonly queries: LedgerQueries;
  private readonly clock = new IdClock();
  private readonly redactor = new Redactor();
  private readonly live = new LiveFanout();
  private readonly writes: WriteQueue;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;

  private checkpointer: Worker | undefined;
  private checkpointerExited: Promise<unknown> = Promise.resolve();
  private readonly checkpoints: Checkpoints;

  private constructor(
    readonly file: string,
    private readonly worker: Worker,
    private readonly reader: Database.Database | undefined,
    signer: CheckpointSigner | undefined,
    private readonly opts: Required<
      Pick<LedgerOptions, 'flushIntervalMs' | 'checkpointEvery' | 'maxPending'>
    >,
  ) {
    this.writes = new WriteQueue(worker, this.clock, this.redactor, this.live, opts, (seq) =>
      this.checkpointIfDue(seq),
    );
    this.queries = new LedgerQueries(reader, () => this.requireReader());
    this.checkpoints = new Checkpoints(
      {
        head: () => this.head,
        writable: () => this.writes.writable,
        call: (m) => this.writes.call(m),
        flush: () => this.flush(),
        reader: () => this.requireReader(),
        bytes: () => this.queries.bytes(),
      },
      signer,
    );
  }

  static async open(opts: LedgerOptions): Promise<Ledger> {
    const init: WriterInit = {
      file: opts.file,
      busyTimeoutMs: opts.busyTimeoutMs ?? 2000,
      synchronous: opts.durability === 'full' ? 'FULL' : 'NORMAL',
      ...(opts.maxPageCount ? { maxPageCount: opts.maxPageCount } : {}),
      ...(opts.contentAddressing === false ? { contentAddressing: false } : {}),
    };
    const worker = startWriter(init);
    const first = await new Promise<FromWriter | { type: 'crash'; message: string }>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', (e) => resolve({ type: 'crash', message: e.message }));
      worker.once('exit', (code) => resolve({ type: 'crash', message: `the writer exited (code ${code})` }));
    });
    const signer =
      opts.signer === 'later'
        ? undefined
        : (opts.signer ?? fileSigner(join(dirname(opts.file), 'ledger-signing.key')));
    let reader: Database.Database | undefined;
    if (first.type === 'ready') {
      reader = new Database(opts.file, { readonly: true, fileMustExist: true });
      reader.pragma('busy_timeout = 2000');
    }
    const ledger = new Ledger(opts.file, worker, reader, signer, {
      flushIntervalMs: opts.flushIntervalMs ?? 2,
      checkpointEvery: opts.checkpointEvery ?? 10_000,
      maxPending: opts.maxPending ?? 200_000,
    });
    if (first.type === 'ready') {
      ledger.writes.seq = first.seq;
      ledger.writes.hash = first.hash;
      ledger.checkpoints.lastSeq = ledger.queries.lastCheckpointSeq();
      const cp = startCheckpointer(opts.file, 250);
      ledger.checkpointer = cp;
      ledger.checkpointerExited = new Promise((r) => cp.once('exit', r)); // registered now, so never missed
      cp.on('error', () => undefined); // the writer's own auto-checkpoint is the fallback
      const every = opts.checkpointIntervalMs ?? 60_000;
      ledger.checkpointTimer = setInterval(() => void ledger.checkpoint().catch(() => undefined), every);
      ledger.checkpointTimer.unref();
      const retention = opts.retention;
      if (retention && (retention.maxAgeDays || retention.maxBytes)) {
        const prune = (): void => void ledger.prune(retention).catch(() => undefined);
        prune();
        ledger.retentionTimer = setInterval(prune, 3_600_000);
        ledger.retentionTimer.unref();
      }
    } else {
      const message = 'message' in first ? first.message : 'The ledger writer did not start.';
      ledger.writes.notStarted(first.type === 'initError' ? first.code : 'WORKER', message);
    }
    return ledger;
  }

  /** Queues an event and returns its id at once. */
  append(e: LedgerEventInput): string {
    return this.writes.enqueue(e, undefined);
  }

  /** Resolves with the event id once it is committed to disk. */
  appendDurable(e: LedgerEventInput): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      try {
        this.writes.enqueue(e, { resolve, reject });
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  subscribe(fn: (events: LedgerEvent[]) => void | Promise<void>): () => void {
    return this.live.subscribe(fn);
  }

  /** Secret values that must never be written; each is replaced by `[REDACTED:<label>]`. */
  addRedactions(values: Iterable<string>, label = 'secret'): void {
    this.redactor.add(values, label);
  }

  newRunId(): string {
    return 'run_' + this.clock.next()[0];
  }

  status(): LedgerStatus {
    const w = this.writes;
    const state = w.closed ? 'closed' : w.fault ? 'unavailable' : 'ok';
    return {
      ok: state === 'ok',
      state,
      file: this.file,
      events: w.seq,
      pending: w.pending,
      dropped: w.dropped,
      ...(w.lastCommitAt ? { lastCommitAt: w.lastCommitAt.toISOString() } : {}),
      lastCheckpointSeq: this.checkpoints.lastSeq,
      ...(this.checkpoints.waiting ? { checkpointsWaiting: true } : {}),
      ...(w.fault ? { problem: w.fault.problem, fix: w.fault.fix } : {}),
    };
  }

  /**
   * Signs later checkpoints with this key (the vault's, once it is open and unlocked: the ledger
   * opens first), and writes any checkpoint that was waiting. Checkpoints signed by an earlier
   * key stay valid; verify warns that they were signed by another key.
   */
  useSigner(signer: CheckpointSigner): void {
    this.checkpoints.signer = signer;
    void this.checkpoint().catch(() => undefined);
  }

  /** The current signing key (SPKI PEM); undefined while it waits for the vault. */
  get signingPublicKey(): string | undefined {
    return this.checkpoints.signer?.publicKey;
  }

  /** Recomputes the chain and checks the signed checkpoints: "intact, N events" or the first broken link. */
  async verify(): Promise<VerifyResult> {
    return verifyLedger(this.requireReader(), this.signingPublicKey);
  }

  /** The committed head of the chain. */
  get head(): { seq: number; hash: string } {
    return { seq: this.writes.seq, hash: this.writes.hash };
  }

  /** Writes a signed checkpoint of the committed head (no-op if nothing new, or no signer yet). */
  checkpoint(): Promise<void> {
    return this.checkpoints.write();
  }

  /**
   * Deletes whole runs older than `maxAgeDays` (or the oldest runs beyond `maxBytes`). Writes a
   * signed checkpoint of the head first, then a signed anchor, so `verify` still passes after.
   */
  prune(p: RetentionPolicy & { olderThan?: string }): Promise<PruneResult> {
    return this.checkpoints.prune(p);
  }

  /** Changes the size cap (pages of the database file); 0 = SQLite's default. */
  setMaxPages(pages: number): Promise<void> {
    return this.writes.call({ type: 'setMaxPages', batch: 0, pages: pages || 4294967294 });
  }

  /** Resolves once every event appended so far is committed (or has failed). */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  async close(): Promise<void> {
    if (this.writes.closed) return;
    await this.flush();
    await this.checkpoint().catch(() => undefined);
    for (const t of [this.checkpointTimer, this.retentionTimer]) if (t) clearTimeout(t);
    this.live.close();
    await this.writes.close();
    this.reader?.close();
    if (this.checkpointer) {
      this.checkpointer.postMessage('close');
      await Promise.race([this.checkpointerExited, new Promise((r) => setTimeout(r, 2000))]);
      await this.checkpointer.terminate();
    }
    await this.worker.terminate();
  }

  private checkpointIfDue(seq: number): void {
    if (seq - this.checkpoints.lastSeq >= this.opts.checkpointEvery)
      void this.checkpoint().catch(() => undefined);
  }

  private requireReader(): Database.Database {
    if (!this.reader) throw this.writes.unavailable();
    return this.reader;
  }
}
