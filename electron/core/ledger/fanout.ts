import type { LedgerEvent } from '../../../shared/events.js';

type Listener = (events: LedgerEvent[]) => void | Promise<void>;

interface Subscriber {
  fn: Listener;
  queue: LedgerEvent[];
  busy: boolean;
  dropped: number;
}

/**
 * Delivers committed events to live subscribers in batches (every `intervalMs`, ≤ 100 ms). Each
 * subscriber has its own bounded queue; one that is slow (returns a promise that takes a while)
 * or throws only affects itself. Its missed events stay in the ledger to be queried.
 */
export class LiveFanout {
  private readonly subs = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs = 25,
    private readonly maxQueue = 20_000,
  ) {}

  get active(): boolean {
    return this.subs.size > 0;
  }

  subscribe(fn: Listener): () => void {
    const s: Subscriber = { fn, queue: [], busy: false, dropped: 0 };
    this.subs.add(s);
    return () => {
      this.subs.delete(s);
    };
  }

  push(events: LedgerEvent[]): void {
    if (!events.length) return;
    for (const s of this.subs) {
      for (const e of events) s.queue.push(e);
      if (s.queue.length > this.maxQueue) {
        const cut = s.queue.length - this.maxQueue;
        s.queue.splice(0, cut);
        s.dropped += cut;
      }
    }
    this.timer ??= setTimeout(() => this.deliver(), this.intervalMs);
  }

  private deliver(): void {
    this.timer = undefined;
    let waiting = false;
    for (const s of this.subs) {
      if (!s.queue.length) continue;
      if (s.busy) {
        waiting = true;
        continue;
      }
      const batch = s.queue;
      s.queue = [];
      try {
        const r = s.fn(batch);
        if (r && typeof (r as Promise<void>).then === 'function') {
          s.busy = true;
          (r as Promise<void>).then(
            () => this.release(s),
            () => this.release(s),
          );
        }
      } catch {
        // A broken subscriber must not break the ledger.
      }
    }
    if (waiting) this.timer ??= setTimeout(() => this.deliver(), this.intervalMs);
  }

  private release(s: Subscriber): void {
    s.busy = false;
    if (s.queue.length) this.timer ??= setTimeout(() => this.deliver(), this.intervalMs);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.subs.clear();
  }
}
