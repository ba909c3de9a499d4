import type { QueryClient } from '@tanstack/react-query';
import type { LedgerEvent } from '../../../shared/events.js';
import { liveTopics, type LiveTopic } from '../../../shared/api/live.js';
import { currentTransport } from './client.js';
import { queryMatchesPrefixes, topicInvalidates, TopicDebouncer } from './topics.js';

type Listener<T> = (value: T) => void;

/**
 * The console's one live subscription. Topics invalidate react-query caches (debounced, paused
 * while the window is hidden); ledger events are also fanned out to live transcript views and
 * the overview's counters; `sandboxes.build` progress goes to whoever listens.
 */
export class LiveFeed {
  private readonly ledgerListeners = new Set<Listener<LedgerEvent[]>>();
  private readonly topicListeners = new Set<Listener<{ topic: LiveTopic; data: unknown }>>();
  private readonly connListeners = new Set<Listener<boolean>>();
  private dispose: (() => void) | undefined;
  connected = false;

  constructor(private readonly queries: QueryClient) {}

  start(): () => void {
    const debouncer = new TopicDebouncer(250, (topics) => {
      const prefixes = [...topics].flatMap((t) => topicInvalidates[t]);
      if (prefixes.length === 0) return;
      void this.queries.invalidateQueries({ predicate: (q) => queryMatchesPrefixes(q.queryKey, prefixes) });
    });
    const onVisibility = () => debouncer.setPaused(document.hidden);
    document.addEventListener('visibilitychange', onVisibility);
    const unsubscribe = currentTransport().subscribe(liveTopics, {
      message: (m) => {
        debouncer.push(m.topic);
        if (m.topic === 'ledger.events' && Array.isArray(m.data)) {
          const events = m.data as LedgerEvent[];
          for (const fn of this.ledgerListeners) fn(events);
        }
        for (const fn of this.topicListeners) fn(m);
      },
      reconnected: () => void this.queries.invalidateQueries(),
      connection: (up) => {
        this.connected = up;
        for (const fn of this.connListeners) fn(up);
      },
    });
    this.dispose = () => {
      unsubscribe();
      debouncer.dispose();
      document.removeEventListener('visibilitychange', onVisibility);
    };
    return this.dispose;
  }

  onLedgerEvents(fn: Listener<LedgerEvent[]>): () => void {
    this.ledgerListeners.add(fn);
    return () => this.ledgerListeners.delete(fn);
  }

  onTopic(fn: Listener<{ topic: LiveTopic; data: unknown }>): () => void {
    this.topicListeners.add(fn);
    return () => this.topicListeners.delete(fn);
  }

  onConnection(fn: Listener<boolean>): () => void {
    this.connListeners.add(fn);
    return () => this.connListeners.delete(fn);
  }
}
