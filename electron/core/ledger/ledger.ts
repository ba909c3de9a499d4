import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { eventKinds, type LedgerEvent, type LedgerEventInput } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import { IdClock } from './ids.js';
import { Redactor } from './redact.js';
import { LiveFanout } from './fanout.js';
import { describeFault, type LedgerProblem } from './faults.js';
import { fileSigner, type CheckpointSigner } from './signer.js';
import { Checkpoints, type PruneResult, type RetentionPolicy } from './checkpoints.js';
import type { FromWriter, ToWriter, WriterInit } from './protocol.js';
import { startCheckpointer, startWriter } from './threads.js';
import { LedgerQueries } from './queries.js';
import { GENESIS_HASH } from './record.js';
import { verifyLedger, type VerifyResult } from './verify.js';

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

interface Deferred {
  resolve: (v: string) => void;
  reject: (e: Error) => void;
}
interface Pending {
  json: string;
  payload: string | null;
  id: string;
  durable?: Deferred;
  tsMs: number;
  /** For live delivery: the event as given (undefined = rebuild from the redacted JSON). */
  live?: LedgerEventInput | undefined;
}

const kindSet = new Set<string>(eventKinds);
const MAX_BATCH = 8192;

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
  private queue: Pending[] = [];
  private readonly inFlight = new Map<number, Pending[]>();
  private readonly control = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextBatch = 1;
  private durableQueued = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private fault: LedgerProblem | undefined;
  private closed = false;
  /** The writer thread is gone (failed to open the database, or crashed). */
  private dead = false;
  private dropped = 0;
  private lastCommitAt: Date | undefined;
  private seq = 0;
  private hash = GENESIS_HASH;

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
    this.queries = new LedgerQueries(reader, () => this.requireReader());
    this.checkpoints = new Checkpoints(
      {
        head: () => this.head,
        writable: () => !this.closed && !this.dead && !this.fault,
        call: (m) => this.call(m),
        flush: () => this.flush(),
        reader: () => this.requireReader(),
        bytes: () => this.queries.bytes(),
      },
      signer,
    );
    worker.on('message', (m: FromWriter) => this.onMessage(m));
    worker.on('error', (e) => this.writerDied(e.message));
    worker.on('exit', () => {
      if (!this.closed) this.writerDied('The ledger writer stopped.');
    });
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
      ledger.seq = first.seq;
      ledger.hash = first.hash;
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
      if (first.type === 'initError') ledger.onFault(first.code, first.message);
      else ledger.onFault('WORKER', 'message' in first ? first.message : 'The ledger writer did not start.');
      ledger.dead = true; // nothing will ever be written: refuse at once rather than queue
    }
    return ledger;
  }

  /** Queues an event and returns its id at once. */
  append(e: LedgerEventInput): string {
    return this.enqueue(e, undefined);
  }

  /** Resolves with the event id once it is committed to disk. */
  appendDurable(e: LedgerEventInput): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      try {
        this.enqueue(e, { resolve, reject });
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
    const state = this.closed ? 'closed' : this.fault ? 'unavailable' : 'ok';
    return {
      ok: state === 'ok',
      state,
      file: this.file,
      events: this.seq,
      pending: this.queue.length + [...this.inFlight.values()].reduce((n, b) => n + b.length, 0),
      dropped: this.dropped,
      ...(this.lastCommitAt ? { lastCommitAt: this.lastCommitAt.toISOString() } : {}),
      lastCheckpointSeq: this.checkpoints.lastSeq,
      ...(this.checkpoints.waiting ? { checkpointsWaiting: true } : {}),
      ...(this.fault ? { problem: this.fault.problem, fix: this.fault.fix } : {}),
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
    return { seq: this.seq, hash: this.hash };
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
    return this.call({ type: 'setMaxPages', batch: 0, pages: pages || 4294967294 });
  }

  /** Resolves once every event appended so far is committed (or has failed). */
  async flush(): Promise<void> {
    while (this.queue.length || this.inFlight.size) {
      if ((this.fault || this.dead) && !this.inFlight.size) return;
      this.schedule(true);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    await this.checkpoint().catch(() => undefined);
    this.closed = true;
    for (const t of [this.timer, this.retryTimer, this.checkpointTimer, this.retentionTimer])
      if (t) clearTimeout(t);
    this.live.close();
    if (!this.dead) await this.call({ type: 'close', batch: 0 }).catch(() => undefined);
    this.reader?.close();
    if (this.checkpointer) {
      this.checkpointer.postMessage('close');
      await Promise.race([this.checkpointerExited, new Promise((r) => setTimeout(r, 2000))]);
      await this.checkpointer.terminate();
    }
    await this.worker.terminate();
  }

  private requireReader(): Database.Database {
    if (!this.reader) throw this.unavailable();
    return this.reader;
  }

  private unavailable(): GatehouseError {
    const f = this.fault ?? describeFault('CLOSED', 'closed');
    const text = this.closed ? 'The audit ledger is closed.' : `${f.problem} ${f.fix}`;
    return new GatehouseError('ledger_unavailable', text, 503);
  }

  private enqueue(e: LedgerEventInput, durable: Deferred | undefined): string {
    if (!kindSet.has(e.kind))
      throw new GatehouseError('bad_input', `Unknown ledger event kind "${String(e.kind)}".`);
    const [id, tsMs] = this.clock.next();
    if (this.closed || this.dead) {
      if (durable) throw this.unavailable();
      this.dropped++;
      return id;
    }
    // The fields and the payload travel as separate JSON texts, so the writer re-reads a payload
    // only when it has text to index or history to split out. Nothing copies the caller's object.
    const { payload: given, ...fields } = e;
    const raw = `{"id":"${id}","ts_ms":${tsMs},${JSON.stringify(fields).slice(1)}`;
    const json = this.redactor.apply(raw);
    const rawPayload = given === undefined ? null : (JSON.stringify(given) ?? null);
    const payload = rawPayload === null ? null : this.redactor.apply(rawPayload);
    const p: Pending = { json, payload, id, tsMs };
    if (durable) {
      p.durable = durable;
      this.durableQueued++;
    }
    // Live subscribers get the event after commit; keep the caller's object unless redaction changed it.
    if (this.live.active) p.live = json === raw && payload === rawPayload ? e : undefined;
    this.queue.push(p);
    // A healthy writer that is behind catches up; only while the disk refuses writes is memory capped.
    if (this.queue.length > (this.fault ? this.opts.maxPending : this.opts.maxPending * 10)) this.shed();
    this.schedule(durable !== undefined);
    return id;
  }

  /** Memory bound while the disk is unwritable: drop the oldest plain events, never a durable one silently. */
  private shed(): void {
    const over = this.queue.length - (this.fault ? this.opts.maxPending : this.opts.maxPending * 10);
    const cut = this.queue.splice(0, over);
    for (const p of cut) {
      if (p.durable) {
        this.durableQueued--;
        p.durable.reject(this.unavailable());
      } else this.dropped++;
    }
  }

  private schedule(urgent: boolean): void {
    if (!this.queue.length || this.inFlight.size >= 2 || this.retryTimer || this.closed) return;
    if (urgent || this.durableQueued > 0 || this.queue.length >= MAX_BATCH) {
      if (this.immediate) return;
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.send();
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.send();
      }, this.opts.flushIntervalMs);
    }
  }

  private send(): void {
    if (!this.queue.length || this.inFlight.size >= 2 || this.retryTimer) return;
    const items = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
    this.queue = items === this.queue ? [] : this.queue.slice(MAX_BATCH);
    const batch = this.nextBatch++;
    this.inFlight.set(batch, items);
    const wantHashes = this.live.active;
    this.post({
      type: 'batch',
      batch,
      items: items.map((p) => p.json),
      payloads: items.map((p) => p.payload),
      wantHashes,
    });
  }

  private post(m: ToWriter): void {
    this.worker.postMessage(m);
  }

  private call(m: ToWriter): Promise<void> {
    const batch = this.nextBatch++;
    return new Promise<void>((resolve, reject) => {
      this.control.set(batch, { resolve, reject });
      this.post({ ...m, batch });
    });
  }

  private onMessage(m: FromWriter): void {
    if (m.type !== 'ack' && m.type !== 'fail') return;
    const ctl = this.control.get(m.batch);
    if (ctl) {
      this.control.delete(m.batch);
      if (m.type === 'ack') ctl.resolve();
      else
        ctl.reject(new GatehouseError('ledger_unavailable', describeFault(m.code, m.message).problem, 503));
      return;
    }
    const items = this.inFlight.get(m.batch);
    if (!items) return;
    this.inFlight.delete(m.batch);
    if (m.type === 'ack') this.committed(items, m);
    else this.failed(items, m.code, m.message);
    this.schedule(false);
  }

  private committed(items: Pending[], m: Extract<FromWriter, { type: 'ack' }>): void {
    this.seq = m.firstSeq + m.count - 1;
    this.hash = m.lastHash;
    this.lastCommitAt = new Date();
    if (!this.dead) this.fault = undefined;
    const live: LedgerEvent[] = [];
    items.forEach((p, i) => {
      if (p.durable) {
        this.durableQueued--;
        p.durable.resolve(p.id);
      }
      if (m.hashes) {
        let src = p.live;
        if (!src) {
          const { ts_ms: _ts, ...rest } = JSON.parse(p.json) as LedgerEventInput & { ts_ms?: number };
          src = p.payload === null ? rest : { ...rest, payload: JSON.parse(p.payload) as unknown };
        }
        const ev = {
          ...src,
          id: p.id,
          seq: m.firstSeq + i,
          ts: new Date(p.tsMs).toISOString(),
          hash: m.hashes[i] ?? '',
        };
        live.push(ev as LedgerEvent);
      }
    });
    this.live.push(live);
    if (this.seq - this.checkpoints.lastSeq >= this.opts.checkpointEvery)
      void this.checkpoint().catch(() => undefined);
  }

  private failed(items: Pending[], code: string, message: string): void {
    this.onFault(code, message);
    const err = this.unavailable();
    const keep: Pending[] = [];
    for (const p of items) {
      if (p.durable) {
        this.durableQueued--;
        p.durable.reject(err); // the caller refuses the action, so its event is not written later
      } else keep.push(p);
    }
    this.queue = keep.concat(this.queue);
    if (this.queue.length > this.opts.maxPending) this.shed();
    if (!this.retryTimer && !this.closed) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.schedule(true);
      }, 250);
    }
  }

  /** The writer is gone: nothing can be committed any more, so every waiting caller is refused. */
  private writerDied(message: string): void {
    if (this.closed || this.dead) return;
    if (!this.fault) this.onFault('WORKER', message);
    this.dead = true;
    const err = new GatehouseError(
      'ledger_unavailable',
      `The audit ledger writer stopped (${message}). Restart Gatehouse.`,
      503,
    );
    for (const items of this.inFlight.values()) for (const p of items) p.durable?.reject(err);
    for (const p of this.queue) p.durable?.reject(err);
    for (const c of this.control.values()) c.reject(err);
    this.inFlight.clear();
    this.control.clear();
    this.queue = [];
  }

  private onFault(code: string, message: string): void {
    this.fault = describeFault(code, message);
  }
}
