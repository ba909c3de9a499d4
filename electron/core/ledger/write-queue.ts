import type { Worker } from 'node:worker_threads';
import { eventKinds, type LedgerEvent, type LedgerEventInput } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { IdClock } from './ids.js';
import type { Redactor } from './redact.js';
import type { LiveFanout } from './fanout.js';
import { describeFault, type LedgerProblem } from './faults.js';
import type { FromWriter, ToWriter } from './protocol.js';
import { GENESIS_HASH } from './record.js';

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

/** As in `LedgerOptions`, with their defaults applied. */
export interface WriteQueueOptions {
  flushIntervalMs: number;
  maxPending: number;
}

/**
 * The main thread's side of the writer: turns appended events into batches for the writer
 * thread (group commit, at most two in flight), settles durable appends when their batch
 * commits or fails, keeps plain events in memory (bounded) and retries while the database
 * refuses writes, and hands committed events to the live fanout. Holds the committed head and
 * the fault the ledger reports in its status.
 */
export class WriteQueue {
  /** The committed head of the chain (the ledger sets it from the writer's `ready`). */
  seq = 0;
  hash = GENESIS_HASH;
  /** Why the database cannot be written; cleared by the next successful commit. */
  fault: LedgerProblem | undefined;
  closed = false;
  /** Plain events dropped (closed, writer gone, or over the memory bound). */
  dropped = 0;
  lastCommitAt: Date | undefined;

  private queue: Pending[] = [];
  private readonly inFlight = new Map<number, Pending[]>();
  private readonly control = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextBatch = 1;
  private durableQueued = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The writer thread is gone (failed to open the database, or crashed). */
  private dead = false;

  constructor(
    private readonly worker: Worker,
    private readonly clock: IdClock,
    private readonly redactor: Redactor,
    private readonly live: LiveFanout,
    private readonly opts: WriteQueueOptions,
    /** Called after each committed batch with the new head seq (so the ledger can checkpoint). */
    private readonly onCommit: (seq: number) => void,
  ) {
    worker.on('message', (m: FromWriter) => this.onMessage(m));
    worker.on('error', (e) => this.writerDied(e.message));
    worker.on('exit', () => {
      if (!this.closed) this.writerDied('The ledger writer stopped.');
    });
  }

  /** False while closed, dead or faulted: nothing new can be committed. */
  get writable(): boolean {
    return !this.closed && !this.dead && !this.fault;
  }

  /** Events appended but not yet committed (queued or in flight). */
  get pending(): number {
    return this.queue.length + [...this.inFlight.values()].reduce((n, b) => n + b.length, 0);
  }

  /** The writer never opened the database: nothing will ever be written, so refuse at once rather than queue. */
  notStarted(code: string, message: string): void {
    this.fault = describeFault(code, message);
    this.dead = true;
  }

  /** Queues an event and returns its id; `durable` is settled once its batch commits or fails. */
  enqueue(e: LedgerEventInput, durable: Deferred | undefined): string {
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

  /** Sends a control message to the writer; resolves once it has been carried out. */
  call(m: ToWriter): Promise<void> {
    const batch = this.nextBatch++;
    return new Promise<void>((resolve, reject) => {
      this.control.set(batch, { resolve, reject });
      this.post({ ...m, batch });
    });
  }

  /** Resolves once every event appended so far is committed (or has failed). */
  async flush(): Promise<void> {
    while (this.queue.length || this.inFlight.size) {
      if ((this.fault || this.dead) && !this.inFlight.size) return;
      this.schedule(true);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Stops accepting events and has the writer close its database (flush first). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of [this.timer, this.retryTimer]) if (t) clearTimeout(t);
    if (!this.dead) await this.call({ type: 'close', batch: 0 }).catch(() => undefined);
  }

  /** The error a refused append or read gets: why the ledger cannot write, and what to do. */
  unavailable(): GatehouseError {
    const f = this.fault ?? describeFault('CLOSED', 'closed');
    const text = this.closed ? 'The audit ledger is closed.' : `${f.problem} ${f.fix}`;
    return new GatehouseError('ledger_unavailable', text, 503);
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
    this.onCommit(this.seq);
  }

  private failed(items: Pending[], code: string, message: string): void {
    this.fault = describeFault(code, message);
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
    if (!this.fault) this.fault = describeFault('WORKER', message);
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
}
